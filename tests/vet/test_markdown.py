"""The one-page markdown passport."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from modelsteward.findings import Report, Severity
from modelsteward.passport import FileEntry, Identity, UseFacts, VulnFacts
from modelsteward.policy import evaluate, parse_policy
from modelsteward.report.markdown import render_passport, render_passports
from tests.policy.passports import make_license, make_passport, scan_finding, vuln

SHA = "ab" * 32
_POLICY = parse_policy(
    "version: 1\nname: golden\nrules:\n"
    "  - {id: scan-severity, kind: scan.severity, max: medium}\n"
    "  - {id: review-legal, kind: review, role: legal, when: [license.obligations]}\n",
    source="golden.yaml",
)


def _trojan_like() -> tuple[object, object]:
    passport = make_passport(
        identity=Identity(
            name="org/helpful",
            source="models/helpful",
            revision="abc123",
            files=(FileEntry(path="pytorch_model.bin", size=4712, kind="zip", sha256=SHA),),
        ),
        use=UseFacts(profile="internal", customer_facing=False, commercial=True),
        license=make_license(decision="conditional", obligations=("Attribution | notice",)),
        report=Report.of(
            [
                scan_finding(
                    "scan.pickle.unsafe-global", Severity.CRITICAL, member="archive/data.pkl"
                )
            ]
        ),
        vulns=VulnFacts(inventory="req.txt", packages=2, vulnerabilities=(vuln(Severity.HIGH),)),
        vetted_at="2026-11-27T12:00:00Z",
    )
    return passport, evaluate(_POLICY, passport, today=date(2026, 11, 27))


def test_markdown_passport_golden(golden: Callable[[str, str], None]) -> None:
    passport, decision = _trojan_like()
    text = render_passport(passport, decision)  # type: ignore[arg-type]
    golden("vet_passport.md", text)


def test_markdown_puts_the_decision_and_reasons_first() -> None:
    passport, decision = _trojan_like()
    text = render_passport(passport, decision)  # type: ignore[arg-type]
    lines = text.splitlines()
    assert lines[0] == "# Model passport: org/helpful"
    assert lines[2].startswith("**Decision: REJECTED**")
    assert text.index("## Reasons") < text.index("## License") < text.index("## File manifest")
    assert "`scan.pickle.unsafe-global`" in text
    assert "`models/model/pytorch_model.bin!archive/data.pkl`" in text
    assert f"| `pytorch_model.bin` | zip | 4.6 KiB | `{SHA}` |" in text
    assert "Attribution \\| notice" in text  # table cells escape pipes


def test_review_lists_the_roles_and_waivers_show_their_owner() -> None:
    policy = parse_policy(
        "version: 1\nrules:\n"
        "  - {id: legal, kind: review, role: legal, when: [license.obligations]}\n"
        "  - {id: scan, kind: scan.severity}\n"
        "exceptions:\n"
        "  - {rule: scan, scope: {model: 'org/*'}, reason: sandboxed, owner: sec-team,"
        " expires: 2030-01-01}\n"
    )
    passport, _ = _trojan_like()
    decision = evaluate(policy, passport)  # type: ignore[arg-type]
    text = render_passport(passport, decision)  # type: ignore[arg-type]
    assert "**Decision: NEEDS REVIEW by legal**" in text
    assert "## Waived by exceptions" in text
    assert "| scan | scan.pickle.unsafe-global | sec-team | 2030-01-01 | sandboxed |" in text


def test_several_passports_are_separated_by_a_rule() -> None:
    passport, decision = _trojan_like()
    pair = (passport, decision)
    text = render_passports([pair, pair])  # type: ignore[list-item]
    assert text.count("# Model passport:") == 2
    assert "\n---\n" in text
