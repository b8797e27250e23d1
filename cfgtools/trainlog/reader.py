"""Stream the lines of a training log, plain or gzip-compressed, in constant memory.

Real logs are ``> run.log 2>&1`` captures of a terminal program: they carry
ANSI escapes (AlexeyAB clears the screen before every iteration line, hank-ai
colours its numbers and sets the window title), BEL bytes, carriage returns,
invalid UTF-8 and stderr text glued into the middle of stdout lines. The reader
therefore works on bytes: lines are split on ``\\n`` only, so line numbers are
the ones an editor shows (a file with no ``\\n`` at all is split on ``\\r``);
nothing is decoded, and :func:`clean_line` strips the terminal noise from the
few lines a parser is interested in.

Memory stays constant whatever the file: it is read in blocks of
:data:`BLOCK_SIZE` bytes, and a line that spans blocks keeps only its last
:data:`MAX_LINE` bytes (the part a glued stdout line is in), so no line is
longer than ``BLOCK_SIZE + MAX_LINE``.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from contextlib import contextmanager
from typing import BinaryIO, Iterable, Iterator

from cfgtools.errors import InputError

BLOCK_SIZE = 1 << 20
MAX_LINE = 1 << 16
#: How much of the start of a file decides whether it is text at all.
SNIFF_SIZE = 1 << 16
GZIP_MAGIC = b"\x1f\x8b"

#: ANSI/VT100 sequences: CSI (colours, cursor moves), OSC up to BEL or ST (window titles), other ESC pairs.
_ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?")
#: Every other C0 control byte (and DEL) becomes a space, so text on both sides stays apart.
_CONTROLS_TO_SPACE = bytes.maketrans(
    bytes([*range(0, 9), *range(10, 32), 127]), b" " * (9 + 22 + 1)
)


def clean_line(raw: bytes) -> bytes:
    """``raw`` without ANSI sequences, with control bytes (BEL, CR, NUL, ...) turned into spaces."""
    if b"\x1b" in raw:
        raw = _ANSI.sub(b"", raw)
    return raw.translate(_CONTROLS_TO_SPACE)


@contextmanager
def _open(path: str) -> Iterator[tuple[BinaryIO, bool]]:
    """The decompressed byte stream of ``path`` and whether it is gzip, or :class:`InputError`."""
    try:
        handle = open(path, "rb")
    except IsADirectoryError:
        raise InputError("is a directory, not a training log", path) from None
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    with handle:
        try:
            compressed = handle.read(2) == GZIP_MAGIC
            handle.seek(0)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
        if not compressed:
            yield handle, False
            return
        with gzip.GzipFile(fileobj=handle, mode="rb") as unzipped:
            yield unzipped, True  # type: ignore[misc]


def _looks_binary(sample: bytes) -> bool:
    """More than a tenth of the sample is neither text nor terminal control bytes."""
    text = sample.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    bad += sum(text.count(chr(code)) for code in (*range(0, 7), *range(14, 27), *range(28, 32)))
    return bad * 10 > len(text)


class LogLines:
    """The lines of one log file (bytes, without the ``\\n``), re-readable: each iteration reopens the file.

    Opening checks the start of the file: a missing, empty, unreadable or
    binary file raises :class:`InputError`; so does a gzip stream that breaks
    while the lines are read (with the line where the readable part ends).
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = str(path)
        with _open(self.path) as (stream, self.compressed):
            try:
                head = stream.read(SNIFF_SIZE)
            except (OSError, EOFError, zlib.error) as exc:
                raise InputError(f"not a readable gzip file: {_reason(exc)}", self.path) from None
        if not head:
            raise InputError("empty file: no training log lines", self.path)
        #: lines end with a bare carriage return (no newline at all in the first block): split on it instead
        self.carriage_returns = b"\n" not in head and b"\r" in head
        if _looks_binary(head):
            what = "compressed data" if self.compressed else "data"
            raise InputError(f"binary {what}, not a text training log", self.path)

    def __iter__(self) -> Iterator[bytes]:
        return lines_of(self.chunks())

    def head(self, size: int) -> list[bytes]:
        """The complete lines within the first ``size`` bytes (all of them when the file is shorter)."""
        with _open(self.path) as (stream, _):
            try:
                data = stream.read(size + 1)
            except (OSError, EOFError, zlib.error) as exc:
                raise InputError(f"gzip stream broken: {_reason(exc)}", self.path) from None
        if self.carriage_returns:
            data = data.replace(b"\r", b"\n")
        lines = data.split(b"\n")
        if len(data) > size:
            lines.pop()  # cut at the size limit: not a whole line
        return lines

    def chunks(self) -> Iterator[Chunk]:
        """The file as chunks of whole lines: (number of the chunk's first line, bytes ending with ``\\n``).

        The last chunk may lack the final ``\\n``. Parsers can search a chunk for
        the few lines they want at C speed instead of looking at every line.
        """
        carry = b""
        first_line = 1
        with _open(self.path) as (stream, _):
            while True:
                try:
                    block = stream.read(BLOCK_SIZE)
                except (OSError, EOFError, zlib.error) as exc:
                    raise InputError(
                        f"gzip stream broken after line {first_line - 1}: {_reason(exc)}",
                        self.path, first_line, 1,
                    ) from None
                if not block:
                    break
                if self.carriage_returns:
                    block = block.replace(b"\r", b"\n")
                data = carry + block
                cut = data.rfind(b"\n") + 1
                if cut == 0:  # no line ends in this block: keep the end of the line only
                    carry = data[-MAX_LINE:]
                    continue
                carry = data[cut:]
                if len(carry) > MAX_LINE:
                    carry = carry[-MAX_LINE:]
                chunk = data[:cut]
                yield first_line, chunk
                first_line += chunk.count(b"\n")
        if carry:
            yield first_line, carry


Chunk = tuple[int, bytes]


def chunks_of(data: bytes) -> Iterator[Chunk]:
    """In-memory text as one chunk (what :meth:`LogLines.chunks` gives for a file)."""
    if data:
        yield 1, data


def lines_of(chunks: Iterable[Chunk]) -> Iterator[bytes]:
    """The lines of ``chunks`` (without their ``\\n``), numbered from 1 by ``enumerate(..., 1)``."""
    for _, data in chunks:
        lines = data.split(b"\n")
        if data.endswith(b"\n"):
            lines.pop()
        yield from lines


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[0].lower() + text[1:] if text else text
