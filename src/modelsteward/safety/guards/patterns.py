"""The pattern machinery behind the hand-written guard rules: compiled patterns with
weights, the literal anchors that let a text skip patterns it cannot match, and the
combination of several hits into one score."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Pattern:
    """One named pattern with its weight in [0, 1]."""

    name: str
    regex: re.Pattern[str]
    weight: float
    anchors: tuple[str, ...] = ()
    """Literal prefixes: every match starts with one of them; empty means scan everywhere."""

    def search(self, text: str) -> bool:
        """True when the pattern matches ``text``.

        Every match starts with one of the anchors, so the regex is tried only where an
        anchor occurs (a few C-level ``find`` calls instead of a scan at every position).
        """
        if not self.anchors:
            return self.regex.search(text) is not None
        match = self.regex.match
        for anchor in self.anchors:
            at = text.find(anchor)
            while at >= 0:
                if match(text, at):
                    return True
                at = text.find(anchor, at + 1)
        return False


def _split_top(body: str) -> list[str]:
    parts, depth, start, i = [], 0, 0, 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    parts.append(body[start:])
    return parts


def _literal_prefix(alt: str) -> str:
    out = ""
    for ch in alt:
        if ch.isalnum() or ch in " '-_":
            out += ch
            continue
        if ch in "?*{" and out:
            out = out[:-1]
        break
    return out


def _group_end(body: str) -> int:
    depth = 0
    for i, ch in enumerate(body):
        if ch == "(" and (i == 0 or body[i - 1] != "\\"):
            depth += 1
        elif ch == ")" and body[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _alt_anchors(alt: str) -> list[str]:
    body = alt[2:] if alt.startswith("\\b") else alt
    if body.startswith("(?:"):
        end = _group_end(body)
        if end < 0 or body[end + 1 : end + 2] in ("?", "*", "{"):
            return [""]
        return [a for sub in _split_top(body[3:end]) for a in _alt_anchors(sub)]
    return [_literal_prefix(body)]


def anchors_of(regex: str) -> tuple[str, ...]:
    """Literal substrings one of which every match of ``regex`` contains (best effort: an
    empty tuple when no safe set can be read off the pattern)."""
    prefixes = [a.rstrip() for alt in _split_top(regex) for a in _alt_anchors(alt)]
    if any(len(p) < 2 for p in prefixes):
        return ()
    return tuple(dict.fromkeys(prefixes))


def pattern(name: str, regex: str, weight: float = 0.95) -> Pattern:
    return Pattern(name, re.compile(regex), weight, anchors_of(regex))


_FLOOD = re.compile(r"(.{1,8}?)\1{19,}", re.DOTALL)
_FILLER = frozenset("-=_*.#~+|/\\ \t\n")


def token_flood(text: str) -> bool:
    """True when a short unit with a real character is repeated 20+ times in a row, the
    context-flooding trick that pushes the real instructions out of view."""
    return any(set(m.group(1)) - _FILLER for m in _FLOOD.finditer(text))


def match_patterns(patterns: tuple[Pattern, ...], views: tuple[str, ...]) -> tuple[float, str]:
    """Combined weight of the patterns that match any view, and the strongest one's name."""
    hits: dict[str, float] = {}
    for view in views:
        for pattern in patterns:
            if pattern.name not in hits and pattern.search(view):
                hits[pattern.name] = pattern.weight
    if not hits:
        return 0.0, ""
    miss = 1.0
    for weight in hits.values():
        miss *= 1.0 - weight
    best = max(hits, key=lambda k: hits[k])
    return 1.0 - miss, best
