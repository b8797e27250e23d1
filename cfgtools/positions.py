"""Positions in a source file, as every layer of cfgtools reports them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a file: 1-based line and column, end column exclusive.

    Columns count characters (not bytes) of the decoded line, like ruff and
    SARIF's default ``columnKind``; ``end_column`` is the column just after
    the last character, as SARIF's ``endColumn`` is. (A plain dataclass, not a
    pydantic model: a large cfg has tens of thousands of them.)
    """

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int = 1) -> "Span":
        return cls(line=line, column=column, end_line=line, end_column=column)

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"
