"""What the linter reports: severities, fixes and diagnostics (the rule base class is ``cfgtools.lint.rule``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cfgtools.edits import TextEdit
from cfgtools.positions import Span


class Severity(str, enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


class Applicability(str, enum.Enum):
    """When ``cfgtools lint --fix`` applies a fix (ruff's fix safety)."""

    #: the file then means what its author evidently meant, and nothing else changes: ``--fix``
    SAFE = "safe"
    #: it may change what the file does beyond that (a guess, a new schedule): ``--unsafe-fixes`` only
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Fix:
    """How to resolve a diagnostic: ``description`` (the help line) and the text edits that do it.

    ``replacement`` over ``span`` is a one-edit fix; ``edits`` gives several (e.g. a comment moved to a
    line of its own and the value written without it). A fix without edits is a hint only. Its
    ``applicability`` is the rule's declared ``fix_safety`` unless the rule says otherwise for this one.
    """

    description: str
    replacement: str | None = None
    span: Span | None = None
    edits: tuple[TextEdit, ...] | None = None
    applicability: Applicability | None = None

    @property
    def text_edits(self) -> tuple[TextEdit, ...]:
        """The edits that apply the fix, in order (none for a hint)."""
        if self.edits is not None:
            return tuple(sorted(self.edits, key=TextEdit.sort_key))
        if self.replacement is not None and self.span is not None:
            return (TextEdit(self.span, self.replacement),)
        return ()

    def applies(self, unsafe: bool) -> bool:
        """Whether ``--fix`` (or ``--fix --unsafe-fixes`` when ``unsafe``) applies this fix."""
        if not self.text_edits or self.applicability is None:
            return False
        return self.applicability == Applicability.SAFE or unsafe


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


#: the docstring headings every rule uses, in this order (ruff's); *Fix safety* only when it has fixes that
#: ``--fix`` can apply, *Options* only when it reads settings
DOC_HEADINGS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "Options")
#: the headings every rule's docstring has
REQUIRED_HEADINGS = DOC_HEADINGS[:4]
