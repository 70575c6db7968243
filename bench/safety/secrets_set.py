"""A synthetic secrets benchmark: random keys in known formats, and benign config lines."""

from __future__ import annotations

import random
import string


def _rand(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def secret_rows(seed: int = 5) -> list[tuple[str, bool]]:
    """``(text, has_secret)`` rows: 110 with a secret, 60 without."""
    rng = random.Random(seed)
    up = string.ascii_uppercase + string.digits
    makers = [
        lambda: f"aws_access_key_id = AKIA{_rand(rng, 16, up)}",
        lambda: f"export GITHUB_TOKEN=ghp_{_rand(rng, 36)}",
        lambda: f"slack: xoxb-{_rand(rng, 12, string.digits)}-{_rand(rng, 24)}",
        lambda: f"GOOGLE_KEY=AIza{_rand(rng, 35)}",
        lambda: f"stripe.api_key = 'sk_live_{_rand(rng, 24)}'",
        lambda: f"HF_TOKEN=hf_{_rand(rng, 34)}",
        lambda: f"DATABASE_URL=postgres://app:{_rand(rng, 12)}@db.internal:5432/prod",
        lambda: (
            f"-----BEGIN RSA PRIVATE KEY-----\nMIIE{_rand(rng, 60)}\n-----END RSA PRIVATE KEY-----"
        ),
        lambda: (
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJ" + _rand(rng, 30) + "." + _rand(rng, 43)
        ),
        lambda: f'config = {{"api_key": "{_rand(rng, 32)}"}}',
        lambda: f"password: {_rand(rng, 16, string.ascii_letters + string.digits + '!#%')}",
    ]
    rows = [(maker(), True) for _ in range(10) for maker in makers]
    benign = [
        "timeout = 30",
        "log_level: debug",
        "api_key = your-api-key-here",
        "password: <redacted>",
        "retries=5 backoff=exponential",
        "token_limit: 4096",
        "secret_santa_budget = 20 EUR",
        "See https://example.com/docs/authentication for details.",
        "The access key rotation happens every 90 days.",
        "Use `export PATH=$HOME/bin:$PATH`.",
    ]
    rows += [(rng.choice(benign) + f"  # line {i}", False) for i in range(60)]
    return rows
