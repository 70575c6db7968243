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
        ("hf token hf_" + "a" * 34, "HUGGINGFACE_TOKEN"),
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
