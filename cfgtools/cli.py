"""The ``cfgtools`` command line: one sub-command per module in ``cfgtools.commands``.

Each command module defines ``add_arguments(parser)`` and ``run(args) -> int``.
Only the module of the command being run is imported, so ``cfgtools
--version`` and ``--help`` stay fast whatever the commands import.

Exit codes: 0 done, 1 findings (lint) or nothing convertible (convert), 2
usage errors, unreadable input and internal errors. An internal error is one
line on stderr, never a traceback (``CFGTOOLS_DEBUG=1`` shows it), so CI never
reads a crash as "problems found".
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from typing import Sequence

from cfgtools import __version__

#: Sub-command -> one line of help, in the order --help lists them (the module is cfgtools.commands.<name>).
COMMANDS = {
    "lint": "lint darknet .cfg files, Caffe solver prototxts and YOLOv5/ultralytics settings YAML",
    "show": "print what the framework reads from a config: every training value and where it came from",
    "schedule": "print the learning rate of every update, in the framework's own arithmetic",
    "plot": "plot learning-rate schedules (text in the terminal, or PNG/SVG/PDF with -o)",
    "extend": "plan the edits that resume a checkpoint with a new end without a jump in the learning rate",
    "convert": "convert a config's training recipe to PyTorch code, a Caffe solver, a darknet [net] or JSON",
    "summary": "print darknet's layer table for a .cfg: every layer's input/output shape, BFLOPs and the total",
    "log": "read a darknet or Caffe training log against its config: every logged rate checked, what went wrong",
    "rules": "list the lint rules",
    "explain": "explain a lint rule (e.g. cfgtools explain DN003)",
}

EXIT_OK, EXIT_ERROR = 0, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, as argparse does, without a traceback
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported and given its arguments."""
    parser = _Parser(
        prog="cfgtools",
        description="Read, lint, extend and convert darknet, Caffe and YOLOv5/ultralytics training configs, checkpoints "
                    "and logs exactly as the frameworks read them.",
    )
    parser.add_argument("--version", action="version", version=f"cfgtools {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, text in COMMANDS.items():
        sub = subparsers.add_parser(name, help=text, description=text)
        if name == command:
            module = importlib.import_module(f"cfgtools.commands.{name}")
            module.add_arguments(sub)
            sub.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    parser = build_parser(command if command in COMMANDS else None)
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
    except Exception as exc:  # a bug: one line and exit 2, never a traceback read as "findings"
        if os.environ.get("CFGTOOLS_DEBUG"):
            raise
        where = traceback.extract_tb(exc.__traceback__)[-1]
        print(f"cfgtools {args.command}: internal error: {type(exc).__name__}: {exc} "
              f"[{os.path.basename(where.filename)}:{where.lineno}] (CFGTOOLS_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
