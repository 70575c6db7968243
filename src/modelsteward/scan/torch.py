"""PyTorch layouts: what distinguishes a checkpoint from any zip or pickle.

``torch.save`` writes a zip whose ``<name>/data.pkl`` is the pickle and whose
``<name>/data/<key>`` members are raw tensor storages; the legacy format is five pickles in
a row, the first being a magic number. Both are read by :mod:`.archive` and :mod:`.pickle`.
"""

from __future__ import annotations

import re

from modelsteward.scan.pickle import LEGACY_TORCH_MAGIC

STORAGE_MEMBER = re.compile(r"(^|/)data/\d+$")
"""Raw storage bytes in a ``torch.save`` zip: never unpickled, so never interpreted."""


def is_torch_zip(names: list[str]) -> bool:
    """True when the member names are those of a ``torch.save`` zip."""
    return any(n == "data.pkl" or n.endswith("/data.pkl") for n in names)


def is_torchscript(names: list[str]) -> bool:
    """True when a torch zip carries TorchScript code."""
    return is_torch_zip(names) and any("/code/" in n and n.endswith(".py") for n in names)


__all__ = ["LEGACY_TORCH_MAGIC", "STORAGE_MEMBER", "is_torch_zip", "is_torchscript"]
