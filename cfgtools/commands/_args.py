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


def add_dialect_argument(parser: argparse.ArgumentParser, what: str, default: str | None = "") -> None:
    """``--dialect``: the darknet fork whose ``what`` (e.g. "reading rules apply")."""
    darknet = frameworks.get("darknet")
    parser.add_argument(
        "--dialect", choices=darknet.dialects, default=darknet.default_dialect if default == "" else default,
        help=f"darknet fork whose {what} (default: {darknet.default_dialect})",
    )


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
