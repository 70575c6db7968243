"""Parsing policies: every malformed policy is a PolicyError with a hint; the default parses."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelsteward.passport import PassportError, passport_from_dict
from modelsteward.policy import Mode, PolicyError, default_policy, load_policy, parse_policy
from tests.policy.passports import make_passport

GOOD_RULE = "  - {id: s, kind: scan.severity}\n"

INVALID = [
    ("empty file", ""),
    ("only a comment", "# nothing\n"),
    ("not a mapping", "- a\n- b\n"),
    ("bad yaml", "version: [1\n"),
    ("no version", "rules:\n" + GOOD_RULE),
    ("future version", "version: 2\nrules:\n" + GOOD_RULE),
    ("unknown key", "version: 1\nrulez: []\n"),
    ("unknown kind", "version: 1\nrules:\n  - {id: s, kind: scan.everything}\n"),
    ("unknown mode", "version: 1\nmode: relaxed\nrules:\n" + GOOD_RULE),
    ("bad severity", "version: 1\nrules:\n  - {id: s, kind: scan.severity, max: huge}\n"),
    ("duplicate ids", "version: 1\nrules:\n" + GOOD_RULE + GOOD_RULE),
    ("review without role",
     "version: 1\nrules:\n  - {id: r, kind: review, when: [use.commercial]}\n"),
    ("unknown condition",
     "version: 1\nrules:\n  - {id: r, kind: review, role: legal, when: [moon.phase]}\n"),
    ("composite without children", "version: 1\nrules:\n  - {id: a, kind: all_of}\n"),
    ("children on a leaf", "version: 1\nrules:\n  - {id: a, kind: safety.layer, rules: ["
     + "{id: b, kind: safety.layer}]}\n"),
    ("exception without expiry", "version: 1\nrules:\n" + GOOD_RULE
     + "exceptions:\n  - {rule: s, scope: {model: x}, reason: r, owner: o}\n"),
    ("exception without scope", "version: 1\nrules:\n" + GOOD_RULE
     + "exceptions:\n  - {rule: s, reason: r, owner: o, expires: 2030-01-01}\n"),
    ("bad rule id", "version: 1\nrules:\n  - {id: 'Bad Id', kind: safety.layer}\n"),
]  # fmt: skip


@pytest.mark.parametrize("text", [t for _, t in INVALID], ids=[n for n, _ in INVALID])
def test_invalid_policies_are_errors_with_a_hint(text: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, source="p.yaml")
    assert info.value.message.startswith("p.yaml")
    assert info.value.hint


def test_default_policy_parses_and_is_enforced() -> None:
    policy = default_policy()
    assert policy.mode is Mode.ENFORCE
    assert {r.id for r in policy.rules} >= {
        "license-decision",
        "scan-severity",
        "vulns-critical",
        "safety-layer",
        "review-legal",
        "review-security",
        "review-safety",
    }
    assert len(policy.digest) == 64


def test_load_policy_reads_a_file_and_reports_a_missing_one(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\nrules:\n" + GOOD_RULE, encoding="utf-8")
    assert load_policy(path).source == str(path)
    with pytest.raises(PolicyError, match="cannot read policy"):
        load_policy(tmp_path / "missing.yaml")


def test_passport_round_trips_through_json() -> None:
    passport = make_passport()
    again = passport_from_dict(passport.to_dict())
    assert again.to_dict() == passport.to_dict()


def test_partial_passport_fixture_takes_defaults() -> None:
    passport = passport_from_dict({"identity": {"name": "x"}})
    assert passport.license is None
    assert passport.identity.source == "x"


@pytest.mark.parametrize(
    "data",
    [{}, {"identity": "x"}, {"identity": {"name": "x"}, "checks": {"scan": {"state": "meh"}}}],
)
def test_bad_passport_is_a_passport_error(data: dict[str, object]) -> None:
    with pytest.raises(PassportError):
        passport_from_dict(data)
