"""What the linter reports: severities, fixes and diagnostics (the rule base class is ``cfgtools.lint.rule``)."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from cfgtools.positions import Span


class Severity(str, enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True)
class Fix:
    """A concrete edit that resolves a diagnostic: write ``replacement`` over ``span``."""

    description: str
    replacement: str | None = None
    span: Span | None = None


@dataclass(frozen=True)
class Diagnostic:
    path: str
    span: Span
    code: str
    severity: Severity
    message: str
    fix: Fix | None = None

    def sort_key(self) -> tuple:
        """By file and position, then code; findings at one place by their message with numbers compared
        as numbers ("update 41" before "update 121")."""
        return (self.path, self.span.line, self.span.column, self.code, _natural(self.message))


def _natural(text: str) -> tuple:
    """``text`` split into text and numbers, a number as (digits, digits): shorter is smaller, then by digit.

    Text and numbers alternate, so the tuples of two messages always compare;
    no int() is made, so a number of any length is fine.
    """
    parts = _DIGITS.split(text)
    return tuple((len(part.lstrip("0")), part.lstrip("0")) if index % 2 else part for index, part in enumerate(parts))


_DIGITS = re.compile(r"([0-9]+)")


#: the docstring headings every rule uses, in this order (ruff's); *Options* only when it reads settings
DOC_HEADINGS = ("What it does", "Why is this bad?", "Example", "Use instead", "Options")
