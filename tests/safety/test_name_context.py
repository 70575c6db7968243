"""The backwards-matched context patterns agree with the patterns as written."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from modelsteward.safety.guards import name_context, names
from modelsteward.safety.guards.name_context import Backward

_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "safety"

_TOKENS = (  # noqa: SIM905
    "by to with and from at for of called named about tribute kid son ex-wife ex-boss feat. "
    "hi dear thanks thank you shouted had given said told asked replied in near visit went go "
    "going moved travelled way welcome the The capital history time zone of museums avenue av. "
    "blvd blvd. rue ul. place works worked job employed joined vs vs. versus or & Paris London "
    "McDonald O'Neil Ann x 5 12 a-b nearby Bythe ex- ’s my name is name? i'm call calls me "
    "named name: hello regards, Mr. mr dr. m. mme ich heiße under in her John's speak follow "
    "up assistant player Dear"
).split()
_GLUE = (" ", "  ", "\n", ", ", ": ", ". ", "\t", "", " - ", " — ", "? ", "(", "“", ";", " \n")


def _backwards() -> dict[str, Backward]:
    found: dict[str, Backward] = {}
    for module in (name_context, names):
        for attr, value in vars(module).items():
            if isinstance(value, Backward) and value not in found.values():
                found[f"{module.__name__}.{attr}"] = value
    return found


def _windows() -> list[str]:
    rng = random.Random(11)
    out = []
    for _ in range(6000):
        parts = []
        for _ in range(rng.randint(1, 7)):
            parts.append(rng.choice(_TOKENS))
            parts.append(rng.choice(_GLUE))
        text = "".join(parts)
        out.append(text[-30:])
        out.append(text[-rng.randint(1, 30) :])
    sets = ("everyday/everyday_requests.jsonl", "presidio_synth_pii/synth_pii_sample600.jsonl")
    for name in sets:
        path = _DATA / name
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines()[:400]:
                text = json.loads(line)["text"]
                out.extend(text[max(0, i - 30) : i] for i, c in enumerate(text) if c.isupper())
    return out


def test_every_backward_pattern_is_found() -> None:
    assert len(_backwards()) >= 12


@pytest.mark.parametrize("name", sorted(_backwards()))
def test_backward_agrees_with_forward(name: str) -> None:
    pattern = _backwards()[name]
    for window in _windows():
        forward = pattern.forward.search(window)
        assert (forward is not None) == (pattern.search(window) is not None), (name, window)
        if forward is not None and pattern.forward.groups:
            assert forward.group(1) == pattern.group(window), (name, window)
