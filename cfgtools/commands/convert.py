"""``cfgtools convert``: a config's optimizer and lr schedule as PyTorch code, another framework's config, or JSON.

The file goes through the loader; its framework gives the neutral recipe
(``Framework.recipe``), and ``--to FRAMEWORK`` asks that framework to express
and write it (``Framework.express`` / ``write_recipe``).
"""

from __future__ import annotations

import argparse
import sys

from cfgtools.commands._args import (
    add_caffe_fork_argument,
    add_dialect_argument,
    add_ultralytics_run_arguments,
    dialects_of,
    gpu_count,
)
from cfgtools.convert.plan import RefuseError
from cfgtools.convert.text import comment_text
from cfgtools.convert.torch_emitter import emit_torch
from cfgtools.convert.translate import to_json, translate
from cfgtools.errors import InputError
from cfgtools.files import WriteRefused, atomic_write
from cfgtools import frameworks
from cfgtools.loading import load
from cfgtools.plugin import RunOptions
from cfgtools.schedule.model import ScheduleError

EXIT_OK, EXIT_CANNOT, EXIT_ERROR = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE",
                        help="darknet .cfg, Caffe solver.prototxt, or YOLOv5 opt.yaml / ultralytics args.yaml")
    parser.add_argument("--to", required=True, choices=("torch", *frameworks.names(), "json"),
                        help="output kind: PyTorch code, a framework's config, or the neutral recipe as JSON")
    parser.add_argument("-o", "--output", metavar="OUT", default=None, help="write here (atomically) instead of stdout")
    parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    parser.add_argument("--gpus", type=gpu_count, default=1, metavar="N",
                        help="darknet: number of GPUs (multiplies the rate)")
    add_dialect_argument(parser, "reading rules and arithmetic apply")
    add_caffe_fork_argument(parser)
    add_ultralytics_run_arguments(parser, images_help="ultralytics: training images (the batches per epoch are "
                                  "ceil(N / batch); optimizer=auto chooses by it)")
    parser.add_argument("--exact-momentum", action="store_true",
                        help="torch: when the framework keeps the lr inside the momentum history (Caffe), "
                             "emit an optimizer with that rule")
    parser.add_argument("--approximate", action="store_true",
                        help="--to a framework: write the closest config when no exact one exists")


def _write(path: str, text: str, force: bool) -> int:
    try:
        atomic_write(path, text, force)
    except WriteRefused as exc:
        print(f"cfgtools convert: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def _one_line(text: str) -> str:
    return comment_text(text, 2000)


def run(args: argparse.Namespace) -> int:
    try:
        loaded = load(args.file, dialects_of(args))
        recipe = loaded.framework.recipe(loaded, RunOptions(gpus=args.gpus, images=args.images,
                                                            batches_per_epoch=args.batches_per_epoch,
                                                            classes=args.classes))
    except (InputError, ScheduleError) as exc:
        print(_one_line(exc.format()), file=sys.stderr)
        return EXIT_ERROR
    except ValueError as exc:  # a recipe that fails validation (non-finite numbers, ...)
        print(_one_line(f"{args.file}:1:1: {exc}"), file=sys.stderr)
        return EXIT_ERROR

    name = _one_line(args.file)
    try:
        if args.to == "json":
            text = to_json(recipe)
        elif args.to == "torch":
            if recipe.problems and not args.approximate:
                for problem in recipe.problems:
                    print(f"{name}: cannot convert exactly: {_one_line(problem)}", file=sys.stderr)
                print(f"{name}: the framework would not train with this config; --approximate converts anyway",
                      file=sys.stderr)
                return EXIT_CANNOT
            text = emit_torch(recipe, exact_momentum=args.exact_momentum)
        else:
            result = translate(recipe, frameworks.get(args.to), approximate=args.approximate)
            if not result.exact:
                for problem in result.problems:
                    print(f"{name}: cannot express in {args.to}: {_one_line(problem)}", file=sys.stderr)
                if not args.approximate or not result.text:
                    if recipe.parameter_groups:
                        print(f"{name}: no {args.to} equivalent: a {args.to} config has one lr schedule of updates "
                              "for every parameter; --to torch converts this run", file=sys.stderr)
                    elif not args.approximate:
                        print(f"{name}: no exact {args.to} equivalent; --approximate writes the closest one",
                              file=sys.stderr)
                    return EXIT_CANNOT
                print(f"{name}: approximate {args.to} schedule ({_one_line(result.label)}): "
                      f"{result.mismatch.describe() if result.mismatch else 'no update compared'}", file=sys.stderr)
            text = result.text
    except RefuseError as exc:
        print(f"{name}: cannot convert: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_CANNOT

    if args.output:
        return _write(args.output, text, args.force)
    sys.stdout.write(text)
    return EXIT_OK
