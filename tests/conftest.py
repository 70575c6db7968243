"""Fixtures shared by every area: where the read-only shared data lives, and a per-run data
directory so that no test reads or writes the user's own registry or advisory database."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from modelsteward.demo.shared import shared_dir

REPO = Path(__file__).resolve().parents[1]
SHARED = shared_dir() or REPO.parent / "shared"
_USER_ENV = ("XDG_DATA_HOME", "MODELSTEWARD_DATA_DIR", "MODELSTEWARD_REGISTRY")


def pytest_configure(config: pytest.Config) -> None:
    """Point the per-user data directory (``platformdirs``, which reads ``XDG_DATA_HOME``)
    at a fresh temporary directory for the whole run, subprocesses included, before any
    test module is imported."""
    data_home = tempfile.mkdtemp(prefix="modelsteward-test-data-")
    config.stash[_DATA_HOME] = data_home
    for name in _USER_ENV:
        os.environ.pop(name, None)
    os.environ["XDG_DATA_HOME"] = data_home


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the run's data directory."""
    data_home = config.stash.get(_DATA_HOME, None)
    if data_home:
        shutil.rmtree(data_home, ignore_errors=True)


_DATA_HOME = pytest.StashKey[str]()


@pytest.fixture(scope="session")
def test_data_home(pytestconfig: pytest.Config) -> Path:
    """The temporary ``XDG_DATA_HOME`` of this run."""
    return Path(pytestconfig.stash[_DATA_HOME])


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
