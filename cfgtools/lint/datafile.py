"""A darknet ``.data`` file (``--data obj.data``) and the lists it names, read as darknet reads them.

``read_data_cfg`` (AlexeyAB src/option_list.c, pjreddie src/option_list.c)
reads the file line by line with ``fgetl``, removes every blank (``strip``:
spaces, tabs, CR, LF) and passes over empty lines and lines starting with
``#`` or ``;``; a line is split at its first ``=`` (``key=`` with nothing after
it is dropped, a line without ``=`` is a key without a value). ``option_find``
returns the first line with a key, so a repeated key keeps its first value. The lists it
names (``train=``, ``names=``) are read with ``get_paths`` (src/data.c), one
entry per ``fgetl`` line: blank lines are entries too, and a last line without
a newline counts. Paths are opened as darknet opens them, relative to the
directory darknet runs in (the current one).

Everything is read with the bounded readers of ``cfgtools.sources``: only
regular files, the .data file within a small budget, the lists streamed.
"""

from __future__ import annotations

from dataclasses import dataclass

from cfgtools.darknet.cnum import atoi
from cfgtools.errors import InputError
from cfgtools.sources import open_regular, read_bytes

#: a .data file is a handful of key=value lines
DATA_FILE_BYTES = 1024 * 1024
_CHUNK = 1 << 20
#: what darknet's strip() removes from a line
_BLANKS = str.maketrans("", "", " \t\r\n")


@dataclass(frozen=True)
class DataFile:
    path: str
    #: key -> (value, line) of the first line with that key, blanks removed; None: no ``=``
    options: dict[str, tuple[str | None, int]]

    def get(self, key: str) -> str | None:
        found = self.options.get(key)
        return None if found is None else found[0]

    def line(self, key: str) -> int | None:
        found = self.options.get(key)
        return None if found is None else found[1]

    @property
    def classes(self) -> int | None:
        """``classes=`` as ``option_find_int`` reads it (C ``atoi``), None when absent."""
        value = self.get("classes")
        return None if value is None else atoi(value)


def read_data_file(path: str) -> DataFile:
    """The options of the .data file at ``path``, or :class:`InputError`."""
    data = read_bytes(path, ".data file", DATA_FILE_BYTES)
    if len(data) > DATA_FILE_BYTES:
        raise InputError(f"larger than {DATA_FILE_BYTES // 1024} KiB: too large for a .data file", path)
    if b"\0" in data:
        raise InputError("binary file (NUL byte); not a .data file", path)
    options: dict[str, tuple[str | None, int]] = {}
    text = data.decode("utf-8", errors="surrogateescape")
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.translate(_BLANKS)
        if not line or line[0] in "#;" or line.find("=") == len(line) - 1:
            continue  # "key=": darknet prints "Config file error line" and keeps nothing
        key, equals, value = line.partition("=")
        options.setdefault(key, (value if equals else None, number))
    return DataFile(path=path, options=options)


@dataclass(frozen=True)
class ListCount:
    lines: int  #: entries as darknet's get_paths counts them: every line, blank ones too
    filled: int  #: lines with a non-blank character


def count_lines(path: str, what: str) -> ListCount:
    """The entries of a list file (``train=``, ``names=``), streamed in chunks; :class:`InputError` if unreadable.

    A list can be large and may have no newline at all, so it is never read whole.
    """
    lines = filled = 0
    pending = False  # the line being read has a character
    pending_filled = False  # ... and one that is not blank
    with open_regular(path, what) as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            pieces = chunk.split(b"\n")
            for index, piece in enumerate(pieces):
                pending = pending or bool(piece)
                pending_filled = pending_filled or bool(piece.strip())
                if index < len(pieces) - 1:  # a newline ends the line
                    lines += 1
                    filled += pending_filled
                    pending = pending_filled = False
    if pending:  # a last line without a newline
        lines += 1
        filled += pending_filled
    return ListCount(lines=lines, filled=filled)
