"""The ``cfgtools`` command line: one sub-command per module in ``cfgtools.commands``.

Each command module defines ``HELP`` (one line), ``add_arguments(parser)``
and ``run(args) -> int``. Command modules import their heavy dependencies
(protobuf, numpy, matplotlib) inside ``run`` so that start-up stays lean.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from cfgtools import __version__

#: Sub-command name -> module under cfgtools.commands, in the order --help lists them.
COMMANDS = {
    "lint": "lint",
    "show": "show",
    "schedule": "schedule",
    "plot": "plot",
    "convert": "convert",
    "summary": "summary",
    "rules": "rules",
    "explain": "explain",
}

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, as argparse does, without a traceback
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def _available_commands() -> dict[str, object]:
    modules = {}
    for name, module_name in COMMANDS.items():
        try:
            modules[name] = importlib.import_module(f"cfgtools.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"cfgtools.commands.{module_name}":
                raise
    return modules


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cfgtools",
        description="Read, lint and convert darknet .cfg files and Caffe solvers exactly as the frameworks read them.",
    )
    parser.add_argument("--version", action="version", version=f"cfgtools {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module in _available_commands().items():
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return args._run(args)
    except BrokenPipeError:  # `cfgtools schedule big.cfg | head`
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
