"""Run the rules over files: read, recognise, check, suppress, collect.

The verdict is honest: a file named on the command line that is not checked
(no framework recognises it, or it cannot be read) gets one error line, counts
in the summary and makes the exit status 2, so "All checks passed!" means
that every named file was checked. Files found by walking a directory that
are not configs (``setup.cfg``, a Caffe net prototxt, a binary checkpoint such
as ``last.pt`` beside ``solver.pt`` files) are passed over silently, and so are
named ones with ``skip_unrecognised`` (the pre-commit hook, which is handed
every ``.cfg``/``.prototxt`` of a repository). The other files are always
still linted. A rule that raises does not stop the run: its failure is
reported as an internal error line (exit 2) and the other rules still run.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from cfgtools import frameworks
from cfgtools.errors import InputError, LocatedError
from cfgtools.lint.cache import ResultCache
from cfgtools.lint.context import LintContext
from cfgtools.lint.core import Diagnostic
from cfgtools.lint.gitrev import is_git_spec
from cfgtools.lint.rule import Rule
from cfgtools.lint.noqa import parse_suppressions
from cfgtools.lint.registry import FAMILY_NEEDS, RULES, all_rules, codes_for, family
from cfgtools.lint.settings import LintSettings
from cfgtools.loading import load_source
from cfgtools.sources import SourceText, decode_source, read_bytes
from cfgtools.values import printable

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@dataclass
class FileResult:
    path: str
    kind: str | None = None  #: None: not a config (skipped) or unreadable
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  #: one-line ``PATH:LINE:COL: message`` errors
    #: other files the findings depend on (:meth:`cfgtools.plugin.Framework.dependencies`)
    dependencies: tuple[str, ...] = ()
    #: what was read but not checked, said where the file is reported (a darknet log's rates without its cfg)
    partial: str | None = None

    @property
    def skipped(self) -> bool:
        """Passed over silently: not a config, and nobody asked for it by name."""
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
    def unchecked(self) -> int:
        """Files with an error line and no result: not checked at all."""
        return sum(1 for f in self.files if f.errors and f.kind is None)

    @property
    def partly_checked(self) -> int:
        """Files read, but with an error line (a rule could not run: a bad checkpoint, an internal error) or
        with a part left unchecked (:attr:`FileResult.partial`)."""
        return sum(1 for f in self.files if (f.errors or f.partial) and f.kind is not None)

    @property
    def checked(self) -> int:
        return sum(1 for f in self.files if f.kind is not None)

    @property
    def exit_code(self) -> int:
        if self.errors:
            return EXIT_ERROR
        if any(self.settings.fails(d.severity) for d in self.diagnostics):
            return EXIT_FINDINGS
        return EXIT_OK


def expand_paths(paths: Iterable[str]) -> list[tuple[str, bool]]:
    """``(path, named)`` pairs: files as given (named), and for a directory every framework's config files
    below it (sorted, not named)."""
    out: list[tuple[str, bool]] = []
    for path in paths:
        if os.path.isdir(path):
            # only a directory needs every plug-in (for its suffixes): a list of files imports none here
            suffixes = {suffix for framework in frameworks.all_frameworks() for suffix in framework.suffixes}
            found = [
                str(p) for p in Path(path).rglob("*")
                if p.suffix.lower() in suffixes and p.is_file() and ".git" not in p.parts
            ]
            out.extend((name, False) for name in sorted(found))
        else:
            out.append((path, True))
    return out


def enabled_rules(settings: LintSettings) -> list[type[Rule]]:
    return [rule for code, rule in all_rules().items() if settings.is_enabled(code)]


def lint_source(source: SourceText, settings: LintSettings, named: bool = False) -> FileResult:
    """Lint one already-read file; a file no framework recognises is an error when ``named``, else skipped."""
    path = source.path
    result = FileResult(path=path)
    framework = frameworks.recognise(source)
    if framework is None:
        if named:
            result.errors.append(InputError(frameworks.unrecognised(source), path).format())
        return result
    try:
        loaded = load_source(source, settings.dialects, framework)
    except InputError as exc:
        result.errors.append(exc.with_path(path).format())
        return result
    except Exception as exc:  # a reader bug must not end the run
        result.errors.append(printable(f"{path}:1:1: internal error reading the file: {type(exc).__name__}: {exc}"))
        return result
    result.kind = loaded.kind
    result.dependencies = framework.dependencies(loaded)
    ctx = LintContext(loaded, settings)
    suppressions = parse_suppressions(source.text, framework.comment_syntax(loaded.dialect))
    found: list[Diagnostic] = []
    for code in codes_for(framework.name):
        if not settings.is_enabled(code):
            continue
        rule_class = None
        try:
            # a family's modules are imported only for files (and runs) that can give it what it needs
            if not ctx.has(FAMILY_NEEDS.get(family(code), ())):
                continue
            rule_class = RULES[code]
            if ctx.has(rule_class.needs):
                found.extend(rule_class(ctx).check())
        except LocatedError as exc:  # e.g. an unreadable --resume-from checkpoint or --previous config
            line = exc.format()
            if line not in result.errors:
                result.errors.append(line)
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            name = f" ({rule_class.name})" if rule_class is not None else ""
            result.errors.append(printable(
                f"{path}:1:1: internal error in rule {code}{name}: "
                f"{type(exc).__name__}: {exc} [{Path(where.filename).name}:{where.lineno}]"
            ))
    # the file's noqa comments apply to its own lines, not to those of the training log (--log)
    result.diagnostics = sorted(
        (d for d in found if d.path != path or not suppressions.suppresses(d.code, d.span.line)),
        key=Diagnostic.sort_key,
    )
    return result


def read_config(path: str, named: bool = True) -> tuple[SourceText, bytes] | FileResult:
    """The file's text and bytes, or the result that says why it is not linted.

    ``named``: the user asked for this file, so not checking it is an error;
    otherwise (found by walking a directory, or the pre-commit hook) a binary
    file is passed over silently. A file that cannot be read is an error either way.
    """
    try:
        data = read_bytes(path)
    except InputError as exc:
        return FileResult(path=path, errors=[exc.with_path(path).format()])
    if not named and b"\0" in data:  # a binary file (a checkpoint) is not a config
        return FileResult(path=path)
    try:
        return decode_source(data, path), data
    except InputError as exc:
        return FileResult(path=path, errors=[exc.with_path(path).format()])


def lint_file(path: str, settings: LintSettings, cache: ResultCache | None = None, named: bool = True) -> FileResult:
    """Lint the file at ``path``; with a cache, a file linted before with the same inputs is not linted again.

    ``named``: see :func:`read_config`; a file no framework recognises is an
    error when named, else passed over silently.
    """
    read = read_config(path, named)
    if isinstance(read, FileResult):
        return read
    source, data = read
    if cache is None or not _cacheable(settings):
        return lint_source(source, settings, named)
    key = cache.key(path, data)
    hit = cache.get(key, path)
    if hit is not None:
        kind, diagnostics = hit
        if kind is None and named:  # skipped last time without a name: say so now
            return lint_source(source, settings, named)
        return FileResult(path=path, kind=kind, diagnostics=diagnostics)
    result = lint_source(source, settings, named)
    if not result.errors:  # only clean results: a read or internal error is reported again next time
        cache.put(key, result.kind, result.diagnostics, result.dependencies)
    return result


def _cacheable(settings: LintSettings) -> bool:
    """False when the result depends on a git work tree (the previous config of a resume may be a commit)."""
    return settings.resume_from is None or bool(settings.previous and not is_git_spec(settings.previous))


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


def lint_paths(paths: Sequence[str], settings: LintSettings, cache: ResultCache | None = None,
               skip_unrecognised: bool = False) -> LintRun:
    """Lint files and directories; ``skip_unrecognised`` passes over named files that are not configs too."""
    run = LintRun(settings=settings)
    for path, named in expand_paths(paths):
        run.files.append(lint_file(path, settings, cache, named=named and not skip_unrecognised))
    return run
