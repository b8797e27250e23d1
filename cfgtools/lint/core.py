"""What the linter reports: severities, fixes and diagnostics (the rule base class is ``cfgtools.lint.rule``)."""

from __future__ import annotations

import enum
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
        return (self.path, self.span.line, self.span.column, self.code, self.message)


#: the docstring headings every rule uses, in this order (ruff's); *Options* only when it reads settings
DOC_HEADINGS = ("What it does", "Why is this bad?", "Example", "Use instead", "Options")
