"""Fixtures shared by every area: where the read-only shared data lives."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelsteward.demo.shared import shared_dir

REPO = Path(__file__).resolve().parents[1]
SHARED = shared_dir() or REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ``shared/`` directory beside the repository."""
    if not SHARED.is_dir():
        pytest.skip(f"the shared/ data folder is absent here ({SHARED}); CI has it")
    return SHARED


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="rewrite the golden files in tests/golden/ from the current output",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> object:
    """``golden(name, text)`` compares ``text`` with ``tests/golden/name`` (or rewrites it)."""
    regen = bool(request.config.getoption("--regen-golden"))

    def check(name: str, text: str) -> None:
        path = REPO / "tests" / "golden" / name
        if regen or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert text == path.read_text(encoding="utf-8"), f"{name} differs; --regen-golden"

    return check
