"""Secrets: cloud and API keys, tokens, private keys, JWTs and connection strings.

Known formats are matched by pattern; ``key = "value"`` assignments are matched when the value
has high Shannon entropy, so ordinary configuration values stay quiet.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from modelsteward.safety.interface import Category, Detection, Role

KNOWN_SECRETS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AWS_ACCESS_KEY", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b")),
    (
        "AWS_SECRET_KEY",
        re.compile(
            r"(?i:aws_?secret_?(?:access_?)?key)[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})\b"
        ),
    ),
    (
        "GITHUB_TOKEN",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})\b"),
    ),
    ("GITLAB_TOKEN", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b")),
    ("SLACK_TOKEN", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    ("SLACK_WEBHOOK", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]{20,}")),
    ("GOOGLE_API_KEY", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    (
        "OPENAI_API_KEY",
        re.compile(
            r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}\b|\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}\b"
        ),
    ),
    ("ANTHROPIC_API_KEY", re.compile(r"\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,}\b")),
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
_ASSIGNMENT = re.compile(
    r"(?i:api[_-]?key|secret|token|passw(?:or)?d|pwd|access[_-]?key|auth|credential|"
    r"private[_-]?key)[\w.-]{0,30}[\"']?\s*(?::|=|=>)\s*[\"']?([^\s\"',;]{12,200})"
)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    total = len(value)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def _mask(value: str) -> str:
    return value[:4] + "*" * max(0, min(len(value), 40) - 4)


def find_secrets(text: str) -> tuple[Detection, ...]:
    """Every secret in ``text`` with its type, in text order."""
    found: list[Detection] = []
    for label, pattern in KNOWN_SECRETS:
        for match in pattern.finditer(text):
            group = 1 if pattern.groups else 0
            start, end = match.start(group), match.end(group)
            found.append(
                Detection(
                    category=Category.SECRET,
                    score=0.97,
                    start=start,
                    end=end,
                    label=label,
                    evidence=_mask(text[start:end]),
                    source="pattern",
                )
            )
    for match in _ASSIGNMENT.finditer(text):
        value = match.group(1)
        start, end = match.start(1), match.end(1)
        if any(d.start <= start < d.end for d in found):
            continue
        classes = sum(any(f(c) for c in value) for f in (str.islower, str.isupper, str.isdigit))
        if entropy(value) >= 3.5 and classes >= 2:
            found.append(
                Detection(
                    category=Category.SECRET,
                    score=0.8,
                    start=start,
                    end=end,
                    label="GENERIC_SECRET",
                    evidence=_mask(value),
                    source="entropy",
                )
            )
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
