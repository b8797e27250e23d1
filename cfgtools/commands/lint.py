"""``cfgtools lint FILE...``: check darknet cfgs and Caffe solvers for what the frameworks silently do."""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace

from cfgtools.commands._args import (
    add_caffe_fork_argument,
    add_dialect_argument,
    add_report_arguments,
    add_ultralytics_run_arguments,
    epochs,
    gpu_count,
    iteration,
    positive_int,
    report_overrides,
)
from cfgtools.commands._fix import run_fixes
from cfgtools.commands._output import write_text
from cfgtools.errors import InputError
from cfgtools.files import WriteRefused, atomic_write
from cfgtools.lint.cache import ResultCache, cache_directory, run_key
from cfgtools.darknet import fork_name
from cfgtools.lint.context import RESUME_FROM_LOG
from cfgtools.lint.core import Diagnostic
from cfgtools.lint.datafile import count_lines, read_data_file
from cfgtools.lint.report import FORMATS, render, use_color
from cfgtools.lint.runner import EXIT_ERROR, FileResult, LintRun, expand_paths, lint_paths
from cfgtools.lint.settings import LintSettings, SettingsError, load_settings
from cfgtools.values import one_line, printable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE", help="files or directories to lint")
    parser.add_argument("--skip-unrecognised", "--skip-unrecognized", action="store_true",
                        help="pass over named files that are not darknet cfgs or Caffe solvers, or are binary, "
                        "without an error (as files found in a directory are); the pre-commit hook uses it")
    add_report_arguments(parser, FORMATS, "check", "ALL")
    add_dialect_argument(parser, "reading rules and arithmetic apply", default=None, allow_all=True)
    add_caffe_fork_argument(parser, default=None)
    parser.add_argument("--gpus", type=gpu_count, default=None, metavar="N", help="GPUs darknet trains on")
    parser.add_argument("--goal", type=iteration, default=None, metavar="ITER",
                        help="the iteration the training is meant to reach")
    parser.add_argument("--epochs", type=epochs, default=None, metavar="E", help="epochs to train")
    parser.add_argument("--images", type=positive_int, default=None, metavar="N", help="training images")
    parser.add_argument("--data", default=None, metavar="FILE.data",
                        help="darknet .data file: the image count is read from its train= list, and its "
                        "classes= and names= are checked against the [yolo]/[region] layers")
    add_ultralytics_run_arguments(parser, images_help=None)
    parser.add_argument("--resume-from", default=None, metavar="ITER|FILE|log",
                        help="iteration, .weights or .solverstate the training resumes from (ultralytics: the "
                        "epochs done, or last.pt; 'log': the last iteration of --log)")
    parser.add_argument("--previous", default=None, metavar="OLD_CFG|git:REV",
                        help="the config the checkpoint was trained with: a file, or git:REV for the file as "
                        "committed in REV (default: its HEAD version when it has uncommitted changes, "
                        "else the file itself)")
    parser.add_argument("--previous-gpus", type=gpu_count, default=None, metavar="N",
                        help="GPUs of the resumed run")
    parser.add_argument("--clear", action="store_true", default=None,
                        help="the run restarts at iteration 0 on the checkpoint's weights "
                        "(darknet -clear, Caffe --weights fine-tuning, YOLOv5 --weights / ultralytics model=)")
    parser.add_argument("--log", default=None, metavar="TRAIN.log",
                        help="the run's training log: its findings (LG rules) are added to the config's")
    parser.add_argument("--force", action="store_true", help="overwrite --output-file if it exists")
    parser.add_argument("--exit-zero", action="store_true",
                        help="exit 0 even when problems are found (2 still reports unreadable files)")
    parser.add_argument("--config", default=None, metavar="PYPROJECT",
                        help="read [tool.cfgtools] from this file instead of the nearest pyproject.toml")
    parser.add_argument("--output-file", "-o", default=None, metavar="F", help="write the report to F")
    parser.add_argument("--show-fixes", action="store_true", help="show the replacement text of each fix")
    parser.add_argument("--fix", action="store_true", help="apply the safe fixes to the files (atomically), then "
                        "report what is left")
    parser.add_argument("--diff", action="store_true", help="print the fixes as a unified diff instead of "
                        "applying them; exit 1 when a file would change")
    parser.add_argument("--unsafe-fixes", action="store_true",
                        help="with --fix or --diff, apply the unsafe fixes too (those that may change the schedule)")
    parser.add_argument("--no-color", action="store_true", help="never colour the text output")
    parser.add_argument("--no-cache", action="store_true",
                        help="lint every file again instead of reusing results from the cache")


def _count_images(data_path: str) -> int:
    """Training images of a darknet .data file: the non-blank lines of the list its train= names."""
    try:
        data = read_data_file(data_path)
        train = data.get("train")
        if not train:
            raise SettingsError(f"{printable(data_path)}: no train= line")
        count = count_lines(train, "list of training images").filled
    except InputError as exc:
        raise SettingsError(exc.format()) from None
    if count == 0:
        raise SettingsError(f"{printable(data_path)}: train list {printable(train)} is empty")
    return count


def _check_log_settings(settings: LintSettings, files: list[str]) -> None:
    """A training log goes with the one config it trained with; ``--resume-from log`` needs one."""
    if settings.resume_from == RESUME_FROM_LOG and settings.log is None:
        raise SettingsError("--resume-from log needs --log TRAIN.log")
    if settings.log is not None and len(expand_paths(files)) != 1:
        raise SettingsError("--log goes with one config: the one the run trained with")


def lint_forks(files: list[str], settings: LintSettings, cache: ResultCache | None,
               skip_unrecognised: bool = False) -> LintRun:
    """Lint under the chosen darknet fork; with ``dialect = all``, under each fork, showing what differs.

    A finding every fork gives is shown once, as it is; a finding only some
    forks give starts with their names in brackets (``[hank-ai] ...``), so
    the report reads as what changes when the file moves between forks.
    Caffe solvers do not depend on the darknet fork and come out once.
    """
    forks = settings.darknet_dialects
    if len(forks) == 1:
        return lint_paths(files, settings, cache, skip_unrecognised)
    runs = {}
    for fork in forks:
        one = settings.with_dialect(fork)
        # each fork's results are cached under its own settings
        fork_cache = ResultCache(cache.directory, run_key(one)) if cache is not None else None
        runs[fork] = lint_paths(files, one, fork_cache, skip_unrecognised)
    merged = LintRun(settings=settings)
    for results in zip(*(run.files for run in runs.values())):
        first = results[0]
        givers: dict[tuple, list[str]] = {}
        kept: dict[tuple, Diagnostic] = {}
        for fork, result in zip(forks, results):
            for diagnostic in result.diagnostics:
                key = (diagnostic.code, diagnostic.span, diagnostic.severity, diagnostic.message)
                givers.setdefault(key, []).append(fork)
                kept.setdefault(key, diagnostic)
        diagnostics = [
            diagnostic if len(givers[key]) == len(forks)
            else replace(diagnostic, message=f"[{', '.join(fork_name(f) for f in givers[key])}] {diagnostic.message}")
            for key, diagnostic in kept.items()
        ]
        errors = list(dict.fromkeys(error for result in results for error in result.errors))
        kind = next((result.kind for result in results if result.kind is not None), None)
        partial = next((result.partial for result in results if result.partial), None)
        merged.files.append(FileResult(path=first.path, kind=kind, errors=errors, partial=partial,
                                       diagnostics=sorted(diagnostics, key=Diagnostic.sort_key)))
    return merged


def run(args: argparse.Namespace) -> int:
    if not args.files:
        print("cfgtools lint: error: no files given", file=sys.stderr)
        return EXIT_ERROR
    resume = args.resume_from
    if resume is not None and re.fullmatch(r"[0-9]+", resume.strip()):  # an iteration, not a checkpoint
        try:
            resume = iteration(resume)
        except argparse.ArgumentTypeError as exc:
            print(f"cfgtools lint: error: --resume-from: {exc}", file=sys.stderr)
            return EXIT_ERROR
    try:
        if args.epochs is not None and args.images is None and args.data is None:
            raise SettingsError("--epochs needs --images N or --data FILE.data")
        images = args.images
        if args.data is not None and images is None and args.epochs is not None:  # only --epochs needs it
            images = _count_images(args.data)
        overrides = {
            **report_overrides(args),
            "goal": args.goal,
            "epochs": args.epochs,
            "images": images,
            "data": args.data,
            "resume_from": resume,
            "previous": args.previous,
            "previous_gpus": args.previous_gpus,
            "clear": args.clear,
            "framework_version": args.framework_version,
            "batches_per_epoch": args.batches_per_epoch,
            "classes": args.classes,
            "log": args.log,
        }
        settings, project = load_settings(args.files[0], args.config, overrides)
        _check_log_settings(settings, args.files)
    except SettingsError as exc:
        print(f"cfgtools lint: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR

    if args.fix or args.diff:
        if args.output_file:
            print("cfgtools lint: error: --fix and --diff report on stdout, not with --output-file", file=sys.stderr)
            return EXIT_ERROR
        if len(settings.darknet_dialects) > 1:  # each fork may want another edit of the same line
            print("cfgtools lint: error: --fix and --diff edit for one darknet fork, not --dialect all", file=sys.stderr)
            return EXIT_ERROR
        return run_fixes(args, settings)
    cache = None
    if not args.no_cache and settings.log is None:  # the cache does not know the log's content
        cache = ResultCache(cache_directory(settings.cache_dir, project), run_key(settings))
    result = lint_forks(args.files, settings, cache, skip_unrecognised=args.skip_unrecognised)
    if cache is not None and cache.warning:
        print(f"cfgtools lint: warning: {printable(cache.warning)}", file=sys.stderr)
    fmt = args.format or "text"
    for error in result.errors:
        print(error, file=sys.stderr)
    if args.output_file:
        text = render(result, fmt, color=False, show_fixes=args.show_fixes)
        try:
            atomic_write(args.output_file, text, force=args.force)
        except WriteRefused as exc:
            print(f"cfgtools lint: error: {one_line(str(exc))}", file=sys.stderr)
            return EXIT_ERROR
    else:
        color = not args.no_color and use_color(sys.stdout)
        write_text(sys.stdout, render(result, fmt, color=color, show_fixes=args.show_fixes))
    if args.exit_zero and result.exit_code == 1:
        return 0
    return result.exit_code
