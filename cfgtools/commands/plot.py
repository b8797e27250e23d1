"""``cfgtools plot FILE...``: overlay the learning-rate schedules of several files.

Without ``-o`` a text plot is written to stdout (80 columns, no extra
dependency); with ``-o out.png|svg|pdf`` matplotlib draws the figure. Long
schedules are reduced to a per-column min/max envelope so spikes and step
drops stay visible; a schedule of more than ``textplot.MAX_POINTS`` iterations is
drawn from every k-th one (said in a note), so a plot never costs more than
that whatever max_batches says.

A log axis starts at ``LOG_FLOOR`` of the peak rate (the legend counts what
lies below). ``--resume-from N`` marks the resume and the jump of the rate
there; with ``--previous OLD`` the resumed run is drawn as darknet or Caffe
runs it: OLD's schedule up to the checkpoint, FILE's after it (Caffe's
restored multistep index included). A schedule with one lr per parameter
group (ultralytics) draws one curve per group. ``--log TRAIN.log`` draws a
training log instead (``cfgtools.commands._logplot``).
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cfgtools.commands._args import bounded_int, iteration
from cfgtools.commands._logplot import plot_log
from cfgtools.commands._output import save_figure
from cfgtools.commands.schedule import add_common_arguments, load_schedule
from cfgtools.errors import LocatedError
from cfgtools.schedule.evaluate import iter_chunks, rate_at
from cfgtools.schedule.model import Schedule, ScheduleError
from cfgtools.schedule.textplot import LOG_FLOOR, Envelope, columns_for, not_drawn, render, stride
from cfgtools.values import one_line, printable

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
                        help="mark a resume from a checkpoint of iteration N, and the jump of the rate there")
    parser.add_argument("--previous", metavar="OLD",
                        help="with --resume-from and one FILE: the config the checkpoint was trained with; "
                        "draws the resumed run (OLD up to N, FILE after)")
    parser.add_argument("--log-y", action="store_true", help="logarithmic lr axis")
    parser.add_argument("--from", dest="start", type=iteration, metavar="N", help="first iteration to plot")
    parser.add_argument("--to", dest="stop", type=iteration, metavar="N", help="last iteration to plot")
    parser.add_argument("--width", type=bounded_int(20, 1000), default=80, help="text plot width in characters (default 80)")
    parser.add_argument("--height", type=bounded_int(5, 500), default=20, help="text plot height in rows (default 20)")
    add_common_arguments(parser)


@dataclass
class Series:
    """What one curve draws: a schedule's rate, one of its groups' lr (``column``, ultralytics' ``lr_pg0``...),
    or a resumed run (``old`` up to ``resume`` updates, ``schedule`` after)."""

    schedule: Schedule
    label: str
    column: str | None = None
    old: Schedule | None = None
    resume: int | None = None
    state: object = None  #: what the checkpoint restores besides the iteration (Caffe's multistep index)

    @property
    def first(self) -> int:
        return (self.old or self.schedule).first_update

    @property
    def last(self) -> int:
        return self.schedule.last_update

    def chunks(self, start: int, stop: int, every: int):
        """``(iterations, rates)`` from ``start`` to ``stop`` (every ``every``-th), as this run trains."""
        if self.old is None:
            yield from iter_chunks(self.schedule, start, stop, every=every)
            return
        boundary = self.schedule.first_update + self.resume  # the first update after resuming
        if start < boundary:
            yield from iter_chunks(self.old, start, min(stop, boundary - 1), every=every)
        after = max(start, boundary)
        after += -(after - start) % every  # stay on the same grid of iterations
        if after <= stop:
            yield from iter_chunks(self.schedule, after, stop, every=every, resume=(self.resume, self.state))

    def jump(self) -> tuple[float, float] | None:
        """The rates of the last update before the checkpoint and the first after it (None at 0)."""
        if self.resume is None or self.resume < 1:
            return None
        old = self.old or self.schedule
        first = self.schedule.first_update
        state = self.state if self.old is not None else old.arithmetic.state_after(old, self.resume)
        before = rate_at(old, first + self.resume - 1)
        after = rate_at(self.schedule, first + self.resume, resume=(self.resume, state))
        return before, after


def _group_columns(schedule: Schedule) -> list[str]:
    """The per-group lr columns of a schedule that has them (ultralytics' ``lr_pg0``...), else none."""
    return [name for name in schedule.arithmetic.column_names(schedule) if name.startswith("lr_")]


def _label(schedule: Schedule, column: str | None = None) -> str:
    name = Path(schedule.source).name or schedule.source
    extra = schedule.framework + (f"/{schedule.dialect}" if schedule.dialect else "")
    if schedule.gpus != 1:
        extra += f", x{schedule.gpus} GPUs"
    if column is not None:
        return printable(f"{name} {column.removeprefix('lr_')} ({extra})")
    return printable(f"{name} ({extra}, {schedule.policy.kind})")


def _jump_text(series: Series, at: int) -> str:
    """The resume mark's legend entry, with the jump of the rate there."""
    text = f"resume at iteration {at}"
    jump = series.jump()
    if jump is None:
        return text
    before, after = jump
    if before == after:
        return f"{text}: the rate stays {before:.3g}"
    if before > 0 and after > 0 and math.isfinite(before) and math.isfinite(after):
        change = f"x{after / before:.3g}" if after > before else f"/{before / after:.3g}"
        return f"{text}: the rate jumps {change}, from {before:.3g} to {after:.3g}"
    return f"{text}: the rate goes from {before:.3g} to {after:.3g}"


def _series_chunks(series: list[Series], x0: int, x1: int, every: int, clip: tuple[bool, bool] = (True, True)):
    """``(index, iterations, rates)`` of every series over ``x0..x1``, each over its own updates unless a
    bound was given (``clip``). A schedule's group columns are computed once per chunk for all its groups."""
    groups: dict[int, list[int]] = {}
    for index, one in enumerate(series):
        if one.column is not None:
            groups.setdefault(id(one.schedule), []).append(index)
            continue
        first = max(x0, one.first) if clip[0] else x0
        last = min(x1, one.last) if clip[1] else x1
        for iters, lrs in one.chunks(first, last, every) if last >= first else ():
            yield index, iters, lrs
    for indexes in groups.values():
        schedule = series[indexes[0]].schedule
        first, last = max(x0, schedule.first_update), min(x1, schedule.last_update)
        span = (1 << 16) * every
        for start in range(first, last + 1, span):
            iters = np.arange(start, min(last + 1, start + span), every, dtype=np.int64)
            values = schedule.arithmetic.columns(schedule, iters)
            for index in indexes:
                yield index, iters, np.asarray(values[series[index].column])


def _peak(series: list[Series], x0: int, x1: int, every: int) -> float:
    """The highest finite rate drawn (a first pass, for the floor of a log axis)."""
    peak = 0.0
    for _, _, lrs in _series_chunks(series, x0, x1, every):
        finite = lrs[np.isfinite(lrs)]
        if finite.size:
            peak = max(peak, float(finite.max()))
    return peak


def _envelopes(series: list[Series], x0: int, x1: int, columns: int, log_y: bool, every: int,
               floor: float, clip: tuple[bool, bool] = (True, True)) -> list[Envelope]:
    """One envelope per series; each is drawn over its own updates unless a bound was given (``clip``)."""
    result = [Envelope(x0=x0, x1=x1, columns=columns, label=one.label) for one in series]
    for index, iters, lrs in _series_chunks(series, x0, x1, every, clip):
        result[index].add(iters, lrs, log_y=log_y, floor=floor)
    return result


def _load(args: argparse.Namespace) -> tuple[list[Series], int]:
    """The series to draw, and 2 when a file could not be read (the others are still drawn)."""
    status = 0
    series = []
    for name in args.files:
        try:
            loaded, schedule, options = load_schedule(name, args)
        except LocatedError as exc:
            print(exc.format(), file=sys.stderr)
            status = 2
            continue
        for note in loaded.framework.schedule_notes(schedule, options):
            print(printable(f"note: {name}: {note}"), file=sys.stderr)
        series += [Series(schedule=schedule, label=_label(schedule, column), column=column, resume=args.resume_from)
                   for column in _group_columns(schedule) or [None]]
    if args.previous is not None and series:
        new = series[0]
        if new.column is not None:
            print("cfgtools plot: error: --previous draws one rate; this schedule has one per parameter group",
                  file=sys.stderr)
            return [], 2
        try:
            _, old, _ = load_schedule(args.previous, args)
        except LocatedError as exc:
            print(exc.format(), file=sys.stderr)
            return [], 2
        new.old, new.state = old, old.arithmetic.state_after(old, args.resume_from)
        new.label = printable(f"resumed run: {Path(args.previous).name} up to {args.resume_from} updates, "
                              f"{Path(new.schedule.source).name} after ({new.schedule.policy.kind})")
    return series, status


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
    if args.previous is not None and (args.resume_from is None or len(args.files) != 1):
        print("cfgtools plot: error: --previous needs --resume-from N and exactly one FILE", file=sys.stderr)
        return 2
    series, status = _load(args)
    if not series:
        return 2
    x0 = args.start if args.start is not None else min(s.first for s in series)
    x1 = args.stop if args.stop is not None else max(s.last for s in series)
    if x1 < x0:
        print("cfgtools plot: error: empty iteration range (no max_batches/max_iter? use --to N)", file=sys.stderr)
        return 2
    try:
        return _draw(series, x0, x1, args) or status
    except ScheduleError as exc:  # a rate the framework never computes in the range (an SGDR loop that never ends)
        print(exc.format(), file=sys.stderr)
        return 2


def _draw(series: list[Series], x0: int, x1: int, args: argparse.Namespace) -> int:
    """The plot of ``series`` over ``x0..x1``, as text on stdout or as the ``-o`` image; nonzero on failure."""
    every = stride(x0, x1)
    if every > 1:
        print(f"note: {x1 - x0 + 1} iterations: drawn from every {every}th (a spike between two is not seen)",
              file=sys.stderr)
    floor = LOG_FLOOR * _peak(series, x0, x1, every) if args.log_y else 0.0
    clip = (args.start is None, args.stop is None)
    marks = []
    if args.resume_from is not None:
        marks = [(args.resume_from, "|", _jump_text(series[0], args.resume_from))]
    if args.output:
        return _image(series, x0, x1, args, every, floor, marks)
    envelopes = _envelopes(series, x0, x1, columns_for(args.width), args.log_y, every, floor, clip)
    title = "learning rate" + (" (log)" if args.log_y else "")
    sys.stdout.write(render(envelopes, width=args.width, height=args.height, log_y=args.log_y,
                            vlines=marks, title=title, floor=floor))
    return 0


def _image(series: list[Series], x0: int, x1: int, args, every: int, floor: float, marks) -> int:
    try:  # lazy: matplotlib is an optional extra, needed only for image output
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is needed for -o: pip install 'cfgtools[plot]'", file=sys.stderr)
        return 2
    span = x1 - x0 + 1
    columns = min(IMAGE_COLUMNS, -(-span // every))
    envelopes = _envelopes(series, x0, x1, columns, args.log_y, every, floor, (args.start is None, args.stop is None))
    fig, ax = plt.subplots(figsize=(10, 5), dpi=100)
    notes = [env.label + not_drawn(env, args.log_y, floor) for env in envelopes
             if not_drawn(env, args.log_y, floor)]
    for env in envelopes:
        present = ~np.isnan(env.low)
        cols = np.flatnonzero(present)
        label = env.label
        if columns == span:  # one iteration per column: draw the exact steps
            xs = x0 + cols
            ax.step(xs, env.low[cols], where="post", label=label, linewidth=1.2)
        else:  # envelope: a vertical min..max segment per column keeps spikes and drops visible
            xs = x0 + (cols * span) / columns
            ys = np.column_stack([env.low[cols], env.high[cols]]).reshape(-1)
            ax.plot(np.repeat(xs, 2), ys, label=label, linewidth=1.2)
    for x, _, text in marks:
        ax.axvline(x, color="black", linestyle="--", linewidth=1, label=one_line(text))
        jump = series[0].jump()
        if jump is not None and all(math.isfinite(v) and (v > 0 or not args.log_y) for v in jump):
            ax.annotate("", xy=(x, jump[1]), xytext=(x, jump[0]),
                        arrowprops={"arrowstyle": "->", "color": "red", "linewidth": 1.5})
    if args.log_y:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("learning rate")
    ax.set_xlim(x0, x1)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    if notes:  # below the axes: what the legend would not hold
        fig.text(0.01, 0.01, "\n".join(notes), fontsize="x-small", va="bottom")
    fig.tight_layout(rect=(0, 0.04 * len(notes), 1, 1))
    return save_figure(fig, args.output, args.force)
