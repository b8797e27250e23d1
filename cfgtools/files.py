"""Writing output files: atomically, and never over an existing file without ``--force``."""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from typing import BinaryIO, Iterator


class WriteRefused(Exception):
    """The output could not be written; the message is one line for stderr."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str, data: str | bytes, force: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a rename.

    A reader never sees a half-written file, and an existing file is replaced
    only with ``force`` (raises :class:`WriteRefused` otherwise). Text is
    written as UTF-8, with the undecodable bytes of an input (kept as
    surrogates) written back as they were. The new file gets the mode a plain
    ``open()`` would give it (0666 less the umask), or, when it replaces a
    file, that file's mode. Its bytes reach the disk before the rename, and the
    temporary file never outlives a failure or an interrupt.
    """
    payload = data.encode("utf-8", errors="surrogateescape") if isinstance(data, str) else data
    with atomic_output(path, force) as handle:
        handle.write(payload)


@contextmanager
def atomic_output(path: str, force: bool = False) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` with, in pieces (e.g. rows streamed from a large input).

    The same promises as :func:`atomic_write`: the file appears at ``path``
    complete when the block ends, and not at all when it raises.
    """
    if os.path.lexists(path) and not force:
        raise WriteRefused(f"{path}: already exists (use --force to overwrite)")
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".cfgtools-", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise WriteRefused(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        if not force and os.path.lexists(path):  # created while we were writing
            raise WriteRefused(f"{path}: already exists (use --force to overwrite)")
        os.replace(tmp, path)
    except BaseException as exc:  # an interrupt too: never leave the temporary file behind
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise WriteRefused(f"{path}: cannot write: {exc.strerror or exc}") from None
        raise
