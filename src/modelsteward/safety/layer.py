"""The safety layer: every guard over a text or a chat request, judged by the policy."""

from __future__ import annotations

import bisect
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from modelsteward.findings import Finding, Severity
from modelsteward.safety.guards import default_guards
from modelsteward.safety.guards.model import MODEL_CATEGORIES, ModelGuard
from modelsteward.safety.interface import Action, Category, Detection, Guard, Hazard, Role
from modelsteward.safety.normalize import scrub
from modelsteward.safety.policy import SafetyPolicy, Treatment
from modelsteward.safety.redact import Pseudonymizer, redact
from modelsteward.safety.verdict import PiiSpan, Verdict

_SEVERITY = {
    Treatment.BLOCK: Severity.HIGH,
    Treatment.REDACT: Severity.MEDIUM,
    Treatment.FLAG: Severity.LOW,
}
_CRITICAL_HAZARDS = frozenset({Hazard.S4, Hazard.S9})
_JUDGED = frozenset(
    {
        Category.PROMPT_INJECTION,
        Category.JAILBREAK,
        Category.HARMFUL_REQUEST,
        Category.HARMFUL_OUTPUT,
    }
)
"""The whole-text categories whose offline score places a text in the judge's band."""


@dataclass(frozen=True, slots=True)
class _Assessment:
    triggered: tuple[tuple[Detection, Treatment], ...]
    detections: tuple[Detection, ...]
    redacted: str
    spans: tuple[Detection, ...]


def _inside_secrets_dropped(found: list[Detection]) -> list[Detection]:
    """``found`` without the PII spans that lie inside a secret (the digits of a Slack
    token read as a phone number, the ``user@host`` of a connection string as an e-mail):
    the secret is what the text holds, and its rule is the one that fires."""
    secrets = sorted((d.start, d.end) for d in found if d.category is Category.SECRET)
    if not secrets:
        return found
    merged: list[list[int]] = []
    for start, end in secrets:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    starts = [m[0] for m in merged]

    def inside(det: Detection) -> bool:
        i = bisect.bisect_right(starts, det.start) - 1
        return i >= 0 and det.end <= merged[i][1]

    return [d for d in found if d.category is not Category.PII or not inside(d)]


class SafetyLayer:
    """Checks texts and chat requests against a ``SafetyPolicy``.

    Build once and share: the layer holds only immutable state, so ``check_text`` and
    ``check_messages`` are safe to call from many threads at once.
    """

    def __init__(
        self,
        policy: SafetyPolicy | None = None,
        *,
        guards: Sequence[Guard] | None = None,
        judge: Guard | None = None,
    ) -> None:
        self.policy = policy or SafetyPolicy.default()
        self._guards: tuple[Guard, ...] = tuple(guards) if guards is not None else default_guards()
        self._judge = judge if self.policy.judge else None
        self._model: ModelGuard | None = None
        if self.policy.model is not None:
            self._model = ModelGuard(self.policy.model)
            self._model.load()

    @property
    def heavy(self) -> bool:
        """True when even a short text costs milliseconds (a model guard or a judge is on):
        callers with an event loop run every check in a worker thread."""
        return self._model is not None or self._judge is not None

    def check_text(self, text: str, role: Role = Role.USER) -> Verdict:
        """Judge one text written by ``role``."""
        started = time.perf_counter()
        pseudo = Pseudonymizer()
        assessment = self._assess(text, role, pseudo)
        return self._verdict(
            [(assessment, None)],
            redacted=assessment.redacted,
            redacted_messages=(),
            pseudo=pseudo,
            started=started,
        )

    def check_messages(self, messages: Sequence[Mapping[str, object]]) -> Verdict:
        """Judge an OpenAI chat request; ``redacted`` is the last user message, redacted.

        Raises:
            SafetyError: for a message with an unknown role.
        """
        started = time.perf_counter()
        pseudo = Pseudonymizer()
        parts: list[tuple[_Assessment, int | None]] = []
        rewritten: list[Mapping[str, object]] = []
        redacted_user: str | None = None
        for i, message in enumerate(messages):
            role = Role.parse(message.get("role", "user"))
            content = message.get("content")
            if isinstance(content, str):
                assessment = self._assess(content, role, pseudo)
                parts.append((assessment, i))
                rewritten.append({**message, "content": assessment.redacted})
                if role is Role.USER:
                    redacted_user = assessment.redacted
            elif isinstance(content, list):
                new_parts: list[object] = []
                for part in content:
                    if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                        assessment = self._assess(str(part["text"]), role, pseudo)
                        parts.append((assessment, i))
                        new_parts.append({**part, "text": assessment.redacted})
                    else:
                        new_parts.append(part)
                rewritten.append({**message, "content": new_parts})
            else:
                rewritten.append(message)
        return self._verdict(
            parts,
            redacted=redacted_user,
            redacted_messages=tuple(rewritten),
            pseudo=pseudo,
            started=started,
        )

    def _detect(self, text: str, role: Role) -> list[Detection]:
        found: list[Detection] = []
        for guard in self._guards:
            found.extend(guard.check_text(text, role))
        if self._model is not None and role not in (Role.ASSISTANT, Role.SYSTEM):
            if self._model.spec.mode == "replace":
                found = [d for d in found if d.category not in MODEL_CATEGORIES]
            found.extend(self._model.check_text(text, role))
        if self._judge is not None and role in (Role.USER, Role.ASSISTANT):
            if self._uncertain(found):
                found.extend(self._judge.check_text(text, role))
        for pattern in self.policy.deny:
            match = pattern.search(text)
            if match:
                found.append(
                    Detection(
                        category=Category.DENY_LIST,
                        score=1.0,
                        label="deny-list",
                        evidence=match.group(0)[:60],
                        source="policy",
                    )
                )
        return [d for d in found if not self._allowed(d, text)]

    def _uncertain(self, found: Sequence[Detection]) -> bool:
        """True when the judge should decide: no band, or the strongest whole-text score
        of the offline guards lies inside it."""
        band = self.policy.judge_band
        if band is None:
            return True
        strongest = max((d.score for d in found if d.category in _JUDGED), default=0.0)
        return band[0] <= strongest < band[1]

    def _allowed(self, det: Detection, text: str) -> bool:
        if det.category is Category.DENY_LIST:
            return False
        target = text[det.start : det.end] if det.has_span else text
        return any(p.search(target) for p in self.policy.allow)

    def _assess(self, text: str, role: Role, pseudo: Pseudonymizer) -> _Assessment:
        text = scrub(text)
        detections = _inside_secrets_dropped(self._detect(text, role))
        triggered: list[tuple[Detection, Treatment]] = []
        for det in detections:
            rule = self.policy.rule_for(det.category, role)
            if rule is None or det.score < rule.threshold:
                continue
            treatment = rule.treatment
            if treatment is Treatment.REDACT and not det.has_span:
                treatment = Treatment.FLAG
            triggered.append((det, treatment))
        spans = [d for d, t in triggered if t is Treatment.REDACT]
        if any(t is Treatment.BLOCK for _, t in triggered):
            # A blocked text is still returned redacted, for logs: every span goes.
            spans = [d for d, _ in triggered if d.has_span]
        redacted = redact(
            text, spans, style=self.policy.redaction, key=self.policy.hash_key, pseudonyms=pseudo
        )
        return _Assessment(tuple(triggered), tuple(detections), redacted, tuple(spans))

    def _verdict(
        self,
        parts: Sequence[tuple[_Assessment, int | None]],
        *,
        redacted: str | None,
        redacted_messages: tuple[Mapping[str, object], ...],
        pseudo: Pseudonymizer,
        started: float,
    ) -> Verdict:
        triggered = [(d, t, i) for a, i in parts for d, t in a.triggered]
        detections = tuple(d for a, _ in parts for d in a.detections)
        treatments = {t for _, t, _ in triggered}
        action = Action.ALLOW
        if Treatment.BLOCK in treatments:
            action = Action.BLOCK
        elif Treatment.REDACT in treatments:
            action = Action.REDACT
        categories = tuple(dict.fromkeys(d.category for d, _, _ in triggered))
        pool = [d for d, _, _ in triggered] or list(detections)
        score = max((d.score for d in pool), default=0.0)
        hazards = [d for d in pool if d.hazard is not None]
        hazard = max(hazards, key=lambda d: d.score).hazard if hazards else None
        findings = tuple(self._finding(d, t, i) for d, t, i in triggered)
        pii = tuple(
            PiiSpan(start=d.start, end=d.end, type=d.label, score=d.score, message=i)
            for d, _, i in triggered
            if d.category is Category.PII
        )
        return Verdict(
            action=action,
            categories=categories,
            hazard=hazard,
            score=score,
            pii=pii,
            redacted=redacted,
            redacted_messages=redacted_messages,
            findings=findings,
            detections=detections,
            redactions=tuple(d for a, _ in parts for d in a.spans),
            pseudonyms=dict(pseudo.mapping),
            latency_ms=(time.perf_counter() - started) * 1000.0,
        )

    @staticmethod
    def _finding(det: Detection, treatment: Treatment, index: int | None) -> Finding:
        severity = _SEVERITY[treatment]
        if treatment is Treatment.BLOCK and det.hazard in _CRITICAL_HAZARDS:
            severity = Severity.CRITICAL
        request_id = f"message[{index}]" if index is not None else None
        return det.to_finding(severity=severity, request_id=request_id)
