"""``cfgtools schedule FILE``: the learning rate of every update, as the framework computes it.

darknet: rows ``k = 1 .. max_batches`` with ``rate(k)``, the value darknet
prints on the log line of iteration k. Caffe: rows ``0 .. max_iter-1`` with
the ``lr`` of ``Iteration k, lr = ...``. Values are float32; the text forms
print the shortest decimal that reads back as the same float32.

A schedule whose arithmetic gives more columns than one rate (ultralytics:
every parameter group's lr and momentum, the epoch, ``accumulate`` and whether
the optimizer steps) prints them all under a header, one row per iteration
(``ni`` from 0) or, with ``--per epoch``, per epoch (its last iteration: the lr
columns of results.csv); values are float64, printed as the shortest decimal
that reads back as the same double.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from cfgtools.commands._args import (
    add_caffe_fork_argument,
    add_dialect_argument,
    add_ultralytics_run_arguments,
    bounded_int,
    dialects_of,
    gpu_count,
    iteration,
    positive_int,
)
from cfgtools.errors import InputError
from cfgtools.loading import load
from cfgtools.plugin import LoadedConfig, RunOptions
from cfgtools.schedule.evaluate import evaluate, iter_chunks
from cfgtools.schedule.model import Schedule, ScheduleError
from cfgtools.values import json_safe, printable

FORMATS = ("tsv", "csv", "json")


def _at_list(text: str) -> list[int]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError("--at needs at least one iteration")
    return [iteration(item) for item in items]


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared with ``cfgtools plot``."""
    parser.add_argument("--gpus", type=gpu_count, default=1, metavar="N",
                        help="darknet: the number of GPUs (darknet multiplies learning_rate by it; default 1)")
    add_dialect_argument(parser, "reading rules and arithmetic apply")
    add_caffe_fork_argument(parser)
    parser.add_argument("--seed", type=bounded_int(0, 2**64 - 1), default=0,
                        help="seed for darknet's policy=random (darknet itself is not reproducible; default 0)")
    add_ultralytics_run_arguments(parser, images_help="ultralytics: training images (the batches per epoch are "
                                  "ceil(N / batch), the batch size coming from the file; with --gpus, per GPU of "
                                  "the DDP run)")


def load_schedule(path: str, args: argparse.Namespace) -> tuple[LoadedConfig, Schedule, RunOptions]:
    """The file's schedule under the common options; raises InputError/ScheduleError."""
    options = RunOptions(gpus=args.gpus, seed=args.seed, images=args.images,
                         batches_per_epoch=args.batches_per_epoch, classes=args.classes)
    loaded = load(path, dialects_of(args))
    return loaded, loaded.schedule(options), options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a darknet .cfg or a Caffe solver.prototxt")
    parser.add_argument("--format", choices=FORMATS, default="tsv",
                        help="tsv: ITER<TAB>LR without header (default); csv: header iteration,lr; json")
    parser.add_argument("--from", dest="start", type=iteration, metavar="N",
                        help="first iteration (inclusive; default: the first update, darknet 1, Caffe 0)")
    parser.add_argument("--to", dest="stop", type=iteration, metavar="N",
                        help="last iteration (inclusive; default: the last update)")
    parser.add_argument("--every", type=positive_int, default=1, metavar="K",
                        help="print the iterations that are multiples of K (what a log with display K shows)")
    parser.add_argument("--at", type=_at_list, metavar="N[,N...]", help="print only these iterations")
    parser.add_argument("--per", choices=("iteration", "epoch"), default="iteration",
                        help="ultralytics: one row per iteration (default) or per epoch (its last iteration, as "
                             "results.csv shows it; --from/--to/--every/--at then count epochs)")
    add_common_arguments(parser)


def format_rates(values) -> list[str]:
    """Shortest text that reads back as the same float32 (``nan``, ``inf``, ``-inf``)."""
    values = np.asarray(values, dtype=np.float32)
    unique, inverse = np.unique(values, return_inverse=True)
    texts = [_format_one(v) for v in unique]
    return [texts[k] for k in inverse.reshape(-1)]


def _format_one(value) -> str:
    v = np.float32(value)
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return str(v)


def _json_value(text: str) -> str:
    return f'"{text}"' if text in ("nan", "inf", "-inf") else text


def run(args: argparse.Namespace) -> int:
    try:
        loaded, schedule, options = load_schedule(args.file, args)
    except (InputError, ScheduleError) as exc:
        print(exc.format(), file=sys.stderr)
        return 2
    for note in loaded.framework.schedule_notes(schedule, options):
        print(printable(f"note: {note}"), file=sys.stderr)
    if schedule.horizon <= 0:
        print("note: no updates to print (use --to N or --at N to evaluate anyway)", file=sys.stderr)
    if args.at is not None and (args.start is not None or args.stop is not None or args.every != 1):
        print("cfgtools schedule: error: --at cannot be combined with --from/--to/--every", file=sys.stderr)
        return 2
    if schedule.arithmetic.column_names(schedule):
        return _print_columns(schedule, args)
    if args.per != "iteration":
        print(f"cfgtools schedule: error: --per {args.per}: a {schedule.framework} schedule has no epochs",
              file=sys.stderr)
        return 2

    if args.at is not None:
        outside = [i for i in args.at if not schedule.first_update <= i <= schedule.last_update]
        if outside and schedule.horizon > 0:
            print(f"note: {', '.join(map(str, outside[:5]))}{' ...' if len(outside) > 5 else ''}: outside the "
                  f"updates {schedule.first_update}..{schedule.last_update} a run from scratch makes; printed anyway",
                  file=sys.stderr)
        iters = np.asarray(args.at, dtype=np.int64)
        chunks = ((iters, evaluate(schedule, iters)) for _ in (1,))  # evaluated below, where errors are caught
    else:
        start = schedule.first_update if args.start is None else args.start
        stop = schedule.last_update if args.stop is None else args.stop
        if args.every > 1:  # the iterations a training log with display K shows: multiples of K
            start = -(-start // args.every) * args.every
        chunks = iter_chunks(schedule, start, stop, every=args.every, chunk=1 << 16)

    out = sys.stdout
    fmt = args.format
    if fmt == "csv":
        out.write("iteration,lr\n")
    elif fmt == "json":
        header = {
            "source": schedule.source,
            "framework": schedule.framework,
            "dialect": schedule.dialect,
            "gpus": schedule.gpus,
            "policy": schedule.policy.kind,
            "horizon": schedule.horizon,
        }
        out.write(json.dumps(json_safe(header))[:-1] + ', "rows": [')
    separator = "\t" if fmt == "tsv" else ","
    first = True
    try:
        for iters, lrs in chunks:
            texts = format_rates(lrs)
            if fmt == "json":
                body = ", ".join(f"[{i}, {_json_value(t)}]" for i, t in zip(iters.tolist(), texts))
                out.write(("" if first else ", ") + body)
            else:
                out.write("".join(f"{i}{separator}{t}\n" for i, t in zip(iters.tolist(), texts)))
            first = False
            out.flush()
        if fmt == "json":
            out.write("]}\n")
            out.flush()
    except ScheduleError as exc:  # a rate the framework never computes (an SGDR loop that never ends, ...)
        print(exc.with_path(schedule.source).format(), file=sys.stderr)
        return 2
    except (ValueError, ZeroDivisionError) as exc:
        print(printable(f"{schedule.source}:1:1: {exc}"), file=sys.stderr)
        return 2
    return 0


# -- schedules with columns (ultralytics) ---------------------------------------------------------------------------


def _selected(args: argparse.Namespace, first: int, last: int) -> tuple[np.ndarray, list[int]]:
    """The row numbers ``--from/--to/--every/--at`` pick within ``first..last``, and the ``--at`` ones outside."""
    if args.at is not None:
        wanted = np.asarray(args.at, dtype=np.int64)
        inside = (wanted >= first) & (wanted <= last)
        return wanted[inside], wanted[~inside].tolist()
    start = first if args.start is None else max(first, args.start)
    stop = last if args.stop is None else min(last, args.stop)
    if args.every > 1:
        start = -(-start // args.every) * args.every
    return np.arange(start, stop + 1, args.every, dtype=np.int64), []


def _column_texts(values: np.ndarray) -> list[str]:
    """Integers as they are; floats as the shortest text that reads back as the same double.

    Each distinct value is formatted once (most columns repeat a few values), then taken per row."""
    if values.dtype.kind in "iub" and values.size and values[0] != values[-1] and np.all(np.diff(values) == 1):
        return list(map(str, values.tolist()))  # the iteration: every value differs
    unique, inverse = np.unique(values, return_inverse=True)
    texts = np.array([str(int(v)) if values.dtype.kind in "iub" else repr(float(v)) for v in unique], dtype=object)
    return texts[inverse.reshape(-1)].tolist()


def _print_columns(schedule: Schedule, args: argparse.Namespace) -> int:
    """One row per iteration (or per epoch) with every column the schedule's arithmetic gives."""
    arithmetic = schedule.arithmetic
    names = ("iteration", *arithmetic.column_names(schedule))
    if args.per == "iteration":
        rows_of = None
        first, last = schedule.first_update, schedule.last_update
    else:
        rows_of = arithmetic.period_ends(schedule, args.per)
        if rows_of is None:
            print(f"cfgtools schedule: error: --per {args.per}: the schedule has no such period", file=sys.stderr)
            return 2
        first, last = 0, rows_of.size - 1
    selected, outside = _selected(args, first, last)
    unit = "epochs" if rows_of is not None else "iterations"
    if outside:
        print(f"note: {', '.join(map(str, outside[:5]))}{' ...' if len(outside) > 5 else ''}: outside the "
              f"{unit} {first}..{last} of the run; not printed", file=sys.stderr)
    out = sys.stdout
    fmt = args.format
    if fmt == "json":
        header = {"source": schedule.source, "framework": schedule.framework, "dialect": schedule.dialect,
                  "policy": schedule.policy.kind, "horizon": schedule.horizon, "per": args.per,
                  "columns": list(names)}
        out.write(json.dumps(header)[:-1] + ', "rows": [')
    else:
        out.write(("\t" if fmt == "tsv" else ",").join(names) + "\n")
    separator = "\t" if fmt == "tsv" else ","
    chunk = 1 << 16
    for at in range(0, selected.size, chunk):
        rows = selected[at:at + chunk]
        iterations = rows if rows_of is None else rows_of[rows]
        columns = arithmetic.columns(schedule, iterations)
        texts = [_column_texts(iterations)] + [_column_texts(np.asarray(columns[name])) for name in names[1:]]
        if fmt == "json":
            body = ", ".join("[" + ", ".join(_json_value(t) for t in row) + "]" for row in zip(*texts))
            out.write(("" if at == 0 else ", ") + body)
        else:
            out.write("\n".join(map(separator.join, zip(*texts))) + "\n")
        out.flush()
    if fmt == "json":
        out.write("]}\n")
        out.flush()
    return 0
