"""Every guard costs linear time on hostile text: four times the text, about four times the
CPU time (a quadratic step would take sixteen). Absolute times are measured in
``bench/safety/worst_case.py``, not asserted here."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest

from modelsteward.safety import Role
from modelsteward.safety.guards import HarmfulGuard, InjectionGuard, PiiGuard, SecretGuard, signals
from modelsteward.safety.normalize import normalize

_SMALL, _LARGE = 20_000, 80_000
_RATIO = 8.0
"""Linear is 4; noise on a shared machine stays well under 8; quadratic is 16."""
_FLOOR_S = 0.02


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _mixed(size: int) -> str:
    rng = random.Random(5)
    return "".join(rng.choice("aаα1 .,@:/=-_xZ\n中Ωé") for _ in range(size))


def _names(size: int) -> str:
    rng = random.Random(7)
    given = [
        "Ann",
        "Bob",
        "Carl",
        "Dana",
        "Eve",
        "Fay",
        "Gus",
        "Hal",
        "Ida",
        "Jon",
        "Kim",
        "Lee",
        "Max",
        "Ned",
        "Ola",
        "Pia",
    ]
    out: list[str] = []
    total = 0
    while total < size:
        out.append(rng.choice(given) + rng.choice((", ", " ", " and ", "\n")))
        total += len(out[-1])
    return "".join(out)[:size]


_SHAPES: dict[str, Callable[[int], str]] = {
    "one-char": lambda n: _repeat("a", n),
    "digit-groups": lambda n: _repeat("12 ", n),
    "phones": lambda n: _repeat("+1 555 0100, ", n),
    "emails": lambda n: _repeat("ann.lee@example.org ", n),
    "capitalised-words": lambda n: _repeat("Paris ", n),
    "name-list": _names,
    "firm-list": lambda n: _repeat("Jones, Mitchell and Williams said hi to Ann Lee. ", n),
    "mixed-scripts": _mixed,
    "key-prefixes": lambda n: _repeat("sk-AKIA eyJ secret= ", n),
}
_GUARDS = {
    "pii": PiiGuard(),
    "secret": SecretGuard(),
    "injection": InjectionGuard(),
    "harmful": HarmfulGuard(),
}


def _cost(guard: str, text: str) -> float:
    best = float("inf")
    for _ in range(2):
        normalize.cache_clear()
        signals.views.cache_clear()
        signals.scores.cache_clear()
        signals.document_score.cache_clear()
        started = time.process_time()
        _GUARDS[guard].check_text(text, Role.USER)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("guard", sorted(_GUARDS))
def test_guard_cost_grows_linearly(guard: str) -> None:
    _GUARDS[guard].check_text("warm up: Ann Lee in Paris", Role.USER)
    slow = []
    for shape, make in _SHAPES.items():
        large = _cost(guard, make(_LARGE))
        if large < _FLOOR_S:
            continue
        small = _cost(guard, make(_SMALL))
        if large / max(small, 1e-4) > _RATIO:
            slow.append(f"{shape}: {small:.3f} s -> {large:.3f} s")
    assert not slow, slow
