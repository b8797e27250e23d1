"""Checkpoint files written without torch, in the layout ``torch.save`` uses (for lint cases and CLI tests).

``torch.save`` writes a zip whose ``<name>/data.pkl`` is the pickled object
(protocol 2) beside ``<name>/version``, ``<name>/byteorder`` and one member per
tensor storage. A YOLO checkpoint's fields that matter to a resume are plain
values (``epoch``, ``optimizer['param_groups']``, ``opt``/``train_args``), so a
dict of plain values pickled the same way is read exactly as a real one.
``tests/ultralytics/test_checkpoint.py`` checks the reader against files torch
itself wrote.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import Any


def write_checkpoint(path: Path, payload: dict[str, Any]) -> Path:
    """Write ``payload`` as a torch-style ``.pt`` zip at ``path``."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps(payload, protocol=2))
        archive.writestr("archive/byteorder", b"little")
        archive.writestr("archive/version", b"3\n")
    return path
