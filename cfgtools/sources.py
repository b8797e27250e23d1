"""Read a file from disk as text.

Everything that touches raw bytes lives here: size and binary checks, and
the UTF-8 decoding (undecodable bytes survive as surrogates so a rewrite
gives the same bytes back). Which framework a text belongs to is decided by
``cfgtools.frameworks``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cfgtools.errors import InputError

#: Larger inputs are refused: real configs are a few hundred KiB at most.
MAX_BYTES = 64 * 1024 * 1024
UTF8_BOM = "\ufeff"


@dataclass(frozen=True)
class SourceText:
    path: str
    text: str  # decoded with surrogateescape; a BOM stays as U+FEFF
    has_bom: bool


def read_bytes(path: str | os.PathLike[str], what: str = "config file", limit: int = MAX_BYTES) -> bytes:
    """The first ``limit`` bytes of ``path`` (one more, to tell a larger file), or :class:`InputError`."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            return handle.read(limit + 1)
    except IsADirectoryError:
        raise InputError(f"is a directory, not a {what}", name) from None
    except FileNotFoundError:
        raise InputError("no such file", name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", name) from None


def read_source(path: str | os.PathLike[str]) -> SourceText:
    """Read ``path`` as text, or raise :class:`InputError` (one clean line)."""
    return decode_source(read_bytes(path), str(path))


def decode_source(data: bytes, path: str) -> SourceText:
    if len(data) > MAX_BYTES:
        raise InputError(f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB; not a config file", path)
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        column = nul - (data.rfind(b"\n", 0, nul) + 1) + 1
        raise InputError("binary file (NUL byte); not a text config", path, line, column)
    text = data.decode("utf-8", errors="surrogateescape")
    return SourceText(path=path, text=text, has_bom=text.startswith(UTF8_BOM))
