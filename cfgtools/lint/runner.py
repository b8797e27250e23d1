"""Run the rules over files: read, recognise, check, suppress, collect.

Files that are not darknet cfgs or Caffe solvers (``setup.cfg``, a Caffe net
prototxt) are skipped silently, so a pre-commit hook can be handed every
``.cfg``/``.prototxt`` of a repository. An unreadable or binary file gives one
error line and exit status 2, and the other files are still linted. A rule
that raises does not stop the run: its failure is reported as an internal
error line (exit 2) and the other rules still run.
"""

from __future__ import annotations

import os
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from cfgtools.errors import InputError
from cfgtools.lint.core import Diagnostic, LintContext, Rule, all_rules
from cfgtools.lint.noqa import parse_suppressions
from cfgtools.lint.settings import LintSettings
from cfgtools.sources import SourceText, decode_source, detect_kind, read_source

#: Suffixes a directory argument is searched for.
LINTABLE_SUFFIXES = (".cfg", ".prototxt", ".pt")

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@dataclass
class FileResult:
    path: str
    kind: str | None = None  #: None: not a config (skipped) or unreadable
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  #: one-line ``PATH:LINE:COL: message`` errors

    @property
    def skipped(self) -> bool:
        return self.kind is None and not self.errors


@dataclass
class LintRun:
    settings: LintSettings
    files: list[FileResult] = field(default_factory=list)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return sorted((d for f in self.files for d in f.diagnostics), key=Diagnostic.sort_key)

    @property
    def errors(self) -> list[str]:
        return [e for f in self.files for e in f.errors]

    @property
    def exit_code(self) -> int:
        if self.errors:
            return EXIT_ERROR
        if any(self.settings.fails(d.severity) for d in self.diagnostics):
            return EXIT_FINDINGS
        return EXIT_OK


def expand_paths(paths: Iterable[str]) -> list[str]:
    """Files as given; a directory stands for the .cfg/.prototxt files below it (sorted)."""
    out: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            found = [
                str(p) for p in Path(path).rglob("*")
                if p.suffix.lower() in LINTABLE_SUFFIXES and p.is_file() and ".git" not in p.parts
            ]
            out.extend(sorted(found))
        else:
            out.append(path)
    return out


def rules_for(kind: str, settings: LintSettings) -> list[type[Rule]]:
    framework = "darknet" if kind == "darknet" else "caffe"
    return [
        rule for code, rule in all_rules().items()
        if rule.framework in (framework, "any") and settings.is_enabled(code)
    ]


def lint_source(source: SourceText, settings: LintSettings, kind: str | None = None) -> FileResult:
    """Lint one already-read file (``kind`` is detected when not given)."""
    path = source.path
    result = FileResult(path=path)
    kind = kind or detect_kind(source) or _fallback_kind(source)
    if kind is None:
        return result
    try:
        ctx = _context(source, kind, settings)
    except InputError as exc:
        result.errors.append(exc.with_path(path).format())
        return result
    except Exception as exc:  # a reader bug must not end the run
        result.errors.append(f"{path}:1:1: internal error reading the file: {type(exc).__name__}: {exc}")
        return result
    result.kind = kind
    suppressions = parse_suppressions(source.text, kind)
    found: list[Diagnostic] = []
    for rule_class in rules_for(kind, settings):
        try:
            found.extend(rule_class(ctx).check())
        except InputError as exc:  # e.g. an unreadable --resume-from checkpoint or --previous config
            line = exc.format()
            if line not in result.errors:
                result.errors.append(line)
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            result.errors.append(
                f"{path}:1:1: internal error in rule {rule_class.code} ({rule_class.name}): "
                f"{type(exc).__name__}: {exc} [{Path(where.filename).name}:{where.lineno}]"
            )
    result.diagnostics = sorted(
        (d for d in found if not suppressions.suppresses(d.code, d.span.line)), key=Diagnostic.sort_key
    )
    return result


_NET_HEADER = re.compile(r"^[ \t]*\[[ \t]*(net|network)[ \t]*\][ \t\r]*$", re.MULTILINE)


def _fallback_kind(source: SourceText) -> str | None:
    """A .cfg whose first content line is an option but which has a [net] header later.

    detect_kind wants [net] first; darknet crashes on such a file (DN011), which
    is exactly what the linter should say rather than skip it.
    """
    if source.path.lower().endswith(".cfg") and _NET_HEADER.search(source.text):
        return "darknet"
    return None


def _context(source: SourceText, kind: str, settings: LintSettings) -> LintContext:
    if kind == "darknet":
        from cfgtools.darknet.document import read_cfg

        document = read_cfg(source, source.path, settings.dialect)
        return LintContext(path=source.path, kind="darknet", settings=settings, document=document)
    from cfgtools.caffe.solver import read_solver

    solver = read_solver(source)
    return LintContext(path=source.path, kind="caffe-solver", settings=settings, solver=solver)


def lint_file(path: str, settings: LintSettings) -> FileResult:
    try:
        source = read_source(path)
    except InputError as exc:
        return FileResult(path=path, errors=[exc.with_path(path).format()])
    return lint_source(source, settings)


def lint_text(text: str | bytes, settings: LintSettings | None = None, path: str = "<string>") -> FileResult:
    """Lint text (or raw bytes, decoded as files are) as if read from ``path``; for tests and tools."""
    settings = settings or LintSettings()
    if isinstance(text, bytes):
        try:
            source = decode_source(text, path)
        except InputError as exc:
            return FileResult(path=path, errors=[exc.with_path(path).format()])
    else:
        source = SourceText(path=path, text=text, has_bom=text.startswith("\ufeff"))
    return lint_source(source, settings)


def lint_paths(paths: Sequence[str], settings: LintSettings) -> LintRun:
    run = LintRun(settings=settings)
    for path in expand_paths(paths):
        run.files.append(lint_file(path, settings))
    return run
