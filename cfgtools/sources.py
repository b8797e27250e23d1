"""Read a file from disk as text.

Everything that touches raw bytes lives here: size and binary checks, and
the UTF-8 decoding (undecodable bytes survive as surrogates so a rewrite
gives the same bytes back). Which framework a text belongs to is decided by
``cfgtools.frameworks``.
"""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from cfgtools.errors import InputError

#: Larger config files are refused: real configs are a few hundred KiB at most (the
#: largest upstream darknet cfg is about 60 KiB), and reading costs time with the size.
MAX_BYTES = 4 * 1024 * 1024
UTF8_BOM = "\ufeff"


@dataclass(frozen=True)
class SourceText:
    path: str
    text: str  # decoded with surrogateescape; a BOM stays as U+FEFF
    has_bom: bool


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


@contextmanager
def open_regular(path: str | os.PathLike[str], what: str = "config file") -> Iterator[BinaryIO]:
    """``path`` opened for binary reading, or :class:`InputError` when it is not a regular file.

    The file is opened without blocking and checked before any byte is read,
    so a FIFO, a device such as ``/dev/zero`` or a socket is refused at once
    instead of hanging or being read forever.
    """
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError("no such file", name) from None
    except IsADirectoryError:
        raise InputError(f"is a directory, not a {what}", name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", name) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((label for test, label in _KINDS if test(mode)), "not a regular file")
            raise InputError(f"is {kind}, not a {what}", name)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        try:
            yield handle
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", name) from None


def read_bytes(path: str | os.PathLike[str], what: str = "config file", limit: int = MAX_BYTES) -> bytes:
    """The first ``limit`` bytes of ``path`` (one more, to tell a larger file), or :class:`InputError`."""
    with open_regular(path, what) as handle:
        return handle.read(limit + 1)


def read_source(path: str | os.PathLike[str]) -> SourceText:
    """Read ``path`` as text, or raise :class:`InputError` (one clean line)."""
    return decode_source(read_bytes(path), str(path))


def decode_source(data: bytes, path: str) -> SourceText:
    if len(data) > MAX_BYTES:
        raise InputError(f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB: too large for a config file", path)
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        column = nul - (data.rfind(b"\n", 0, nul) + 1) + 1
        raise InputError("binary file (NUL byte); not a text config", path, line, column)
    text = data.decode("utf-8", errors="surrogateescape")
    return SourceText(path=path, text=text, has_bom=text.startswith(UTF8_BOM))
