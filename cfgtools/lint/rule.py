"""The base class of every lint rule.

A rule is a class in its own module under ``cfgtools.lint.rules``, listed in
``cfgtools.lint.registry.RULES``. It declares a stable ``code`` (``DN003``), a
kebab-case ``name`` (``inline-comment``), a default ``severity``, what it
``needs`` to look at (views such as ``document``, ``net``, ``solver``,
``network``, ``schedule``, ``resume``: the engine calls the rule only when
every one is present, so a rule never guards against the wrong input), and a
docstring under ruff's headings (shown by ``cfgtools explain CODE``). Its
:meth:`Rule.check` yields :class:`~cfgtools.lint.core.Diagnostic` objects.
"""

from __future__ import annotations

import inspect
from dataclasses import replace
from typing import ClassVar, Iterator

from cfgtools.lint.context import LintContext
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.positions import Span


class Rule:
    """Base class of every lint rule. Subclasses set the class attributes and ``check``."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    #: views the rule reads (see LintContext.view); it runs only on files that have all of them
    needs: ClassVar[tuple[str, ...]]
    #: one line for ``cfgtools rules``
    summary: ClassVar[str]
    #: whether ``--fix`` applies the rule's fixes (SAFE) or only ``--unsafe-fixes`` (UNSAFE); None: it writes
    #: hints only. A diagnostic's own ``Fix.applicability`` overrides it.
    fix_safety: ClassVar[Applicability | None] = None

    def __init__(self, ctx: LintContext):
        self.ctx = ctx

    def check(self) -> Iterator[Diagnostic]:
        raise NotImplementedError

    def diagnostic(
        self,
        span: Span,
        message: str,
        fix: Fix | None = None,
        severity: Severity | None = None,
    ) -> Diagnostic:
        """A finding of this rule; ``severity`` lowers or raises it from the default (user overrides still win)."""
        level = self.ctx.settings.severity_for(self.code, severity or self.severity)
        if fix is not None and fix.applicability is None and self.fix_safety is not None and fix.text_edits:
            fix = replace(fix, applicability=self.fix_safety)
        return Diagnostic(path=self.ctx.path, span=span, code=self.code, severity=level, message=message, fix=fix)

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")
