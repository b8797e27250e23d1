"""``cfgtools log TRAIN.log [--config CFG]``: read a darknet or Caffe training log against its config.

Every logged rate is compared with the config's exact schedule at the
precision the program prints it (darknet ``%f``, Caffe six significant
digits). Without ``--config`` a Caffe log is read against the solver each run
printed (``Initializing solver from parameters:``); a darknet log prints no
cfg, so its rates are not checked (the report says so). What the log shows
comes out as lint's findings (the LG rules), in lint's formats and with its
exit codes; ``--export`` writes the parsed rows for people's own plots.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from cfgtools.commands._args import (
    add_caffe_fork_argument,
    add_dialect_argument,
    add_report_arguments,
    gpu_count,
    report_overrides,
)
from cfgtools.commands._output import write_text
from cfgtools.errors import InputError
from cfgtools.files import WriteRefused, atomic_output, atomic_write
from cfgtools.lint.logcheck import check_log
from cfgtools.lint.report import FORMATS, render, use_color
from cfgtools.lint.runner import EXIT_ERROR, LintRun
from cfgtools.lint.settings import SettingsError, load_settings
from cfgtools.loading import load
from cfgtools.logs import LogReading
from cfgtools.trainlog.export import FORMATS as EXPORT_FORMATS
from cfgtools.trainlog.export import export_rows
from cfgtools.values import one_line, printable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("log", metavar="TRAIN.log", help="a darknet or Caffe training log (plain or .gz)")
    parser.add_argument("--config", default=None, metavar="CFG_OR_SOLVER",
                        help="the darknet .cfg or Caffe solver the run trained with")
    add_dialect_argument(parser, "arithmetic computed the rates", default=None)
    add_caffe_fork_argument(parser, default=None)
    parser.add_argument("--gpus", type=gpu_count, default=None, metavar="N",
                        help="GPUs the darknet run trained on (darknet multiplies the rate by N)")
    add_report_arguments(parser, FORMATS, "report", "every LG rule")
    parser.add_argument("--exit-zero", action="store_true",
                        help="exit 0 even when problems are found (2 still reports an unreadable log)")
    parser.add_argument("--settings", default=None, metavar="PYPROJECT",
                        help="read [tool.cfgtools] from this file instead of the nearest pyproject.toml")
    parser.add_argument("--output-file", "-o", default=None, metavar="F", help="write the report to F")
    parser.add_argument("--export", default=None, metavar="ROWS",
                        help="write the parsed rows to ROWS.csv, .tsv or .json ('-': stdout, with --export-format)")
    parser.add_argument("--export-format", choices=EXPORT_FORMATS, default=None,
                        help="format of --export (default: from its suffix)")
    parser.add_argument("--force", action="store_true", help="overwrite --output-file and --export if they exist")
    parser.add_argument("--show-fixes", action="store_true", help="show the replacement text of each fix")
    parser.add_argument("--no-color", action="store_true", help="never colour the text output")


def _export_format(args: argparse.Namespace) -> str | None:
    """The export's format, from --export-format or the file's suffix; raises SettingsError."""
    if args.export is None:
        if args.export_format is not None:
            raise SettingsError("--export-format needs --export ROWS")
        return None
    if args.export_format is not None:
        return args.export_format
    suffix = Path(args.export).suffix.lower().lstrip(".")
    if args.export == "-" or suffix not in EXPORT_FORMATS:
        raise SettingsError(f"--export {args.export!r}: give a .csv, .tsv or .json file, or --export-format")
    return suffix


def account(reading: LogReading) -> str:
    """One line: what the log holds and what its rates were checked against."""
    report = reading.report
    runs = len(report.segments)
    said = (f"{printable(report.path)}: {report.framework} log, {report.rows} logged iterations in "
            f"{runs} run{'s' if runs != 1 else ''}")
    unchecked = reading.unchecked
    if unchecked is not None:
        return f"{said}; the logged rates are not checked: {printable(unchecked)}"
    checks = [check for check in report.checks.values() if check.skipped is None]
    compared = report.compared
    if compared == 0:
        return f"{said}; no rate is logged"
    precision = next((check.precision for check in checks if check.precision is not None), None)
    at = f" at {precision}" if precision is not None else ""
    if report.rates_agree:
        said += f"; all {compared} logged rates agree with {printable(reading.against)}{at}"
    else:
        disagree = sum(check.mismatched for check in checks)
        said += f"; {disagree} of {compared} logged rates disagree with {printable(reading.against)}{at}"
    skipped = sorted({check.skipped for check in report.checks.values() if check.skipped})
    if skipped:
        said += f" (not checked in some runs: {printable('; '.join(skipped))})"
    return said


def run(args: argparse.Namespace) -> int:
    if args.log == "-":  # the log is read again for a second check or the export
        print("cfgtools log: error: a log cannot be read from stdin: give its file (plain or .gz)", file=sys.stderr)
        return EXIT_ERROR
    try:
        export_format = _export_format(args)
        overrides = {
            **report_overrides(args),
            "log": args.log,
        }
        settings, _ = load_settings(args.log, args.settings, overrides)
    except SettingsError as exc:
        print(f"cfgtools log: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    config = None
    if args.config is not None:
        try:
            config = load(args.config, settings.dialects)
        except InputError as exc:
            print(exc.with_path(args.config).format(), file=sys.stderr)
            return EXIT_ERROR
    reading, result = check_log(settings, config)
    lint_run = LintRun(settings=settings, files=[result])
    for error in result.errors:
        print(error, file=sys.stderr)
    fmt = args.format or "text"
    heading = account(reading) + "\n" if reading is not None else ""
    if heading and fmt != "text":  # the machine formats hold the findings only
        write_text(sys.stderr, f"cfgtools log: {heading}")
        heading = ""
    if args.output_file:
        try:
            atomic_write(args.output_file, heading + render(lint_run, fmt, color=False, show_fixes=args.show_fixes),
                         force=args.force)
        except WriteRefused as exc:
            print(f"cfgtools log: error: {one_line(str(exc))}", file=sys.stderr)
            return EXIT_ERROR
    else:
        out = sys.stderr if args.export == "-" else sys.stdout  # stdout carries the rows
        color = fmt == "text" and not args.no_color and use_color(out)
        write_text(out, heading + render(lint_run, fmt, color=color, show_fixes=args.show_fixes))
    if reading is not None and export_format is not None:
        code = _export(reading, args.export, export_format, args.force)
        if code:
            return code
    if args.exit_zero and lint_run.exit_code == 1:
        return 0
    return lint_run.exit_code


def _export(reading: LogReading, target: str, fmt: str, force: bool) -> int:
    """Write the rows to ``target`` (``-``: stdout) atomically; 0, or 2 after one line on stderr."""
    try:
        if target == "-":
            export_rows(reading.log, sys.stdout, fmt, reading.schedule)
            sys.stdout.flush()
            return 0
        with atomic_output(target, force) as handle:
            text = io.TextIOWrapper(handle, encoding="utf-8", errors="surrogateescape", newline="")
            export_rows(reading.log, text, fmt, reading.schedule)
            text.flush()
            text.detach()  # the binary file stays open for atomic_output to finish
    except WriteRefused as exc:
        print(f"cfgtools log: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except InputError as exc:  # the log changed or broke since it was analysed
        print(exc.format(), file=sys.stderr)
        return EXIT_ERROR
    return 0
