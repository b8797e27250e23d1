"""Argument types and options shared by the sub-commands (argparse reports their errors with exit code 2)."""

from __future__ import annotations

import argparse
import re

from cfgtools import frameworks
from cfgtools.ultralytics.versions import get_version


#: darknet and Caffe count iterations in a C int
MAX_ITERATION = 2**31 - 1
#: darknet's -gpus takes a list of devices; no machine has more than this
MAX_GPUS = 1024
MAX_EPOCHS = 1_000_000


def bounded_int(low: int, high: int, what: str = ""):
    """An argparse type: a whole number (ASCII digits) from ``low`` to ``high``."""

    def parse(text: str) -> int:
        if not re.fullmatch(r"[+-]?[0-9]{1,30}", text.strip()):
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}{what}, not {value}")
        return value

    return parse


#: an iteration (update) number
iteration = bounded_int(0, MAX_ITERATION, " (darknet and Caffe count iterations in a C int)")
non_negative_int = bounded_int(0, MAX_ITERATION)
positive_int = bounded_int(1, MAX_ITERATION)
gpu_count = bounded_int(1, MAX_GPUS)


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be positive, not {text!r}")
    return value


def epochs(text: str) -> float:
    value = positive_float(text)
    if value > MAX_EPOCHS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_EPOCHS}, not {text!r}")
    return value


def comma_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


#: ``--dialect all``: lint compares every darknet fork (the other commands need one)
ALL_DIALECTS = "all"


def _fork_choice(framework: str, allow_all: bool):
    """An argparse type: one of ``framework``'s dialects (or ``all`` where it is allowed)."""
    known = frameworks.dialects(framework)

    def parse(text: str) -> str:
        if text in known or (allow_all and text == ALL_DIALECTS):
            return text
        choices = ", ".join(known)
        if text == ALL_DIALECTS:
            raise argparse.ArgumentTypeError(
                f"'all' is only for cfgtools lint, which compares the forks; choose one of {choices}")
        raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {choices}"
                                         + (f", {ALL_DIALECTS})" if allow_all else ")"))

    return parse


def add_dialect_argument(parser: argparse.ArgumentParser, what: str, default: str | None = "",
                         allow_all: bool = False) -> None:
    """``--dialect``: the darknet fork whose ``what`` (e.g. "reading rules apply"); ``all`` only where allowed."""
    forks = frameworks.dialects("darknet")
    names = list(forks) + ([ALL_DIALECTS] if allow_all else [])
    extra = "; all: lint under every fork and show what differs" if allow_all else ""
    parser.add_argument(
        "--dialect", type=_fork_choice("darknet", allow_all), metavar="{" + ",".join(names) + "}",
        default=forks[0] if default == "" else default,
        help=f"darknet fork whose {what} (default: {forks[0]}{extra})",
    )


def add_caffe_fork_argument(parser: argparse.ArgumentParser, default: str | None = "") -> None:
    """``--caffe-fork``: the Caffe fork whose solver schema (and lr policies) apply."""
    forks = frameworks.dialects("caffe")
    parser.add_argument(
        "--caffe-fork", type=_fork_choice("caffe", False), metavar="{" + ",".join(forks) + "}",
        default=forks[0] if default == "" else default,
        help=f"Caffe fork whose solver schema applies (default: {forks[0]}; ssd: weiliu89/caffe)",
    )


def dialects_of(args: argparse.Namespace) -> dict[str, str]:
    """The dialect of each framework the command-line options chose (``load``'s ``dialects``)."""
    chosen = {"darknet": getattr(args, "dialect", None), "caffe": getattr(args, "caffe_fork", None),
              "ultralytics": getattr(args, "framework_version", None)}
    return {name: dialect for name, dialect in chosen.items() if dialect}


def framework_version(text: str) -> str:
    """An argparse type: a YOLOv5/ultralytics version name (``yolov5-7.0``, ``ultralytics-8.3``, ...)."""
    try:
        return get_version(text.strip()).name
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_framework_version_argument(parser: argparse.ArgumentParser) -> None:
    """``--framework-version``: the YOLOv5/ultralytics release whose rules apply to the files of its family."""
    parser.add_argument(
        "--framework-version", type=framework_version, default=None, metavar="VERSION",
        help="YOLOv5/ultralytics release whose rules apply (yolov5-5.0, yolov5-6.1, yolov5-7.0 = yolov5-latest, "
             "ultralytics-8.0, ultralytics-8.1, ultralytics-8.3, ultralytics-latest); default: inferred from the "
             "file's keys, else yolov5-7.0 for YOLOv5 files and ultralytics-8.3 for ultralytics ones",
    )


def add_ultralytics_run_arguments(parser: argparse.ArgumentParser, images_help: str | None) -> None:
    """What an ultralytics run's schedule needs besides its file: ``--framework-version``, the batches per
    epoch (``--images N``, unless the command has its own ``--images``, or ``--batches-per-epoch NB``) and
    ``--classes`` (``optimizer=auto`` chooses by them)."""
    add_framework_version_argument(parser)
    if images_help is not None:
        parser.add_argument("--images", type=positive_int, default=None, metavar="N", help=images_help)
    parser.add_argument("--batches-per-epoch", type=positive_int, default=None, metavar="NB",
                        help="ultralytics: iterations per epoch, instead of --images")
    parser.add_argument("--classes", type=positive_int, default=None, metavar="NC",
                        help="ultralytics: classes of the dataset (optimizer=auto picks AdamW's lr from it)")


def add_report_arguments(parser: argparse.ArgumentParser, formats, verb: str, everything: str) -> None:
    """The findings' options lint and log share: ``--format`` (one of ``formats``), ``--select``,
    ``--extend-select``, ``--ignore``, ``--fail-on``."""
    parser.add_argument("--format", choices=formats, default=None, help="output format (default: text)")
    parser.add_argument("--select", type=comma_list, default=None, metavar="CODES",
                        help=f"comma-separated codes or prefixes to {verb} (default: {everything})")
    parser.add_argument("--extend-select", type=comma_list, default=None, metavar="CODES",
                        help=f"codes to {verb} in addition to the selected ones")
    parser.add_argument("--ignore", type=comma_list, default=None, metavar="CODES", help="codes or prefixes to skip")
    parser.add_argument("--fail-on", choices=("info", "warning", "error"), default=None,
                        help="exit 1 when a finding is at or above this severity (default: warning)")


def report_overrides(args: argparse.Namespace) -> dict:
    """The settings :func:`add_report_arguments`, the forks and ``--gpus`` give, for ``load_settings``."""
    return {"select": args.select, "extend_select": args.extend_select, "ignore": args.ignore,
            "fail_on": args.fail_on, "dialect": args.dialect, "caffe_fork": args.caffe_fork, "gpus": args.gpus}
