"""The result of checking one model's license, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field

from modelsteward.findings import Report
from modelsteward.licenses.diff import Difference, TextStatus
from modelsteward.licenses.evaluate import Decision, Verdict
from modelsteward.licenses.lineage import LineageHit
from modelsteward.licenses.model_facts import ModelFacts
from modelsteward.licenses.rules import Flag


class LicenseSource:
    """Where the license id came from (values of the contract's ``license.source``)."""

    TEXT = "text"
    METADATA = "metadata"
    LINEAGE = "lineage"


@dataclass(frozen=True, slots=True, kw_only=True)
class FileDifference:
    """A difference found in one of the model's license files."""

    file: str
    license: str
    difference: Difference

    def to_dict(self) -> dict[str, object]:
        """JSON form (an addition to the contract's ``license`` object)."""
        d = self.difference
        return {
            "file": self.file,
            "license": self.license,
            "kind": d.kind.value,
            "section": d.section,
            "found": d.found,
            "canonical_words": d.canonical_words,
            "line": d.line,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class LicenseResult:
    """Everything known about one model's license, and the verdict for a use."""

    path: str
    """The path as the user gave it."""
    license_id: str | None
    expression: str | None
    status: TextStatus
    source: str | None
    closest: str | None
    files: tuple[str, ...]
    family: str | None
    name: str | None
    metadata_license: str | None
    metadata_mismatch: bool
    lineage: tuple[LineageHit, ...]
    flags: tuple[Flag, ...]
    differences: tuple[FileDifference, ...]
    verdict: Verdict | None
    report: Report
    model: ModelFacts = field(default_factory=ModelFacts)
    """What the model's files say about it (modalities, size, family)."""
    closest_similarity: float | None = None
    """For an unknown text: how similar the closest license is (0..1)."""
    code_licenses: tuple[str, ...] = ()
    """Licenses that cover only the code (LICENSE-CODE beside the weights' license)."""

    @property
    def decision(self) -> Decision | None:
        """The verdict's decision, or None when no use was given."""
        return None if self.verdict is None else self.verdict.decision

    @property
    def obligations(self) -> tuple[str, ...]:
        """The obligations the use must meet (empty without a use)."""
        return () if self.verdict is None else self.verdict.obligations

    def to_dict(self) -> dict[str, object]:
        """One entry of the ``results`` list of the license JSON contract."""
        return {
            "path": self.path,
            "license": {
                "id": self.license_id,
                "expression": self.expression,
                "status": self.status.value,
                "source": self.source,
                "closest": self.closest,
                "similarity": self.closest_similarity,
                "files": list(self.files),
                "code_licenses": list(self.code_licenses),
                "name": self.name,
                "family": self.family,
                "differences": [d.to_dict() for d in self.differences],
            },
            "metadata": {"license": self.metadata_license, "mismatch": self.metadata_mismatch},
            "lineage": [hit.to_dict() for hit in self.lineage],
            "flags": [flag.value for flag in self.flags],
            "verdict": None if self.verdict is None else self.verdict.to_dict(),
            "model": self.model.to_dict(),
        }
