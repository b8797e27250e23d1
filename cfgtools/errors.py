"""The one kind of error a user sees for bad input: ``PATH:LINE:COL: message``."""

from __future__ import annotations


class InputError(Exception):
    """A file cfgtools cannot read (unreadable, binary, malformed, not a config).

    The CLI prints it as one line ``PATH:LINE:COL: message`` and exits 2;
    it never becomes a traceback.
    """

    def __init__(self, message: str, path: str | None = None, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def with_path(self, path: str) -> "InputError":
        if self.path is None:
            self.path = path
        return self

    def format(self) -> str:
        return f"{self.path or '<input>'}:{self.line}:{self.column}: {self.message}"

    def __str__(self) -> str:
        return self.format()
