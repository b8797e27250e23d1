"""Errors a user sees as one line ``PATH:LINE:COL: message`` (and exit code 2), never a traceback."""

from __future__ import annotations

from cfgtools.values import printable


class LocatedError(Exception):
    """An error that points at a place in a file."""

    def __init__(self, message: str, path: str | None = None, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def with_path(self, path: str) -> "LocatedError":
        if self.path is None:
            self.path = path
        return self

    def format(self) -> str:
        """The one line, with anything in the path or message that could break it shown as escapes."""
        return f"{printable(self.path or '<input>')}:{self.line}:{self.column}: {printable(self.message)}"

    def __str__(self) -> str:
        return self.format()


class InputError(LocatedError):
    """A file cfgtools cannot read (unreadable, binary, malformed, not a config)."""
