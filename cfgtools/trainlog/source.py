"""Open a training log: check that it is text, tell which program wrote it, stream its records."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator, Sequence

from cfgtools.errors import InputError
from cfgtools.trainlog.model import LogFormat, Record
from cfgtools.trainlog.reader import LogLines

#: How much of the start of a log is searched for a line that tells the program.
DETECT_SIZE = 8 << 20


@dataclass(frozen=True)
class TrainingLog:
    """A readable log file and its format. :meth:`records` rereads the file at each call."""

    path: str
    format: LogFormat
    lines: LogLines

    @property
    def framework(self) -> str:
        return self.format.name

    def records(self) -> Iterator[Record]:
        return self.format.parse(self.lines.chunks())


def detect_format(lines: Sequence[bytes], formats: Sequence[LogFormat]) -> LogFormat | None:
    """The format of the first line that only one of ``formats`` prints, or None."""
    for line in lines:
        for log_format in formats:
            if log_format.sniff(line):
                return log_format
    return None


def open_log(
    path: str | os.PathLike[str], formats: Sequence[LogFormat], framework: str | None = None
) -> TrainingLog:
    """Open ``path`` (plain or gzip) as a log of one of ``formats``.

    ``framework`` names the format to use; without it the format is detected
    from the first :data:`DETECT_SIZE` bytes. Raises :class:`InputError` (one
    line) for a file that is missing, empty, binary, a broken gzip stream, or
    not a log of any of ``formats``.
    """
    lines = LogLines(path)
    names = [log_format.name for log_format in formats]
    if framework is not None:
        for log_format in formats:
            if log_format.name == framework:
                return TrainingLog(lines.path, log_format, lines)
        raise InputError(f"unknown log format {framework!r} (known: {', '.join(names)})", lines.path)
    found = detect_format(lines.head(DETECT_SIZE), formats)
    if found is None:
        raise InputError(
            f"not a training log of {' or '.join(names)}: none of its first lines is one they print",
            lines.path,
        )
    return TrainingLog(lines.path, found, lines)
