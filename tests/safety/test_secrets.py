"""Secrets by format and by entropy."""

from __future__ import annotations

import pytest

from modelsteward.safety.guards.secrets import SecretGuard, find_secrets

_JWT = (
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("aws key AKIAIOSFODNN7EXAMPLE", "AWS_ACCESS_KEY"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_SECRET_KEY"),
        ("token ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8", "GITHUB_TOKEN"),
        ("slack xoxb-123456789012-abcdefghijkl", "SLACK_TOKEN"),
        ("google AIzaSyA-1234567890abcdefghijklmnopqrstu", "GOOGLE_API_KEY"),
        ("hf token hf_" + "Q3kT9zL2mX8vR4wP7nB5cY1dF6gH0jK2sA", "HUGGINGFACE_TOKEN"),
        ("stripe sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "STRIPE_KEY"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "PRIVATE_KEY"),
        (f"Authorization: Bearer {_JWT}", "JWT"),
        ("DATABASE_URL=postgres://app:s3cr3tpw@db.internal:5432/prod", "CONNECTION_STRING"),
        ('api_key = "zT9fQ2xLmP8vR4kW7nB3"', "GENERIC_SECRET"),
    ],
)
def test_secret_types(text: str, label: str) -> None:
    assert label in {d.label for d in find_secrets(text)}


@pytest.mark.parametrize(
    "text",
    [
        "password: please use the reset link",
        "the token economy in games",
        'api_key = "your-api-key-here"',
        "Set SECRET_MODE=enabled in the config",
    ],
)
def test_low_entropy_values_are_not_secrets(text: str) -> None:
    assert find_secrets(text) == ()


def test_secret_evidence_is_masked() -> None:
    (det,) = SecretGuard().check_text("key AKIAIOSFODNN7EXAMPLE")
    assert "IOSFODNN7EXAMPLE" not in det.evidence


def _random_key(n: int, alphabet: str, seed: int) -> str:
    import random

    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(n))


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_AWS_SECRET = _random_key(40, _ALNUM + "/+", 1)


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        # An AWS key id and its secret access key, however the secret is labelled.
        (
            f"Access key ID: AKIAIOSFODNN7EXAMPLE\nSecret access key: {_AWS_SECRET}",
            ["AWS_ACCESS_KEY", "AWS_SECRET_KEY"],
        ),
        (
            f"Access key ID,Secret access key\nAKIAIOSFODNN7EXAMPLE,{_AWS_SECRET}",
            ["AWS_ACCESS_KEY", "AWS_SECRET_KEY"],
        ),
        (
            f'{{"AccessKeyId": "ASIAIOSFODNN7EXAMPLE", "SecretAccessKey": "{_AWS_SECRET}"}}',
            ["AWS_ACCESS_KEY", "AWS_SECRET_KEY"],
        ),
        (f"my key is sk-proj-{_random_key(48, _ALNUM + '_-', 2)}", ["OPENAI_API_KEY"]),
        (f"OPENAI_API_KEY=sk-{_random_key(48, _ALNUM, 3)}", ["OPENAI_API_KEY"]),
        (f"sk-ant-api03-{_random_key(93, _ALNUM + '_-', 4)}AA", ["ANTHROPIC_API_KEY"]),
        (f"github_pat_11ABCDEFG0{_random_key(70, _ALNUM + '_', 5)}", ["GITHUB_TOKEN"]),
        (f"ghp_{_random_key(36, _ALNUM, 6)}", ["GITHUB_TOKEN"]),
        (f"xoxp-1234567890-{_random_key(24, _ALNUM, 7)}", ["SLACK_TOKEN"]),
        (f"xapp-1-A0123BCDE-{_random_key(30, _ALNUM, 8)}", ["SLACK_TOKEN"]),
        (f"key=AIza{_random_key(35, _ALNUM + '_-', 9)}", ["GOOGLE_API_KEY"]),
        ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----", ["PRIVATE_KEY"]),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1r\n", ["PRIVATE_KEY"]),
    ],
)
def test_provider_secrets_and_pairs(text: str, labels: list[str]) -> None:
    assert [d.label for d in find_secrets(text)] == labels


@pytest.mark.parametrize(
    "text",
    [
        "Install sk-learn-compatible-estimators-for-my-project with pip",
        "The sk-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa placeholder goes here",
        # A 40-character token without any AWS key id nearby is not called an AWS secret.
        "commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904 fixed the build",
        "AKIAIOSFODNN7EXAMPLE and then aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ],
)
def test_prefix_alone_or_low_entropy_is_no_provider_secret(text: str) -> None:
    assert "OPENAI_API_KEY" not in {d.label for d in find_secrets(text)}
    assert "AWS_SECRET_KEY" not in {d.label for d in find_secrets(text)}


def test_aws_pair_is_redacted_by_the_layer() -> None:
    from modelsteward.safety import Action, Role, SafetyLayer

    # An answer that echoes a credentials block: both halves of the pair are redacted.
    text = f"Access key ID: AKIAIOSFODNN7EXAMPLE\nSecret access key: {_AWS_SECRET}"
    verdict = SafetyLayer().check_text(text, Role.ASSISTANT)
    assert verdict.action is Action.REDACT
    assert verdict.rule_ids == ("safety.guard.secret",)
    assert _AWS_SECRET not in (verdict.redacted or "")
    assert "AKIAIOSFODNN7EXAMPLE" not in (verdict.redacted or "")


_PROVIDERS = [
    (f"AKIAIOSFODNN7EXAMPLE {_AWS_SECRET}", {"AWS_ACCESS_KEY", "AWS_SECRET_KEY"}),
    (f"{_AWS_SECRET} is the secret of AKIAIOSFODNN7EXAMPLE", {"AWS_ACCESS_KEY", "AWS_SECRET_KEY"}),
    (f"sk-proj-{_random_key(64, _ALNUM + '_-', 11)}", {"OPENAI_API_KEY"}),
    (f"sk-svcacct-{_random_key(64, _ALNUM + '_-', 12)}", {"OPENAI_API_KEY"}),
    (f"sk-{_random_key(20, _ALNUM, 13)}T3BlbkFJ{_random_key(20, _ALNUM, 14)}", {"OPENAI_API_KEY"}),
    (f"sk-ant-admin01-{_random_key(80, _ALNUM + '_-', 15)}", {"ANTHROPIC_API_KEY"}),
    (f"gho_{_random_key(36, _ALNUM, 16)}", {"GITHUB_TOKEN"}),
    (f"github_pat_{_random_key(22, _ALNUM, 17)}_{_random_key(59, _ALNUM, 18)}", {"GITHUB_TOKEN"}),
    (f"xoxb-1234567890-{_random_key(24, _ALNUM, 19)}", {"SLACK_TOKEN"}),
    (f"https://hooks.slack.com/services/T0{_random_key(30, _ALNUM, 20)}", {"SLACK_WEBHOOK"}),
    (f"AIza{_random_key(35, _ALNUM + '_-', 21)}", {"GOOGLE_API_KEY"}),
    (_JWT, {"JWT"}),
    ("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI\n-----END EC PRIVATE KEY-----", {"PRIVATE_KEY"}),
    ("-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF\n", {"PRIVATE_KEY"}),
]


@pytest.mark.parametrize(("text", "labels"), _PROVIDERS)
def test_every_provider_is_redacted_under_the_secret_rule(text: str, labels: set[str]) -> None:
    from modelsteward.safety import Action, Role, SafetyLayer

    full = f"here it is: {text} (keep it safe)"
    verdict = SafetyLayer().check_text(full, Role.USER)
    assert verdict.action is Action.REDACT
    assert verdict.rule_ids == ("safety.guard.secret",)
    assert {d.label for d in verdict.redactions} == labels
    for det in verdict.redactions:
        assert full[det.start : det.end] not in (verdict.redacted or "")


@pytest.mark.parametrize(
    "text",
    [
        "AIza" + "x" * 35,
        "xoxb-" + "0" * 12,
        "hf_" + "a" * 34,
        "sk_live_" + "0" * 24,
        "npm_" + "a" * 36,
        "glpat-" + "x" * 20,
        "eyJhbGciOiJIUzI1NiJ9x.eyJzdWIiOiIxMjM0.abcdefghij",  # header is no JSON
        "eyJfoo_bar_baz.eyJqux_quux_q.corge_grault",
    ],
)
def test_placeholders_and_fake_tokens_are_no_secret(text: str) -> None:
    assert find_secrets(f"value: {text}") == ()
