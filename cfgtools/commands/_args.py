"""Argument types and options shared by the sub-commands (argparse reports their errors with exit code 2)."""

from __future__ import annotations

import argparse

from cfgtools import frameworks


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, not {value}")
    return value


def positive_int(text: str) -> int:
    value = non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be positive, not {text!r}")
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
