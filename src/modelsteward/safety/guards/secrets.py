"""Secrets: cloud and API keys, tokens, private keys, JWTs and connection strings.

Known formats are matched by pattern; ``key = "value"`` assignments are matched when the value
has high Shannon entropy, so ordinary configuration values stay quiet.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from modelsteward.safety.guards.patterns import anchors_of
from modelsteward.safety.interface import Category, Detection, Role

KNOWN_SECRETS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AWS_ACCESS_KEY", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b")),
    (
        "AWS_SECRET_KEY",
        re.compile(
            r"(?i:aws_?secret_?(?:access_?)?key|secret_?access_?key|secretaccesskey|"
            r"secret access key)[\"']?\s*[:=,]\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
        ),
    ),
    (
        "GITHUB_TOKEN",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"),
    ),
    ("GITLAB_TOKEN", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b")),
    (
        "SLACK_TOKEN",
        re.compile(r"\b(?:xox[abposre]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,})\b"),
    ),
    ("SLACK_WEBHOOK", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]{20,}")),
    ("GOOGLE_API_KEY", re.compile(r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])")),
    ("ANTHROPIC_API_KEY", re.compile(r"\bsk-ant-(?:api|admin|oat|ort)\d{2}-[A-Za-z0-9_-]{20,}")),
    (
        "OPENAI_API_KEY",
        re.compile(
            r"\bsk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}"
            r"|\bsk-[A-Za-z0-9]{20,}T3BlbkFJ[A-Za-z0-9]{20,}\b"
            r"|\bsk-(?!ant-)[A-Za-z0-9]{32,}\b"
        ),
    ),
    ("HUGGINGFACE_TOKEN", re.compile(r"\bhf_[A-Za-z0-9]{34,}\b")),
    ("STRIPE_KEY", re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,}\b")),
    ("TWILIO_KEY", re.compile(r"\bSK[0-9a-fA-F]{32}\b")),
    ("SENDGRID_KEY", re.compile(r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b")),
    ("AZURE_STORAGE_KEY", re.compile(r"AccountKey=[A-Za-z0-9+/=]{80,}")),
    ("NPM_TOKEN", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("PYPI_TOKEN", re.compile(r"\bpypi-AgE[A-Za-z0-9_-]{50,}\b")),
    (
        "PRIVATE_KEY",
        re.compile(
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[\s\S]{0,8000}?-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----)?"
        ),
    ),
    ("JWT", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b")),
    (
        "CONNECTION_STRING",
        re.compile(
            r"\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|amqps?|mssql|"
            r"sqlserver|ftp|sftp)://[^\s:@/]+:[^\s@/]+@[^\s]+"
        ),
    ),
    ("BASIC_AUTH_URL", re.compile(r"\bhttps?://[^\s:@/]+:[^\s@/]{6,}@[^\s]+")),
)
"""Named secret formats with a fixed shape (the stream moderator reads their prefixes)."""

_GATES: dict[str, tuple[str, ...]] = {
    "AWS_SECRET_KEY": ("ecret", "ECRET"),
    "SLACK_TOKEN": ("xox", "xapp-"),
    "OPENAI_API_KEY": ("sk-",),
}
"""Literal strings one of which a text must hold for the pattern to be tried at all (read
off the pattern's anchors where these are not given), so a text without any costs one
C-level substring search per format instead of a regex pass."""
_GATE_OF = {
    label: _GATES.get(label) or anchors_of(pattern.pattern) for label, pattern in KNOWN_SECRETS
}
_LOW_ENTROPY_FORMATS = frozenset(
    {
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "GITHUB_TOKEN",
        "GITLAB_TOKEN",
        "GOOGLE_API_KEY",
        "SLACK_TOKEN",
        "HUGGINGFACE_TOKEN",
        "STRIPE_KEY",
        "NPM_TOKEN",
    }
)
"""Formats whose prefix alone is weak evidence (``sk-`` starts ordinary slugs, ``AIza`` plus
35 ``x`` is a placeholder): the body must also look random."""
_AWS_SECRET_BODY = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_PAIR_DISTANCE = 300
"""How far from an AWS key id its secret access key is looked for (a credentials file,
an env block, a CSV row)."""
_ASSIGNMENT = re.compile(
    r"(?i:api[_-]?key|secret|token|passw(?:or)?d|pwd|access[_-]?key|auth|credential|"
    r"private[_-]?key)[\w.-]{0,30}[\"']?\s*(?::|=|=>)\s*[\"']?([^\s\"',;]{12,200})"
)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    total = len(value)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def _classes(value: str) -> int:
    """How many of lower case, upper case and digits ``value`` mixes."""
    return sum(any(f(c) for c in value) for f in (str.islower, str.isupper, str.isdigit))


def looks_random(value: str, *, min_entropy: float = 3.5) -> bool:
    """True when ``value`` reads like generated key material: high Shannon entropy and at
    least two character classes (``your-api-key-here`` and ``aaaaaaaa`` do not)."""
    return len(value) >= 8 and entropy(value) >= min_entropy and _classes(value) >= 2


def _mask(value: str) -> str:
    return value[:4] + "*" * max(0, min(len(value), 40) - 4)


def _secret(label: str, text: str, start: int, end: int, score: float, source: str) -> Detection:
    return Detection(
        category=Category.SECRET,
        score=score,
        start=start,
        end=end,
        label=label,
        evidence=_mask(text[start:end]),
        source=source,
    )


def _jwt_ok(token: str) -> bool:
    """A JWT whose header decodes to a JSON object naming its algorithm or type (a string
    that merely starts with ``eyJ`` three times is no token)."""
    header = token.split(".", 1)[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(decoded, dict) and ("alg" in decoded or "typ" in decoded)


def _aws_pairs(text: str, key_ids: list[Detection], taken: list[Detection]) -> list[Detection]:
    """The secret access key next to each AWS key id: a 40-character base64 token with
    high entropy, within ``_PAIR_DISTANCE`` characters (however it is labelled)."""
    out: list[Detection] = []
    for key in key_ids:
        lo, hi = max(0, key.start - _PAIR_DISTANCE), min(len(text), key.end + _PAIR_DISTANCE)
        for match in _AWS_SECRET_BODY.finditer(text, lo, hi):
            start, end = match.span()
            if any(d.start < end and start < d.end for d in (*taken, *out)):
                continue
            if looks_random(match.group(0), min_entropy=4.0):
                out.append(_secret("AWS_SECRET_KEY", text, start, end, 0.95, "pair"))
    return out


def find_secrets(text: str) -> tuple[Detection, ...]:
    """Every secret in ``text`` with its type, in text order."""
    found: list[Detection] = []
    for label, pattern in KNOWN_SECRETS:
        gate = _GATE_OF[label]
        if gate and not any(g in text for g in gate):
            continue
        for match in pattern.finditer(text):
            group = 1 if pattern.groups else 0
            start, end = match.start(group), match.end(group)
            if label in _LOW_ENTROPY_FORMATS and not looks_random(text[start:end], min_entropy=3.0):
                continue
            if label == "JWT" and not _jwt_ok(text[start:end]):
                continue
            found.append(_secret(label, text, start, end, 0.97, "pattern"))
    key_ids = [d for d in found if d.label == "AWS_ACCESS_KEY"]
    if key_ids:
        found.extend(_aws_pairs(text, key_ids, found))
    for match in _ASSIGNMENT.finditer(text):
        value = match.group(1)
        start, end = match.start(1), match.end(1)
        if any(d.start <= start < d.end for d in found):
            continue
        if looks_random(value):
            found.append(_secret("GENERIC_SECRET", text, start, end, 0.8, "entropy"))
    return tuple(sorted(found, key=lambda d: d.start))


class SecretGuard:
    """Credentials pasted into prompts, documents or model output."""

    name = "secret"

    def check_text(self, text: str, role: Role = Role.USER) -> tuple[Detection, ...]:
        """Secret spans in ``text``."""
        return find_secrets(text)

    def check_request(self, messages: Sequence[Mapping[str, object]]) -> tuple[Detection, ...]:
        """Secret spans in every message's text."""
        out: list[Detection] = []
        for message in messages:
            content = message.get("content")
            if isinstance(content, str):
                out.extend(find_secrets(content))
        return tuple(out)
