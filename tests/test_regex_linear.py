"""Every regular expression the package compiles at module level runs in linear time.

Each pattern is run with ``finditer`` over hostile repetitions (one unit repeated) at two
sizes. Linear code takes about four times as long on four times the text; a pattern that
rescans a long token from each of its inner word boundaries takes sixteen times as long.
Patterns are found by walking the package, so a new pattern is covered without a test of
its own.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time

import modelsteward

_UNITS = (
    "a", "7", "h4", ".", "QUJD", "a.b", "a:", "12 ", "Paris ", "Ada B. ", "Ann, ",
    "eyJaaaaaaaaa.", "sk-AKIA", "a-", "a_", "A ", "a ", "1.", "1,", "a@", "@a.", "1-",
    "http://", "aa\n", "Aa-", "- ", "\\x", "%2", "&#", "0x", " and ", "ignore ", "St ",
    "1 st ", "+1 ", "(", "[", "{", "a=", "a/", "#a ", "*", "`", "'", "’", "Mr. ",
    "how to ", "A1", "ab12-", "Copyright ",
)  # fmt: skip
_SMALL, _LARGE = 2_000, 8_000
_FLOOR_S = 0.03
"""Below this the large run is too quick to tell linear from quadratic."""
_RATIO = 9.0
"""Linear code scales by about 4 from the small to the large text; quadratic by 16."""


def _patterns() -> dict[str, re.Pattern[str]]:
    found: dict[str, re.Pattern[str]] = {}

    def collect(name: str, value: object, depth: int) -> None:
        if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
            found.setdefault(name, value)
        elif depth < 2 and isinstance(value, (tuple, list)):
            for i, item in enumerate(value[:200]):
                collect(f"{name}[{i}]", item, depth + 1)
        elif depth < 2 and isinstance(value, dict):
            for key, item in list(value.items())[:200]:
                collect(f"{name}[{key!r}]", item, depth + 1)

    for info in pkgutil.walk_packages(modelsteward.__path__, "modelsteward."):
        if info.name.endswith("__main__") or ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        for attr, value in vars(module).items():
            collect(f"{info.name}.{attr}", value, 0)
    return found


def _time(pattern: re.Pattern[str], text: str) -> float:
    started = time.perf_counter()
    for _ in pattern.finditer(text):
        pass
    return time.perf_counter() - started


def test_the_walk_finds_the_guards_patterns() -> None:
    names = _patterns()
    assert len(names) > 150
    assert "modelsteward.safety.guards.addresses._ADDRESS" in names
    assert "modelsteward.licenses.normalize.NUMBERING" in names


def test_every_module_pattern_is_linear_on_hostile_repetitions() -> None:
    slow: list[str] = []
    for name, pattern in _patterns().items():
        for unit in _UNITS:
            small = unit * (_SMALL // len(unit))
            large = unit * (_LARGE // len(unit))
            spent = _time(pattern, large)
            if spent < _FLOOR_S:
                continue
            # A second try with the best of three filters out a pause of the machine.
            spent = min(spent, _time(pattern, large), _time(pattern, large))
            base = min(_time(pattern, small) for _ in range(3))
            if spent >= _FLOOR_S and spent / max(base, 1e-4) > _RATIO:
                slow.append(f"{name} on {unit!r}: {base:.3f} s -> {spent:.3f} s")
    assert not slow, "superlinear patterns:\n" + "\n".join(slow)


def test_the_check_catches_a_quadratic_pattern() -> None:
    # The shape that made the address guard quadratic: a word class scanned from each
    # inner word boundary of one long token.
    quadratic = re.compile(r"\b[\w-]+\s+street")
    large = "sk-AKIA" * (_LARGE // 7)
    small = "sk-AKIA" * (_SMALL // 7)
    spent = min(_time(quadratic, large) for _ in range(3))
    base = min(_time(quadratic, small) for _ in range(5))
    assert spent >= _FLOOR_S
    assert spent / base > _RATIO
