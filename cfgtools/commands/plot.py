"""``cfgtools plot FILE...``: overlay the learning-rate schedules of several files.

Without ``-o`` a text plot is written to stdout (80 columns, no extra
dependency); with ``-o out.png|svg|pdf`` matplotlib draws the figure. Long
schedules are reduced to a per-column min/max envelope so spikes and step
drops stay visible. A schedule with one lr per parameter group (ultralytics)
draws one curve per group.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np

from cfgtools.commands._args import bounded_int, iteration
from cfgtools.commands._logplot import plot_log
from cfgtools.commands.schedule import add_common_arguments, load_schedule
from cfgtools.errors import InputError
from cfgtools.files import WriteRefused, atomic_write
from cfgtools.schedule.evaluate import iter_chunks
from cfgtools.schedule.model import ScheduleError
from cfgtools.schedule.textplot import Envelope, columns_for, render

IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
#: envelope columns for image output (about one per pixel of a 10-inch figure at 200 dpi)
IMAGE_COLUMNS = 2000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE", help="darknet .cfg files and/or Caffe solvers")
    parser.add_argument("--log", metavar="TRAIN.log",
                        help="draw a training log: its loss and rate (logged and the config's) with its events")
    parser.add_argument("-o", "--output", metavar="OUT", help="write an image (.png, .svg or .pdf) with matplotlib")
    parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    parser.add_argument("--resume-from", type=iteration, metavar="N",
                        help="mark a resume at iteration N with a vertical line")
    parser.add_argument("--log-y", action="store_true", help="logarithmic lr axis")
    parser.add_argument("--from", dest="start", type=iteration, metavar="N", help="first iteration to plot")
    parser.add_argument("--to", dest="stop", type=iteration, metavar="N", help="last iteration to plot")
    parser.add_argument("--width", type=bounded_int(20, 1000), default=80, help="text plot width in characters (default 80)")
    parser.add_argument("--height", type=bounded_int(5, 500), default=20, help="text plot height in rows (default 20)")
    add_common_arguments(parser)


def _group_columns(schedule) -> list[str]:
    """The per-group lr columns of a schedule that has them (ultralytics' ``lr_pg0``...), else none."""
    return [name for name in schedule.arithmetic.column_names(schedule) if name.startswith("lr_")]


def _series(schedules) -> list[tuple[object, str | None]]:
    """What to draw: each schedule's rate, or each of its groups' lr (``(schedule, column)``)."""
    return [(schedule, column) for schedule in schedules for column in (_group_columns(schedule) or [None])]


def _envelopes(series, x0: int, x1: int, columns: int, log_y: bool, clip: tuple[bool, bool] = (True, True)):
    """One envelope per series; each is drawn over its own updates unless a bound was given (``clip``)."""
    result = []
    for schedule, column in series:
        env = Envelope(x0=x0, x1=x1, columns=columns, label=Path(schedule.source).name or schedule.source)
        first = max(x0, schedule.first_update) if clip[0] else x0
        last = min(x1, schedule.last_update) if clip[1] else x1
        if last >= first and column is None:
            for iters, lrs in iter_chunks(schedule, first, last):
                env.add(iters, lrs, log_y=log_y)
        result.append(env)
    _add_group_columns(series, result, x0, x1, log_y)
    return result


def _add_group_columns(series, envelopes, x0: int, x1: int, log_y: bool) -> None:
    """Fill the envelopes of group series, computing each schedule's columns once per chunk (inside its run)."""
    by_schedule: dict[int, list] = {}
    for (schedule, column), env in zip(series, envelopes):
        if column is not None:
            by_schedule.setdefault(id(schedule), [schedule]).append((column, env))
    for schedule, *wanted in by_schedule.values():
        first, last = max(x0, schedule.first_update), min(x1, schedule.last_update)
        for start in range(first, last + 1, 1 << 16):
            iters = np.arange(start, min(last + 1, start + (1 << 16)), dtype=np.int64)
            values = schedule.arithmetic.columns(schedule, iters)
            for column, env in wanted:
                env.add(iters, values[column], log_y=log_y)


def _label(schedule, column: str | None = None) -> str:
    name = Path(schedule.source).name or schedule.source
    extra = schedule.framework + (f"/{schedule.dialect}" if schedule.dialect else "")
    if schedule.gpus != 1:
        extra += f", x{schedule.gpus} GPUs"
    if column is not None:
        return f"{name} {column.removeprefix('lr_')} ({extra})"
    return f"{name} ({extra}, {schedule.policy.kind})"


def run(args: argparse.Namespace) -> int:
    suffix = Path(args.output).suffix.lower() if args.output else ""
    if args.output and suffix not in IMAGE_SUFFIXES:
        print(f"cfgtools plot: error: -o must end in .png, .svg or .pdf, not {args.output!r}", file=sys.stderr)
        return 2
    if args.log is not None:
        return plot_log(args)
    if not args.files:
        print("cfgtools plot: error: no files given", file=sys.stderr)
        return 2
    schedules = []
    for name in args.files:
        try:
            loaded, schedule, options = load_schedule(name, args)
        except (InputError, ScheduleError) as exc:
            print(exc.format(), file=sys.stderr)
            return 2
        for note in loaded.framework.schedule_notes(schedule, options):
            print(f"note: {name}: {note}", file=sys.stderr)
        schedules.append(schedule)
    x0 = args.start if args.start is not None else min(s.first_update for s in schedules)
    x1 = args.stop if args.stop is not None else max(s.last_update for s in schedules)
    if x1 < x0:
        print("cfgtools plot: error: empty iteration range (no max_batches/max_iter? use --to N)", file=sys.stderr)
        return 2
    if args.output:
        return _image(schedules, x0, x1, args)
    clip = (args.start is None, args.stop is None)
    series = _series(schedules)
    envelopes = _envelopes(series, x0, x1, columns_for(args.width), args.log_y, clip)
    for env, (s, column) in zip(envelopes, series):
        env.label = _label(s, column)
    vlines = [(args.resume_from, "|")] if args.resume_from is not None else []
    title = "learning rate" + (" (log)" if args.log_y else "")
    sys.stdout.write(render(envelopes, width=args.width, height=args.height, log_y=args.log_y,
                            vlines=vlines, title=title))
    return 0


def _image(schedules, x0: int, x1: int, args) -> int:
    try:  # lazy: matplotlib is an optional extra, needed only for image output
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is needed for -o: pip install 'cfgtools[plot]'", file=sys.stderr)
        return 2
    span = x1 - x0 + 1
    columns = min(IMAGE_COLUMNS, span)
    series = _series(schedules)
    envelopes = _envelopes(series, x0, x1, columns, args.log_y, (args.start is None, args.stop is None))
    fig, ax = plt.subplots(figsize=(10, 5), dpi=100)
    for env, (schedule, column) in zip(envelopes, series):
        present = ~np.isnan(env.low)
        cols = np.flatnonzero(present)
        if columns == span:  # one iteration per column: draw the exact steps
            xs = x0 + cols
            ax.step(xs, env.low[cols], where="post", label=_label(schedule, column), linewidth=1.2)
        else:  # envelope: a vertical min..max segment per column keeps spikes and drops visible
            xs = x0 + (cols * span) / columns
            ys = np.column_stack([env.low[cols], env.high[cols]]).reshape(-1)
            ax.plot(np.repeat(xs, 2), ys, label=_label(schedule, column), linewidth=1.2)
    if args.resume_from is not None:
        ax.axvline(args.resume_from, color="black", linestyle="--", linewidth=1, label=f"resume at {args.resume_from}")
    if args.log_y:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("learning rate")
    ax.set_xlim(x0, x1)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    image = io.BytesIO()
    try:
        fig.savefig(image, format=Path(args.output).suffix.lower().lstrip("."))
        atomic_write(args.output, image.getvalue(), force=args.force)
    except WriteRefused as exc:
        print(f"cfgtools plot: {exc}", file=sys.stderr)
        return 2
    finally:
        plt.close(fig)
    print(args.output)
    return 0
