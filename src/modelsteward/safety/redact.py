"""Rewrite detected spans in one of the redaction styles, and restore pseudonyms."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence

from modelsteward.safety.interface import Detection
from modelsteward.safety.policy import RedactionStyle


class Pseudonymizer:
    """Gives each distinct value one ``<TYPE_n>`` pseudonym, consistently across the messages of
    one request. Not shared between requests or threads: make one per check."""

    def __init__(self) -> None:
        self._by_value: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}
        self.mapping: dict[str, str] = {}
        """Pseudonym -> original value."""

    def name(self, label: str, value: str) -> str:
        """The pseudonym of ``value`` (new or reused)."""
        key = (label, value)
        if key not in self._by_value:
            n = self._counts.get(label, 0) + 1
            self._counts[label] = n
            alias = f"<{label}_{n}>"
            self._by_value[key] = alias
            self.mapping[alias] = value
        return self._by_value[key]


def _replacement(
    det: Detection, value: str, style: RedactionStyle, key: str, pseudo: Pseudonymizer
) -> str:
    label = det.label or det.category.value.upper()
    if style is RedactionStyle.MASK:
        return "*" * len(value)
    if style is RedactionStyle.PLACEHOLDER:
        return f"<{label}>"
    if style is RedactionStyle.HASH:
        digest = hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()[:10]
        return f"<{label}:{digest}>"
    return pseudo.name(label, value)


def redact(
    text: str,
    spans: Sequence[Detection],
    *,
    style: RedactionStyle,
    key: str,
    pseudonyms: Pseudonymizer,
) -> str:
    """``text`` with every span rewritten in ``style`` (overlapping spans merged)."""
    ordered = sorted((d for d in spans if d.has_span), key=lambda d: (d.start, -d.end))
    out: list[str] = []
    cursor = 0
    for det in ordered:
        if det.start < cursor:
            continue
        out.append(text[cursor : det.start])
        out.append(_replacement(det, text[det.start : det.end], style, key, pseudonyms))
        cursor = det.end
    out.append(text[cursor:])
    return "".join(out)


_ALIAS = re.compile(r"<[A-Z_]+_\d+>")


def restore_pseudonyms(text: str, mapping: Mapping[str, str]) -> str:
    """Put the original values back in place of their pseudonyms (e.g. in the model's answer)."""
    if not mapping:
        return text
    return _ALIAS.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)
