"""A task that dies the first time it runs for a target (its worker process exits), then
vets normally: the fleet runners must retry it."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from modelsteward.services.fleet import vet_task


def die_once(target: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    marker = Path(spec["marker_dir"]) / hashlib.sha256(target.encode()).hexdigest()
    if not marker.exists():
        marker.write_text("died once")
        os._exit(17)
    return vet_task(target, spec)


def always_fails(target: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    raise RuntimeError(f"cannot read {target}")
