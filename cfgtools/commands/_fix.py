"""``cfgtools lint --fix`` and ``--diff`` (with ``--unsafe-fixes``): the lint command's fixing mode.

``--diff`` prints a unified diff of what the fixes would change, a count on
stderr, and exits 1 when something would change (0 otherwise, 2 when a file
cannot be read or fixed). ``--fix`` writes each fixed file atomically, then
reports the findings left as ``cfgtools lint`` does (exit 1 when they are at or
above ``--fail-on``), with the count of fixes on stderr. The fixing itself is
``cfgtools.lint.fixes``.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from cfgtools.edits import unified_diff
from cfgtools.errors import InputError
from cfgtools.files import WriteRefused, atomic_write
from cfgtools.lint.fixes import FixOutcome, fix_source, hidden_fixes
from cfgtools.lint.report import render, use_color
from cfgtools.lint.runner import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, FileResult, LintRun, expand_paths
from cfgtools.lint.settings import LintSettings
from cfgtools.sources import read_source
from cfgtools.values import printable


def run_fixes(args: argparse.Namespace, settings: LintSettings) -> int:
    outcomes: list[FixOutcome] = []
    errors: list[str] = []
    for path in expand_paths(args.files):
        try:
            outcome = fix_source(read_source(path), settings, unsafe=args.unsafe_fixes)
        except InputError as exc:
            errors.append(exc.with_path(path).format())
            continue
        outcomes.append(outcome)
        if outcome.remaining is not None:
            errors.extend(outcome.remaining.errors)
        if outcome.problem is not None:
            errors.append(f"{printable(path)}:1:1: {printable(outcome.problem)}")
    applied = sum((outcome.applied for outcome in outcomes), Counter())
    hidden = sum(hidden_fixes(outcome) for outcome in outcomes if not args.unsafe_fixes)
    if args.diff:
        for outcome in outcomes:
            if outcome.changed:
                path = outcome.source.path
                sys.stdout.write(unified_diff(outcome.source.text, outcome.fixed, f"a/{path}", f"b/{path}"))
        sys.stdout.flush()
        for error in errors:
            print(error, file=sys.stderr)
        print(_count("Would fix", applied, hidden), file=sys.stderr)
        if errors:
            return EXIT_ERROR
        return EXIT_FINDINGS if any(outcome.changed for outcome in outcomes) else EXIT_OK
    for outcome in outcomes:
        if outcome.changed:
            try:
                atomic_write(outcome.source.path, outcome.fixed, force=True)
            except WriteRefused as exc:
                errors.append(f"{printable(outcome.source.path)}:1:1: {printable(str(exc))}")
    result = LintRun(settings=settings, files=[o.remaining or FileResult(o.source.path) for o in outcomes])
    for error in errors:
        print(error, file=sys.stderr)
    fmt = args.format or "text"
    color = not args.no_color and use_color(sys.stdout)
    sys.stdout.write(render(result, fmt, color=color, show_fixes=args.show_fixes))
    sys.stdout.flush()
    print(_count("Fixed", applied, hidden), file=sys.stderr)
    if errors:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_OK
    return result.exit_code


def _count(verb: str, applied: Counter, hidden: int) -> str:
    total = sum(applied.values())
    if total:
        codes = ", ".join(f"{code} x{count}" for code, count in sorted(applied.items()))
        line = f"{verb} {total} problem{'s' if total != 1 else ''} ({codes})."
    else:
        line = "No fixes to apply." if verb == "Fixed" else "No fixes available."
    if hidden:
        line += f" {hidden} more fix{'es' if hidden != 1 else ''} with --unsafe-fixes."
    return line
