"""The rules a contribution check reports: what each finding means and how to clear it."""

from __future__ import annotations

from modelsteward.findings import Rule, Severity


def _rule(rule_id: str, summary: str, help_: str, severity: Severity) -> Rule:
    return Rule(id=rule_id, summary=summary, help=help_, severity=severity)


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        _rule(
            "contrib.secret.known",
            "A credential is added.",
            "Remove it and rotate it.",
            Severity.CRITICAL,
        ),
        _rule(
            "contrib.secret.high-entropy",
            "A random-looking string is added.",
            "Check it is no credential.",
            Severity.HIGH,
        ),
        _rule(
            "contrib.pii.personal-data",
            "Personal data is added.",
            "Remove customer and employee data.",
            Severity.HIGH,
        ),
        _rule(
            "contrib.internal.identifier",
            "An internal identifier is added.",
            "Remove internal hosts, code names, tickets and URLs.",
            Severity.HIGH,
        ),
        _rule(
            "contrib.ownership.proprietary-header",
            "A proprietary notice is added.",
            "Get the code released before contributing it.",
            Severity.HIGH,
        ),
        _rule(
            "contrib.ownership.third-party-copyright",
            "A third party's notice is added.",
            "Confirm the code's origin and license.",
            Severity.MEDIUM,
        ),
        _rule(
            "contrib.license.incompatible",
            "An added file's license is incompatible.",
            "Drop the file or relicense it.",
            Severity.HIGH,
        ),
        _rule(
            "contrib.license.review",
            "An added file's license needs review.",
            "Ask legal.",
            Severity.MEDIUM,
        ),
        _rule(
            "contrib.license.upstream-unknown",
            "The project's license is unknown.",
            "Give --upstream DIR or --upstream-license.",
            Severity.MEDIUM,
        ),
        _rule(
            "contrib.binary.model-weights",
            "Model weights are added.",
            "Publish weights through a model release review.",
            Severity.HIGH,
        ),
        _rule(
            "contrib.binary.large",
            "A large binary is added.",
            "Keep binaries out of patches.",
            Severity.HIGH,
        ),
        _rule(
            "contrib.dco.missing",
            "A commit lacks its author's sign-off.",
            "Amend with git commit -s.",
            Severity.HIGH,
        ),
        _rule(
            "contrib.dco.unknown",
            "A plain diff carries no sign-off.",
            "Send commits made with git commit -s.",
            Severity.MEDIUM,
        ),
        _rule(
            "contrib.cla.required",
            "The project needs a CLA the company has not signed.",
            "Ask legal to sign the CLA.",
            Severity.HIGH,
        ),
    )
}
