"""The rule ids of the license area, their severities, and the flags they report."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from modelsteward.findings import Rule, Severity


class Flag(enum.StrEnum):
    """Flags of the license JSON contract."""

    METADATA_MISMATCH = "metadata_mismatch"
    METADATA_MISSING = "metadata_missing"
    METADATA_NONSTANDARD_FORM = "metadata_nonstandard_form"
    TEXT_MODIFIED = "text_modified"
    TEXT_TRUNCATED = "text_truncated"
    TEXT_UNKNOWN = "text_unknown"
    LICENSE_TEXT_MISSING = "license_text_missing"
    LINEAGE_LICENSE_CONFLICT = "lineage_license_conflict"
    LINEAGE_LICENSE_INHERITED = "lineage_license_inherited"
    MULTIPLE_LICENSES = "multiple_licenses"


def _rule(rule_id: str, severity: Severity, summary: str, help_text: str) -> Rule:
    return Rule(id=rule_id, summary=summary, help=help_text, severity=severity)


_ALL = (
    _rule(
        "license.absent",
        Severity.HIGH,
        "No license anywhere: no text, no card license, no known base.",
        "Ask the publisher for a license; without one, no use is granted.",
    ),
    _rule(
        "license.text.modified",
        Severity.HIGH,
        "The license text differs from the "
        "canonical text in words (a number, a clause, a meaning).",
        "Read the quoted passages; treat the license as custom and have it reviewed.",
    ),
    _rule(
        "license.text.truncated",
        Severity.MEDIUM,
        "The license text stops short of (or starts after) the canonical text.",
        "Obtain the complete license text.",
    ),
    _rule(
        "license.text.unknown",
        Severity.MEDIUM,
        "A license file matches no known license.",
        "Have the license reviewed, or add it to the knowledge base.",
    ),
    _rule(
        "license.text.missing",
        Severity.LOW,
        "The model ships no license text; the "
        "license is known only from metadata or lineage (MEDIUM for model-specific "
        "licenses).",
        "Add the license text (LICENSE) to the model.",
    ),
    _rule(
        "license.text.multiple",
        Severity.LOW,
        "Several licenses apply to the model.",
        "All of them bind the use; check that they are compatible.",
    ),
    _rule(
        "license.metadata.missing",
        Severity.LOW,
        "The model card declares no license.",
        "Add 'license:' to the card's YAML front matter.",
    ),
    _rule(
        "license.metadata.nonstandard",
        Severity.LOW,
        "The card's license is not in the Hub's standard form.",
        "Use a Hub license id, or 'license: other' with 'license_name' and 'license_link'.",
    ),
    _rule(
        "license.metadata.invalid",
        Severity.MEDIUM,
        "The card's YAML front matter cannot be read.",
        "Fix the YAML between the leading '---' lines.",
    ),
    _rule(
        "license.metadata.mismatch",
        Severity.HIGH,
        "The card declares a license other than the one the text or the base model carries.",
        "Correct the card; the stricter license is what binds.",
    ),
    _rule(
        "license.lineage.conflict",
        Severity.HIGH,
        "The model claims a license more permissive than its base model's.",
        "A derivative inherits its base's terms: follow the base license.",
    ),
    _rule(
        "license.lineage.inherited",
        Severity.INFO,
        "The license is inherited from the base model.",
        "Ship the base license with the model.",
    ),
    _rule(
        "license.lineage.unresolved",
        Severity.LOW,
        "A base model's license could not be determined.",
        "Register the base model, or run online to ask the Hub.",
    ),
    _rule(
        "license.use.prohibited",
        Severity.HIGH,
        "The intended use is prohibited by the license.",
        "Choose another model or another use.",
    ),
    _rule(
        "license.use.needs-separate-license",
        Severity.HIGH,
        "The intended use exceeds a threshold and needs a separate license from the licensor.",
        "Contact the licensor before use.",
    ),
    _rule(
        "license.use.needs-review",
        Severity.MEDIUM,
        "No decision: the license text is modified, truncated, unknown or missing.",
        "Have the license reviewed by legal.",
    ),
    _rule(
        "license.use.conditional",
        Severity.INFO,
        "The use is allowed with obligations.",
        "Meet the listed obligations.",
    ),
)

_STACK = (
    _rule(
        "license.stack.network-copyleft",
        Severity.HIGH,
        "A package of the stack is under network copyleft (AGPL, SSPL, OSL) and the model is "
        "served to third parties.",
        "Offer the service's complete source to its users, or replace the package.",
    ),
    _rule(
        "license.stack.copyleft-distribution",
        Severity.HIGH,
        "A package under strong copyleft (GPL) is shipped in a redistributed product.",
        "Release the product's source under the same license, or replace the package.",
    ),
    _rule(
        "license.stack.weak-copyleft",
        Severity.LOW,
        "A package under weak copyleft (LGPL, MPL, EPL) is shipped.",
        "Ship its source (and its license) with the product; keep it replaceable.",
    ),
    _rule(
        "license.stack.non-commercial",
        Severity.HIGH,
        "A package's license does not allow commercial use.",
        "Replace the package or obtain a commercial license.",
    ),
    _rule(
        "license.stack.restricted",
        Severity.MEDIUM,
        "A package is under source-available or use-restricted terms (BUSL, Elastic).",
        "Read its terms for the intended use.",
    ),
    _rule(
        "license.stack.none",
        Severity.MEDIUM,
        "An installed package declares no license.",
        "Ask the maintainers for a license; without one no use is granted.",
    ),
    _rule(
        "license.stack.unrecognised",
        Severity.MEDIUM,
        "A package declares a license that cannot be normalised to SPDX.",
        "Read the package's license files and record the license.",
    ),
    _rule(
        "license.stack.unknown",
        Severity.LOW,
        "A package's license is unknown: the inventory pins it but it is not installed.",
        "Give the installed environment (venv, site-packages) or an SBOM with licenses.",
    ),
)

RULES: Mapping[str, Rule] = MappingProxyType({r.id: r for r in (*_ALL, *_STACK)})
"""Every rule of the license area, by id."""
