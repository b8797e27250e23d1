"""``cfgtools plot --log TRAIN.log [CFG]``: the loss and the rate of a training log over its iterations.

Two panels on one iteration axis: the loss (and darknet's avg loss) above,
the rate below (as logged, and the config's exact rate at the same
iterations: where they differ both show); the analysis' findings (a NaN
loss, a resume, the loss returning, the first rate that disagrees, ...) are
marked at their iterations. Without ``-o`` a text plot (no extra
dependency); with ``-o out.png|svg|pdf`` matplotlib draws the same two
panels. The CFG is optional: a Caffe log is compared with the solver it
printed; a darknet log without its cfg shows the logged rate only.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

from cfgtools.commands._args import dialects_of
from cfgtools.commands._output import save_figure
from cfgtools.errors import InputError
from cfgtools.loading import load
from cfgtools.logs import read_log
from cfgtools.plugin import RunOptions
from cfgtools.schedule.textplot import LABEL_WIDTH, Envelope, columns_for
from cfgtools.trainlog.series import Event, LogSeries, iteration_range, log_events, log_series
from cfgtools.values import printable

#: envelope columns of an image (about one per pixel of a 10-inch figure at 200 dpi)
IMAGE_COLUMNS = 2000
EMPTY_RANGE = "cfgtools plot: error: empty iteration range (--from is after --to, or outside the log)"
#: a series with fewer points than this is drawn with a dot at each
FEW_POINTS = 50
#: the marks of each panel's series, in drawing order (the later one wins a shared cell)
LOSS_MARKS = (("avg_loss", "o"), ("loss", "*"))
RATE_MARKS = (("expected", "o"), ("rate", "*"))


def plot_log(args: argparse.Namespace) -> int:
    """Draw ``args.log`` (with ``args.files``: at most one config); 0, or 2 after one line on stderr."""
    if len(args.files) > 1:
        print("cfgtools plot: error: --log takes at most one config: the one the run trained with", file=sys.stderr)
        return 2
    if args.start is not None and args.stop is not None and args.stop < args.start:
        print(EMPTY_RANGE, file=sys.stderr)
        return 2
    try:
        config = load(args.files[0], dialects_of(args)) if args.files else None
        reading = read_log(args.log, config, RunOptions(gpus=args.gpus, seed=args.seed), dialects=dialects_of(args))
        if reading.unchecked is not None:
            print(f"cfgtools plot: note: {printable(args.log)}: the config's rate is not drawn: "
                  f"{printable(reading.unchecked)}", file=sys.stderr)
        bounds = iteration_range(reading.report)
        if bounds is None:
            print(f"{printable(args.log)}:1:1: no iteration line to plot", file=sys.stderr)
            return 2
        x0 = args.start if args.start is not None else bounds[0]
        x1 = args.stop if args.stop is not None else bounds[1]
        if x1 < x0:
            print(EMPTY_RANGE, file=sys.stderr)
            return 2
        columns = min(IMAGE_COLUMNS, x1 - x0 + 1) if args.output else columns_for(args.width)
        series = log_series(reading.log, reading.schedule, x0, x1, columns, args.log_y)
    except InputError as exc:
        print(exc.format(), file=sys.stderr)
        return 2
    events = [event for event in log_events(reading.report) if x0 <= event.iteration <= x1]
    title = f"{Path(args.log).name}: {reading.report.framework} log" + (
        f", checked against {reading.against}" if reading.unchecked is None else "")
    if args.output:
        return _image(series, events, title, args)
    sys.stdout.write(render_text(series, events, args.width, args.height, args.log_y, printable(title)))
    return 0


# ----------------------------------------------------------------------------- text


def _fmt(value: float) -> str:
    return f"{value:.3g}".replace("e-0", "e-").replace("e+0", "e+")


class _Panel:
    """One panel of the text plot: its envelopes with their marks, on ``rows`` text rows."""

    def __init__(self, name: str, envelopes: list[tuple[Envelope, str]], rows: int, log_y: bool):
        self.name = name
        self.envelopes = [(envelope, mark) for envelope, mark in envelopes if not np.all(np.isnan(envelope.low))]
        self.skipped = [(envelope, mark) for envelope, mark in envelopes if envelope.skipped]
        self.rows = rows
        self.log_y = log_y
        self.low = self.high = math.nan
        if self.envelopes:
            self.low = float(np.nanmin(np.concatenate([e.low for e, _ in self.envelopes])))
            self.high = float(np.nanmax(np.concatenate([e.high for e, _ in self.envelopes])))
        t_low, t_high = self._t(self.low), self._t(self.high)
        if not log_y and 0 < self.low < 0.2 * self.high:
            t_low = 0.0  # a linear axis that comes close to 0 starts at 0
        if t_high == t_low:
            pad = abs(t_high) * 0.1 or 1.0
            t_low, t_high = t_low - pad, t_high + pad
        self.t_low, self.t_high = t_low, t_high

    def _t(self, value):
        return np.log10(value) if self.log_y else value

    def row_of(self, values: np.ndarray) -> np.ndarray:
        fraction = (self.t_high - self._t(values)) / (self.t_high - self.t_low)
        return np.clip(np.rint(fraction * (self.rows - 1)), 0, self.rows - 1).astype(int)

    def labels(self) -> dict[int, str]:
        """Tick labels by row: the top, the middle and the bottom of the axis."""
        if not self.envelopes:
            return {}
        ticks = np.linspace(self.t_low, self.t_high, 3)
        values = 10.0 ** ticks if self.log_y else ticks
        return {int(self.row_of(np.array([value]))[0]): _fmt(float(value)) for value in values}

    def grid(self, columns: int, event_columns: set[int]) -> list[list[str]]:
        grid = [[" "] * columns for _ in range(self.rows)]
        for envelope, mark in self.envelopes:
            present = ~np.isnan(envelope.low)
            top = self.row_of(np.where(present, envelope.high, self.high))
            bottom = self.row_of(np.where(present, envelope.low, self.high))
            for column in np.flatnonzero(present):
                if column > 0 and present[column - 1]:  # join the previous column like a line
                    if bottom[column - 1] < top[column] - 1:
                        top[column] = bottom[column - 1] + 1
                    elif top[column - 1] > bottom[column] + 1:
                        bottom[column] = top[column - 1] - 1
                for row in range(top[column], bottom[column] + 1):
                    grid[row][column] = mark
        for column in event_columns:
            for row in range(self.rows):
                if grid[row][column] == " ":
                    grid[row][column] = ":"
        return grid


def render_text(series: LogSeries, events: list[Event], width: int = 80, height: int = 20, log_y: bool = False,
                title: str = "") -> str:
    """The two panels, the iteration axis, the events' marks under it, and the legends."""
    columns = series.columns
    span = max(series.x1 - series.x0 + 1, 1)

    def column_of(iteration: int) -> int:
        return min(columns - 1, (iteration - series.x0) * columns // span)

    loss_rows = max(4, height // 2)
    panels = [
        _Panel("loss", [(getattr(series, name), mark) for name, mark in LOSS_MARKS], loss_rows, log_y),
        _Panel("learning rate", [(getattr(series, name), mark) for name, mark in RATE_MARKS],
               max(4, height - loss_rows), log_y),
    ]
    event_columns = {column_of(event.iteration) for event in events}
    label_width = max([LABEL_WIDTH] + [len(text) for panel in panels for text in panel.labels().values()])
    out = [title] if title else []
    for panel in panels:
        legend = "   ".join(f"{mark} {envelope.label}" for envelope, mark in reversed(panel.envelopes))
        out.append(f"{panel.name}{' (log scale)' if log_y else ''}: {legend or 'nothing to draw'}")
        if not panel.envelopes:
            continue
        labels = panel.labels()
        for row, cells in enumerate(panel.grid(columns, event_columns)):
            axis = "+" if row in labels else "|"
            out.append(f"{labels.get(row, ''):>{label_width}} {axis}{''.join(cells)}".rstrip())
    margin = " " * (label_width + 2)
    axis = ["-"] * columns
    ticks = [" "] * (columns + 12)
    for value in sorted({series.x0, (series.x0 + series.x1) // 2, series.x1}):
        column = column_of(value)
        axis[column] = "+"
        text = str(value)
        start = max(0, min(column - len(text) // 2, columns - len(text)))
        if all(cell == " " for cell in ticks[max(0, start - 1):start + len(text) + 1]):
            ticks[start:start + len(text)] = text
    out.append(" " * label_width + " +" + "".join(axis))
    out.append((margin + "".join(ticks)).rstrip())
    if events:
        strip = [" "] * columns
        for event in events:
            strip[column_of(event.iteration)] = event.mark
        out.append(f"{'events':>{label_width}}  " + "".join(strip).rstrip())
    out.append(margin + "iteration")
    for panel in panels:
        for envelope, mark in panel.skipped:
            out.append(f"  {mark} {envelope.label} ({panel.name}): {envelope.skipped} value(s) not drawn "
                       f"(nan/inf{'/<=0' if log_y else ''})")
    out += [f"  {event.mark} {event.label}" for event in events]
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- image


def _image(series: LogSeries, events: list[Event], title: str, args: argparse.Namespace) -> int:
    try:  # lazy: matplotlib is an optional extra, needed only for image output
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is needed for -o: pip install 'cfgtools[plot]'", file=sys.stderr)
        return 2
    figure, (loss_axes, rate_axes) = plt.subplots(2, 1, sharex=True, figsize=(10, 7), dpi=100)
    span = series.x1 - series.x0 + 1
    for axes, marks in ((loss_axes, LOSS_MARKS), (rate_axes, RATE_MARKS)):
        for name, _ in marks:
            _draw(axes, getattr(series, name), series.x0, span)
    for event in events:
        for axes in (loss_axes, rate_axes):
            axes.axvline(event.iteration, color="grey", linestyle=":", linewidth=1)
        loss_axes.annotate(event.mark, (event.iteration, 1.0), xycoords=("data", "axes fraction"),
                           ha="center", va="bottom", fontsize="small")
    for axes, label in ((loss_axes, "loss"), (rate_axes, "learning rate")):
        if args.log_y:
            axes.set_yscale("log")
        axes.set_ylabel(label)
        axes.grid(True, alpha=0.3)
        if axes.lines:
            axes.legend(loc="best", fontsize="small")
    rate_axes.set_xlabel("iteration" + ("; " + ", ".join(f"{e.mark}: {e.label}" for e in events[:4]) if events else ""))
    rate_axes.set_xlim(series.x0, series.x1)
    figure.suptitle(title, fontsize="medium")
    figure.tight_layout()
    return save_figure(figure, args.output, args.force)


def _draw(axes, envelope: Envelope, x0: int, span: int) -> None:
    """One series: its exact steps when every iteration has a column, else a min..max segment per column."""
    columns = np.flatnonzero(~np.isnan(envelope.low))
    if not columns.size:
        return
    marker = "." if columns.size < FEW_POINTS else None  # a lone value (before a NaN) stays visible
    if envelope.columns == span:
        axes.plot(x0 + columns, envelope.low[columns], label=envelope.label, linewidth=1.0, marker=marker)
        return
    xs = x0 + (columns * span) / envelope.columns
    ys = np.column_stack([envelope.low[columns], envelope.high[columns]]).reshape(-1)
    axes.plot(np.repeat(xs, 2), ys, label=envelope.label, linewidth=1.0, marker=marker)
