"""Output formats of ``cfgtools lint``: text, json, sarif, github.

- text: ``PATH:LINE:COL: CODE [severity] message`` sorted by file and position, a fix
  hint indented under it, then a summary line as ruff prints it;
- json: a list of ``{path, line, column, end_line, end_column, code, severity, message, fix}`` (``fix``:
  description, replacement, span, applicability and the text edits ``--fix`` makes);
- sarif: SARIF 2.1.0 as GitHub code scanning reads it;
- github: workflow commands (``::error file=...::message``) that annotate a pull request.

Read errors (unreadable files, internal errors) go to stderr in every format.

Output is data, never code: what comes from an input (a path, a value quoted in
a message) is escaped for the format it lands in, so a file can neither break a
finding into two lines (and forge a second one) nor drive the terminal. Text:
control characters and line separators as escapes (``cfgtools.values``); json
and sarif: strict JSON in ASCII (no NaN, no lone surrogate, every other character
as a ``\\u`` escape); github: the same one-line text, then the workflow-command
escapes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from cfgtools import __version__, frameworks
from cfgtools.lint import ruledoc
from cfgtools.lint.core import Diagnostic, Severity
from cfgtools.lint.registry import all_rules, applies_to
from cfgtools.lint.runner import LintRun
from cfgtools.values import json_safe, one_line, printable, quoted

FORMATS = ("text", "json", "sarif", "github")

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/cfgtools/cfgtools"

_COLORS = {
    "error": "\033[1;31m",
    "warning": "\033[1;33m",
    "info": "\033[1;36m",
    "path": "\033[1m",
    "dim": "\033[2m",
    "reset": "\033[0m",
}


def use_color(stream) -> bool:
    """Colour only on a terminal, never when NO_COLOR is set (any value, per no-color.org)."""
    if "NO_COLOR" in os.environ:
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):
        return False


def render(run: LintRun, fmt: str, *, color: bool = False, show_fixes: bool = False) -> str:
    if fmt == "text":
        return render_text(run, color=color, show_fixes=show_fixes)
    if fmt == "json":
        return render_json(run)
    if fmt == "sarif":
        return render_sarif(run)
    if fmt == "github":
        return render_github(run)
    raise ValueError(f"unknown format {fmt!r}")


# ----------------------------------------------------------------------------- text


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def summary_line(diagnostics: list[Diagnostic], unchecked: int = 0, checked: int = 1, partly: int = 0) -> str:
    """ruff's last line; "All checks passed!" only when files were checked, every file named was (wholly),
    and nothing was found."""
    missing = []
    if unchecked:
        missing.append(f"{_plural(unchecked, 'file')} {'was' if unchecked == 1 else 'were'} not checked")
    if partly:
        missing.append(f"{_plural(partly, 'file')} {'was' if partly == 1 else 'were'} only partly checked")
    not_checked = f"{' and '.join(missing)} (see above)"
    if not diagnostics:
        if missing:
            return f"No problems found, but {not_checked}."
        if checked:
            return "All checks passed!"
        return f"No {' or '.join(framework.noun for framework in frameworks.all_frameworks())} to check."
    counts = {s: sum(1 for d in diagnostics if d.severity is s) for s in Severity}
    found = (
        f"Found {_plural(len(diagnostics), 'problem')} ("
        f"{_plural(counts[Severity.ERROR], 'error')}, {_plural(counts[Severity.WARNING], 'warning')}, "
        f"{counts[Severity.INFO]} info)"
    )
    return f"{found}; {not_checked}." if missing else f"{found}."


def _span_text(d: Diagnostic) -> str:
    s = d.span
    return f"{s.line}:{s.column}-{s.end_line}:{s.end_column}"


def render_text(run: LintRun, *, color: bool = False, show_fixes: bool = False) -> str:
    def paint(kind: str, text: str) -> str:
        return f"{_COLORS[kind]}{text}{_COLORS['reset']}" if color else text

    lines: list[str] = []
    diagnostics = run.diagnostics
    for d in diagnostics:
        location = paint("path", f"{printable(d.path)}:{d.span.line}:{d.span.column}:")
        severity = paint(d.severity.value, f"[{d.severity.value}]")
        lines.append(f"{location} {paint(d.severity.value, d.code)} {severity} {one_line(d.message)}")
        if d.fix is not None:
            lines.append(f"    {paint('dim', 'help:')} {one_line(d.fix.description)}")
            if show_fixes and d.fix.replacement is not None:
                span = d.fix.span or d.span
                lines.append(
                    f"    {paint('dim', 'fix:')} replace {span.line}:{span.column}-{span.end_line}:{span.end_column}"
                    f" with {quoted(d.fix.replacement)}"
                )
    lines.append(summary_line(diagnostics, run.unchecked, run.checked, run.partly_checked))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- json


def _fix_dict(d: Diagnostic) -> dict[str, Any] | None:
    if d.fix is None:
        return None
    span = d.fix.span or (d.span if d.fix.replacement is not None else None)
    return {
        "description": one_line(d.fix.description),
        "replacement": d.fix.replacement,
        "span": None if span is None else _span_dict(span),
        # what `lint --fix` applies: "safe", "unsafe" (with --unsafe-fixes), or null for a hint
        "applicability": d.fix.applicability.value if d.fix.text_edits and d.fix.applicability else None,
        "edits": [{"content": edit.content, **_span_dict(edit.span)} for edit in d.fix.text_edits],
    }


def _span_dict(span) -> dict[str, int]:
    return {"line": span.line, "column": span.column, "end_line": span.end_line, "end_column": span.end_column}


def diagnostic_dict(d: Diagnostic) -> dict[str, Any]:
    """A finding for json: the path as it is (tools open it), the message as the text format shows it."""
    return {
        "path": d.path,
        "line": d.span.line,
        "column": d.span.column,
        "end_line": d.span.end_line,
        "end_column": d.span.end_column,
        "code": d.code,
        "severity": d.severity.value,
        "message": one_line(d.message),
        "fix": _fix_dict(d),
    }


def to_json(document: Any) -> str:
    """Strict JSON (no NaN or Infinity, no lone surrogate) in ASCII: any stream can carry it, and no
    character inside a string (U+2028, U+0085) can look like a line end to a reader."""
    return json.dumps(json_safe(document), indent=2, ensure_ascii=True, allow_nan=False) + "\n"


def render_json(run: LintRun) -> str:
    return to_json([diagnostic_dict(d) for d in run.diagnostics])


# ----------------------------------------------------------------------------- sarif

_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def relative_posix(path: str, base: Path | None = None) -> str:
    """The path relative to ``base`` (the cwd) when it is below it, with forward slashes."""
    base = base or Path.cwd()
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.resolve().relative_to(base.resolve())
        except (ValueError, OSError):
            pass
    text = PurePath(candidate).as_posix()
    while text.startswith("./"):
        text = text[2:]
    return text


def artifact_uri(path: str, base: Path | None = None) -> str:
    """A relative URI with forward slashes (GitHub resolves it against the checkout).

    Everything but unreserved characters and ``/`` is percent-encoded as UTF-8,
    an undecodable byte of the file name as itself (``%E9``).
    """
    return quote(relative_posix(path, base).encode("utf-8", errors="surrogateescape"), safe="/")


def render_sarif(run: LintRun) -> str:
    rules = all_rules()
    used = sorted({d.code for d in run.diagnostics} | set(rules))
    index = {code: i for i, code in enumerate(used)}
    descriptors = []
    for code in used:
        rule = rules.get(code)
        if rule is None:
            descriptors.append({"id": code, "name": code, "shortDescription": {"text": code}})
            continue
        level = _SARIF_LEVEL[run.settings.severity_for(code, rule.severity)]
        descriptors.append(
            {
                "id": code,
                "name": "".join(part.capitalize() for part in rule.name.split("-")),
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": ruledoc.description(rule.doc()) or rule.summary},
                # GitHub renders help.markdown; other viewers show the plain text
                "help": {"text": ruledoc.to_text(rule.doc()), "markdown": rule.doc()},
                "defaultConfiguration": {"level": level},
                "properties": {"tags": [applies_to(rule)], "problem.severity": level if level != "note" else "recommendation"},
            }
        )
    results = []
    for d in run.diagnostics:
        span = d.span
        region = {
            "startLine": max(1, span.line),
            "startColumn": max(1, span.column),
            "endLine": max(span.line, span.end_line, 1),
            "endColumn": max(1, span.end_column if span.end_column > span.column or span.end_line > span.line
                             else span.column + 1),
        }
        results.append(
            {
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": _SARIF_LEVEL[d.severity],
                "message": {"text": one_line(d.message + (f" Fix: {d.fix.description}" if d.fix else ""))},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": artifact_uri(d.path)},
                            "region": region,
                        }
                    }
                ],
            }
        )
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "cfgtools",
                        "informationUri": INFORMATION_URI,
                        "version": __version__,
                        "rules": descriptors,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return to_json(document)


# ----------------------------------------------------------------------------- github

_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a workflow-command message (as @actions/core's escapeData does)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow-command property value (also ':' and ',')."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github_message(d: Diagnostic) -> str:
    """The annotation's text: the finding and its fix hint, each one line, on two lines (``%0A``)."""
    message = f"{d.code} {one_line(d.message)}"
    if d.fix is not None:
        message += f"\nhelp: {one_line(d.fix.description)}"
    return escape_data(message)


def render_github(run: LintRun) -> str:
    lines = []
    for d in run.diagnostics:
        s = d.span
        props = [
            f"file={escape_property(one_line(relative_posix(d.path)))}",
            f"line={s.line}",
            f"col={s.column}",
            f"endLine={max(s.end_line, s.line)}",
            f"endColumn={s.end_column}",
            f"title={escape_property(d.code)}",
        ]
        lines.append(f"::{_GITHUB_LEVEL[d.severity]} {','.join(props)}::{_github_message(d)}")
    return "\n".join(lines) + ("\n" if lines else "")
