"""Locate the data files that live at the top of the repository.

In a wheel they are copied into ``cfgtools/_data``; in a source checkout
(editable install, or running from the tree) they are read where they are.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_CANDIDATES = {
    "darknet.lark": ("_data/darknet.lark", "../grammar/darknet.lark"),
    "caffe.proto": ("_data/caffe.proto", "../schemas/caffe.proto"),
}


def data_path(name: str) -> Path:
    """Return the path of a bundled data file (``darknet.lark``, ``caffe.proto``)."""
    for relative in _CANDIDATES[name]:
        candidate = (_PACKAGE_DIR / relative).resolve()
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"cfgtools data file {name!r} is missing from the installation")
