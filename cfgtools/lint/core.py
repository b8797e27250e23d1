"""The linter's building blocks: diagnostics, rules and the registry of codes.

A rule is a class in its own module under ``cfgtools.lint.rules``, registered
with :func:`register`. It declares a stable ``code`` (``DN003``), a
kebab-case ``name`` (``inline-comment``), a default ``severity``, the
``framework`` it applies to, and a docstring with a bad and a good example
(shown by ``cfgtools explain CODE``). Its :meth:`Rule.check` receives a
:class:`LintContext` and yields :class:`Diagnostic` objects.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Iterator, Literal

from cfgtools.positions import Span

if TYPE_CHECKING:
    from cfgtools.caffe.solver import CaffeSolver
    from cfgtools.darknet.document import CfgDocument
    from cfgtools.darknet.net import NetConfig
    from cfgtools.lint.settings import LintSettings
    from cfgtools.schedule.model import Schedule


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


Framework = Literal["darknet", "caffe", "any"]


@dataclass
class LintContext:
    """What a rule can look at for one file. Expensive parts are computed once, on demand."""

    path: str
    kind: Literal["darknet", "caffe-solver"]
    settings: "LintSettings"
    document: "CfgDocument | None" = None  # darknet, in the selected dialect
    solver: "CaffeSolver | None" = None  # Caffe
    _cache: dict[str, Any] = field(default_factory=dict)

    def cached(self, key: str, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    # Shared, lazily built views; rules use these instead of re-deriving them.
    @property
    def net(self) -> "NetConfig | None":
        from cfgtools.darknet.net import read_net

        if self.document is None or self.document.net is None:
            return None
        return self.cached("net", lambda: read_net(self.document))

    def other_dialect_document(self) -> "CfgDocument | None":
        """The same file read by the other darknet fork (for DN012)."""
        from cfgtools.darknet.document import read_cfg
        from cfgtools.sources import SourceText

        if self.document is None:
            return None
        other = "pjreddie" if self.document.dialect == "alexeyab" else "alexeyab"
        source = SourceText(path=self.path, text=self.document.text, has_bom=self.document.has_bom)
        return self.cached("other-dialect", lambda: read_cfg(source, self.path, other))

    @property
    def schedule(self) -> "Schedule | None":
        """The file's schedule (None when it cannot be built, e.g. a Caffe policy Caffe rejects)."""
        from cfgtools.schedule.build import schedule_for_context

        return self.cached("schedule", lambda: schedule_for_context(self))


class Rule:
    """Base class of every lint rule. Subclasses set the class attributes and ``check``."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    framework: ClassVar[Framework]
    #: one line for ``cfgtools rules``
    summary: ClassVar[str]

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
        return Diagnostic(
            path=self.ctx.path,
            span=span,
            code=self.code,
            severity=severity or self.ctx.settings.severity_for(self.code, self.severity),
            message=message,
            fix=fix,
        )

    @classmethod
    def doc(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")


#: code -> rule class; filled by @register as cfgtools.lint.rules modules are imported
REGISTRY: dict[str, type[Rule]] = {}


def register(rule: type[Rule]) -> type[Rule]:
    code = rule.code
    if code in REGISTRY and REGISTRY[code] is not rule:
        raise RuntimeError(f"lint code {code} is registered twice")
    for attribute in ("name", "severity", "framework", "summary"):
        if not hasattr(rule, attribute):
            raise RuntimeError(f"rule {code} has no {attribute}")
    if not rule.__doc__ or "Bad" not in rule.__doc__ or "Good" not in rule.__doc__:
        raise RuntimeError(f"rule {code} needs a docstring with a Bad and a Good example")
    REGISTRY[code] = rule
    return rule


def all_rules() -> dict[str, type[Rule]]:
    """Every registered rule, by code (imports the rule modules on first use)."""
    import cfgtools.lint.rules  # noqa: F401  (registers the rules)

    return dict(sorted(REGISTRY.items()))
