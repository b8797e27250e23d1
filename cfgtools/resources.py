"""Locate the data files that live at the top of the repository.

In a wheel they are copied into ``cfgtools/_data``; in a source checkout
(editable install, or running from the tree) they are read where they are.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_CANDIDATES = {
    "darknet.lark": ("_data/darknet.lark", "../grammar/darknet.lark"),
    "caffe.proto": ("_data/caffe.proto", "../schemas/caffe.proto"),
    "caffe_ssd.proto": ("_data/caffe_ssd.proto", "../schemas/caffe_ssd.proto"),
}


def data_path(name: str) -> Path:
    """Return the path of a bundled data file (``darknet.lark``, ``caffe.proto``, ``caffe_ssd.proto``)."""
    for relative in _CANDIDATES[name]:
        candidate = (_PACKAGE_DIR / relative).resolve()
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"cfgtools data file {name!r} is missing from the installation")


def user_cache_dir() -> Path | None:
    """cfgtools' folder in the user's cache (``$XDG_CACHE_HOME/cfgtools``, else ``~/.cache/cfgtools``), made if needed.

    None when it cannot be made, or when it is not a folder this user alone can
    write (not theirs, a symlink, writable by group or others): what is read back
    from it is trusted as this user's own. None on systems without user ids.
    """
    if not hasattr(os, "getuid"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "cfgtools"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder if owned_by_user_alone(folder, stat.S_ISDIR) else None
    except OSError:
        return None


def owned_by_user_alone(path: Path, kind=stat.S_ISREG) -> bool:
    """Whether ``path`` is a ``kind`` (not a symlink) of this user that nobody else can write."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return kind(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
