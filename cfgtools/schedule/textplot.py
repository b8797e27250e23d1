"""A plain-text plot of learning-rate schedules (no plotting library needed).

Long schedules are reduced to one (min, max) pair per output column
(:class:`Envelope`), computed chunk by chunk, so a one-iteration spike or a
step drop stays visible however many iterations share a column. Each series
draws a vertical bar from its column minimum to its maximum with its own
marker character. Pure functions: the output is a string.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

MARKERS = "*o+x#@%&"
#: a log axis starts at this fraction of the peak rate: a burn-in from rate(1) = lr * (1/burn_in)**4
#: reaches 1e-15 of the peak, and drawing down to it would squeeze the useful range into a corner
LOG_FLOOR = 1e-6
#: iterations evaluated per curve at most; a longer schedule is drawn from every k-th iteration
MAX_POINTS = 1 << 22
#: characters reserved for the lr tick labels ("%.3g" needs at most 9, e.g. -1.23e-05)
LABEL_WIDTH = 9


def stride(x0: int, x1: int) -> int:
    """Draw every k-th iteration of ``x0..x1``, so that no curve costs more than ``MAX_POINTS`` rates."""
    return max(1, -(-(x1 - x0 + 1) // MAX_POINTS))


def columns_for(width: int = 80) -> int:
    """How many plot columns fit in ``width`` characters (labels, axis, one spare)."""
    return max(10, width - LABEL_WIDTH - 3)


@dataclass
class Envelope:
    """Per-column min/max of one series over the x range ``[x0, x1]`` split into ``columns``."""

    x0: int
    x1: int
    columns: int
    label: str = ""
    low: np.ndarray = field(init=False)
    high: np.ndarray = field(init=False)
    #: iterations whose rate was NaN or infinite (or <= 0 on a log axis) and could not be drawn
    skipped: int = 0
    #: iterations whose positive rate was below the floor of a log axis (not drawn, so the useful range fills it)
    below_floor: int = 0

    def __post_init__(self) -> None:
        self.low = np.full(self.columns, np.nan)
        self.high = np.full(self.columns, np.nan)

    def column_of(self, iters: np.ndarray) -> np.ndarray:
        span = max(self.x1 - self.x0 + 1, 1)
        return ((iters - self.x0) * self.columns // span).astype(np.int64)

    def add(self, iters: np.ndarray, values: np.ndarray, log_y: bool = False, floor: float = 0.0) -> None:
        """Fold a chunk of sorted iterations and their rates into the envelope.

        On a log axis, positive rates below ``floor`` are counted in
        :attr:`below_floor` and not drawn.
        """
        iters = np.asarray(iters, dtype=np.int64)
        values = np.asarray(values, dtype=np.float64)
        keep = (iters >= self.x0) & (iters <= self.x1)
        iters, values = iters[keep], values[keep]
        good = np.isfinite(values) & ((values > 0) if log_y else True)
        self.skipped += int((~good).sum())
        iters, values = iters[good], values[good]
        if log_y and floor > 0:
            high = values >= floor
            self.below_floor += int((~high).sum())
            iters, values = iters[high], values[high]
        if not iters.size:
            return
        cols = self.column_of(iters)
        starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])
        which = cols[starts]
        lo = np.minimum.reduceat(values, starts)
        hi = np.maximum.reduceat(values, starts)
        self.low[which] = np.fmin(self.low[which], lo)
        self.high[which] = np.fmax(self.high[which], hi)


def _fmt(value: float) -> str:
    text = f"{value:.3g}"
    return text.replace("e-0", "e-").replace("e+0", "e+")


def _y_ticks(lo: float, hi: float, log_y: bool, count: int = 5) -> list[float]:
    if log_y:
        a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        decades = [10.0 ** k for k in range(a, b + 1) if lo <= 10.0 ** k <= hi]
        if len(decades) >= 2:
            step = max(1, math.ceil(len(decades) / count))
            chosen = decades[::step]
            if math.log10(hi) - math.log10(chosen[-1]) > 0.3:
                chosen.append(hi)  # label the top of the data too
            return chosen
        return [10 ** v for v in np.linspace(math.log10(lo), math.log10(hi), 3)]
    return list(np.linspace(lo, hi, count))


def _x_ticks(x0: int, x1: int, count: int = 5) -> list[int]:
    """Round iteration values (multiples of 1, 2 or 5 x 10^k) between x0 and x1, ends included."""
    span = max(x1 - x0, 1)
    raw = span / count
    magnitude = 10 ** max(0, math.floor(math.log10(raw))) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = -(-x0 // step) * step
    values = [x0] + [v for v in range(first, x1 + 1, step) if v != x0]
    if values[-1] != x1:
        values.append(x1)
    return values


def _fill_gaps(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns between two iterations (fewer iterations than columns) hold the previous value."""
    low, high = low.copy(), high.copy()
    present = np.flatnonzero(~np.isnan(low))
    if present.size:
        idx = np.arange(low.size)
        prev = np.maximum.accumulate(np.where(~np.isnan(low), idx, -1))
        inside = (idx >= present[0]) & (idx <= present[-1]) & np.isnan(low)
        low[inside] = low[prev[inside]]
        high[inside] = high[prev[inside]]
    return low, high


def render(
    envelopes: list[Envelope],
    width: int = 80,
    height: int = 20,
    log_y: bool = False,
    vlines: list[tuple[int, str, str]] | None = None,
    title: str = "",
    floor: float = 0.0,
) -> str:
    """Draw the envelopes (all sharing x0/x1/columns) on one text canvas.

    ``vlines``: ``(iteration, marker, legend text)`` of vertical marks (a
    resume); ``floor``: the bottom of a log axis, said in the legend when
    rates below it were left out.
    """
    if not envelopes:
        return "(nothing to plot)\n"
    x0, x1 = envelopes[0].x0, envelopes[0].x1
    lows = np.concatenate([e.low for e in envelopes])
    highs = np.concatenate([e.high for e in envelopes])
    if np.all(np.isnan(lows)):
        lines = [title] if title else []
        lines.append("(no finite learning rates to plot)")
        lines += [f"  {MARKERS[k % len(MARKERS)]} {e.label}" for k, e in enumerate(envelopes)]
        return "\n".join(lines) + "\n"
    y_lo, y_hi = float(np.nanmin(lows)), float(np.nanmax(highs))
    if log_y:
        t_lo, t_hi = math.log10(y_lo), math.log10(y_hi)
    else:
        t_lo, t_hi = y_lo, y_hi
        if y_lo > 0 and y_lo < 0.2 * y_hi:
            t_lo = 0.0  # anchor linear plots at 0 when the data gets close
    if t_hi == t_lo:
        pad = abs(t_hi) * 0.1 or 1.0
        t_lo, t_hi = t_lo - pad, t_hi + pad

    def to_t(v):
        return np.log10(v) if log_y else v

    ticks = _y_ticks(10 ** t_lo if log_y else t_lo, 10 ** t_hi if log_y else t_hi, log_y)
    labels = [_fmt(t) for t in ticks]
    label_width = max([LABEL_WIDTH] + [len(s) for s in labels])
    columns = envelopes[0].columns
    plot_width = columns
    rows = max(4, height)

    def row_of(t: np.ndarray) -> np.ndarray:
        r = (t_hi - t) / (t_hi - t_lo) * (rows - 1)
        return np.clip(np.rint(r), 0, rows - 1).astype(int)

    grid = [[" "] * plot_width for _ in range(rows)]
    for x, mark, _ in vlines or []:
        if x0 <= x <= x1:
            c = int((x - x0) * columns // max(x1 - x0 + 1, 1))
            if c < plot_width:
                for r in range(rows):
                    grid[r][c] = mark
    for k, env in enumerate(envelopes):
        marker = MARKERS[k % len(MARKERS)]
        low, high = env.low, env.high
        if env.x1 - env.x0 + 1 < columns:
            low, high = _fill_gaps(low, high)
        present = ~np.isnan(low)
        top = row_of(to_t(np.where(present, high, y_hi)))
        bottom = row_of(to_t(np.where(present, low, y_hi)))
        for c in np.flatnonzero(present):
            if c > 0 and present[c - 1]:  # connect to the previous column like a line
                if bottom[c - 1] < top[c] - 1:
                    top[c] = bottom[c - 1] + 1
                elif top[c - 1] > bottom[c] + 1:
                    bottom[c] = top[c - 1] - 1
            for r in range(top[c], bottom[c] + 1):
                grid[r][c] = marker

    tick_rows = {int(row_of(np.array([to_t(t)]))[0]): lab for t, lab in zip(ticks, labels)}
    out = []
    if title:
        out.append(title)
    for r in range(rows):
        lab = tick_rows.get(r, "")
        axis = "+" if r in tick_rows else "|"
        out.append(f"{lab:>{label_width}} {axis}{''.join(grid[r])}".rstrip())
    # x axis: round tick values at their columns
    span = x1 - x0 + 1
    axis = ["-"] * plot_width
    label_line = [" "] * (label_width + 2 + plot_width + 12)
    last_end = -1
    for value in _x_ticks(x0, x1):
        c = min(plot_width - 1, int((value - x0) * columns // max(span, 1)))
        text = str(value)
        start = max(0, label_width + 2 + c - len(text) // 2)
        start = min(start, label_width + 2 + plot_width - len(text))  # stay inside the width
        if start <= last_end + 1:
            continue
        axis[c] = "+"
        for j, ch in enumerate(text):
            if start + j < len(label_line):
                label_line[start + j] = ch
        last_end = start + len(text) - 1
    out.append(" " * label_width + " +" + "".join(axis))
    out.append("".join(label_line).rstrip())
    out.append(" " * (label_width + 2) + ("iteration" + ("   (log scale lr)" if log_y else "")))
    for k, env in enumerate(envelopes):
        out.append(f"  {MARKERS[k % len(MARKERS)]} {env.label}{not_drawn(env, log_y, floor)}")
    for _, mark, text in vlines or []:
        out.append(f"  {mark} {text}")
    return "\n".join(out) + "\n"


def not_drawn(env: Envelope, log_y: bool, floor: float) -> str:
    """What of a series is not drawn, for its legend entry ("" when everything is)."""
    parts = []
    if env.skipped:
        parts.append(f"{env.skipped} value(s) not drawn: nan/inf{'/<=0' if log_y else ''}")
    if env.below_floor:
        parts.append(f"{env.below_floor} value(s) below {_fmt(floor)} ({_fmt(LOG_FLOOR)} of the peak) not drawn")
    return f"  ({'; '.join(parts)})" if parts else ""
