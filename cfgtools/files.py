"""Writing output files: atomically, and never over an existing file without ``--force``."""

from __future__ import annotations

import os
import tempfile


class WriteRefused(Exception):
    """The output could not be written; the message is one line for stderr."""


def atomic_write(path: str, data: str | bytes, force: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a rename.

    A reader never sees a half-written file, and an existing file is replaced
    only with ``force`` (raises :class:`WriteRefused` otherwise).
    """
    if os.path.lexists(path) and not force:
        raise WriteRefused(f"{path}: already exists (use --force to overwrite)")
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".cfgtools-", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise WriteRefused(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        if isinstance(data, str):
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(data)
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        if not force and os.path.lexists(path):  # created while we were writing
            raise WriteRefused(f"{path}: already exists (use --force to overwrite)")
        os.replace(tmp, path)
    except (OSError, WriteRefused) as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, WriteRefused):
            raise
        raise WriteRefused(f"{path}: cannot write: {exc.strerror or exc}") from None
