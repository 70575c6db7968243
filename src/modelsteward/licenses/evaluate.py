"""Evaluate licenses for an intended use: one decision, its obligations and clauses."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from modelsteward.licenses.kb import Effect, LicenseInfo, Term
from modelsteward.licenses.model_facts import ModelFacts
from modelsteward.licenses.profile import UseProfile


class Decision(enum.StrEnum):
    """The verdict for a use, from the least to the most serious."""

    ALLOWED = "allowed"
    CONDITIONAL = "conditional"
    NEEDS_SEPARATE_LICENSE = "needs_separate_license"
    PROHIBITED = "prohibited"
    NEEDS_REVIEW = "needs_review"


@dataclass(frozen=True, slots=True, kw_only=True)
class Clause:
    """A clause that decides the verdict, quoted."""

    license: str
    section: str
    quote: str
    file: str = ""
    """The user's file it was quoted from; empty when quoted from the knowledge base
    (no license text in the model)."""
    kind: str = ""

    def to_dict(self) -> dict[str, str]:
        """The JSON form of the license contract's ``clauses`` entries."""
        return {
            "license": self.license,
            "section": self.section,
            "quote": self.quote,
            "file": self.file,
            "kind": self.kind,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """What a use may do under the licenses that apply."""

    decision: Decision
    obligations: tuple[str, ...] = ()
    clauses: tuple[Clause, ...] = ()
    reasons: tuple[str, ...] = ()
    """Why: one sentence per deciding term (or why no decision could be made)."""

    def to_dict(self) -> dict[str, object]:
        """The JSON form of the license contract's ``verdict``."""
        return {
            "decision": self.decision.value,
            "obligations": list(self.obligations),
            "clauses": [c.to_dict() for c in self.clauses],
            "reasons": list(self.reasons),
        }


Quoter = Callable[[LicenseInfo, Term], Clause]
"""Quote a term, from the user's file when possible."""

_RANK = {
    Effect.PROHIBIT: Decision.PROHIBITED,
    Effect.SEPARATE_LICENSE: Decision.NEEDS_SEPARATE_LICENSE,
    Effect.OBLIGATION: Decision.CONDITIONAL,
}
_ORDER = (Decision.PROHIBITED, Decision.NEEDS_SEPARATE_LICENSE, Decision.CONDITIONAL)


def applies(term: Term, use: UseProfile, model: ModelFacts | None = None) -> bool:
    """True when ``term`` binds this use of this model.

    A term on multimodal models binds when the model's files show a vision or audio
    encoder; when they do not tell (no config), the profile's ``multimodal`` decides.
    """
    if term.effect is Effect.INFO:
        return False
    if term.model == "multimodal":
        known = model.multimodal if model is not None else None
        if not (use.multimodal if known is None else known):
            return False
    if term.regions and not use.in_region(term.regions):
        return False
    if not all(getattr(use, name) for name in term.when):
        return False
    if term.when_any and not any(getattr(use, name) for name in term.when_any):
        return False
    if term.measure is not None and term.value is not None:
        return int(getattr(use, term.measure)) > term.value
    return True


def kb_quote(info: LicenseInfo, term: Term) -> Clause:
    """Quote a term from the knowledge base (the canonical sentence)."""
    return Clause(
        license=info.id, section=term.section, quote=term.quote or term.text, kind=term.kind
    )


def evaluate(
    use: UseProfile,
    licenses: Sequence[LicenseInfo],
    quote: Quoter = kb_quote,
    model: ModelFacts | None = None,
) -> Verdict:
    """The decision for ``use`` under all of ``licenses`` (the strictest wins).

    Obligations of every license are listed whatever the decision; clauses are those of the
    deciding terms, then those of the obligations.
    """
    triggered: list[tuple[LicenseInfo, Term]] = [
        (info, term) for info in licenses for term in info.terms if applies(term, use, model)
    ]
    if not triggered:
        return Verdict(decision=Decision.ALLOWED)
    decision = next(d for d in _ORDER if any(_RANK[t.effect] is d for _, t in triggered))
    deciding = [(i, t) for i, t in triggered if _RANK[t.effect] is decision]
    rest = [(i, t) for i, t in triggered if _RANK[t.effect] is not decision]
    obligations = tuple(
        dict.fromkeys(f"{i.id}: {t.text}" for i, t in triggered if t.effect is Effect.OBLIGATION)
    )
    reasons = tuple(f"{i.id} §{t.section}: {t.text}" for i, t in deciding)
    clauses = tuple(quote(i, t) for i, t in [*deciding, *rest])
    return Verdict(decision=decision, obligations=obligations, clauses=clauses, reasons=reasons)
