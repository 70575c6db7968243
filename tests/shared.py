"""The one lookup of the optional ``shared/`` data folder for tests, with a clear skip.

The folder sits beside the checkout (CI has it); tests that need its data skip with the
reason when it is absent, so a clone with nothing beside it still passes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelsteward.demo.shared import shared_dir

REPO = Path(__file__).resolve().parents[1]
SHARED = shared_dir() or REPO.parent / "shared"
"""The shared folder, or where it would be (for skip messages)."""
STORIES = SHARED / "models" / "stories260K" / "stories260K.gguf"
"""stories260K: a tiny real Llama model (MIT) that the embedded engine serves."""


def require(path: Path) -> Path:
    """``path`` when it exists, else skip the test saying which shared file is missing."""
    if not path.exists():
        pytest.skip(f"needs {path.name} from the shared/ data folder, absent here ({path})")
    return path
