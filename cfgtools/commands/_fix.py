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

from cfgtools.commands._output import write_data, write_text
from cfgtools.edits import unified_diff
from cfgtools.files import WriteRefused, atomic_write
from cfgtools.lint.fixes import FixOutcome, fix_source, hidden_fixes
from cfgtools.lint.report import render, use_color
from cfgtools.lint.runner import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, FileResult, LintRun, expand_paths, read_config
from cfgtools.lint.settings import LintSettings
from cfgtools.values import printable


def run_fixes(args: argparse.Namespace, settings: LintSettings) -> int:
    outcomes: list[FixOutcome] = []
    errors: list[str] = []
    passed_over: list[FileResult] = []
    for path, named in expand_paths(args.files):
        named = named and not args.skip_unrecognised
        read = read_config(path, named)
        if isinstance(read, FileResult):  # unreadable (an error), or a binary file a walk found
            errors.extend(read.errors)
            passed_over.append(read)
            continue
        outcome = fix_source(read[0], settings, unsafe=args.unsafe_fixes, named=named)
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
                write_data(sys.stdout, unified_diff(outcome.source.text, outcome.fixed, printable(f"a/{path}"),
                                                    printable(f"b/{path}")))
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
    result = LintRun(settings=settings,
                     files=[o.remaining or FileResult(o.source.path) for o in outcomes] + passed_over)
    for error in errors:
        print(error, file=sys.stderr)
    fmt = args.format or "text"
    color = not args.no_color and use_color(sys.stdout)
    write_text(sys.stdout, render(result, fmt, color=color, show_fixes=args.show_fixes))
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
