"""``cfgtools show FILE...``: the typed model, with effective values and where each came from."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cfgtools.commands._args import (
    add_caffe_fork_argument,
    add_dialect_argument,
    add_framework_version_argument,
    dialects_of,
)
from cfgtools.errors import InputError
from cfgtools.loading import load
from cfgtools.values import json_safe, printable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="darknet .cfg or Caffe solver .prototxt")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_dialect_argument(parser, "reading rules apply")
    add_caffe_fork_argument(parser)
    add_framework_version_argument(parser)


def run(args: argparse.Namespace) -> int:
    status = 0
    documents = []
    for path in args.files:
        try:
            description = load(path, dialects_of(args)).describe()
        except InputError as error:
            print(error.with_path(path).format(), file=sys.stderr)
            status = 2
            continue
        except Exception as exc:  # a bug must not hide the other files
            print(printable(f"{path}:1:1: internal error: {type(exc).__name__}: {exc}"), file=sys.stderr)
            status = 2
            continue
        for warning in description.warnings:
            print(warning, file=sys.stderr)
        if args.format == "json":
            documents.append(description.data)
        else:
            sys.stdout.write(description.text)
            if len(args.files) > 1:
                sys.stdout.write("\n")
    if args.format == "json":
        payload: Any = documents[0] if len(args.files) == 1 and documents else documents
        json.dump(json_safe(payload), sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    return status
