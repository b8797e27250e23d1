"""A log's loss and rates over its iterations, folded into plot columns, and its events, for ``plot --log``.

:func:`log_series` streams the rows once (constant memory) into per-column
envelopes (:class:`~cfgtools.schedule.textplot.Envelope`: the min and max of
the column, so a spike or a NaN's neighbourhood stays visible): the loss,
darknet's avg loss, the logged rate and the schedule's rate at the same
iterations. :func:`log_events` picks what to mark from the analysis'
findings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cfgtools.schedule.model import Schedule
from cfgtools.schedule.textplot import Envelope
from cfgtools.trainlog.analyse import LogReport
from cfgtools.trainlog.compare import RateComparator, ScheduleFor
from cfgtools.trainlog.findings import (
    LOSS_EXPLOSION,
    LOSS_NONFINITE,
    LOSS_RETURNED,
    RATE_DIFFERENT_CONFIG,
    RATE_GPU_MULTIPLIER,
    RATE_ITERATION_OFFSET,
    RATE_NEAR_ZERO,
    RATE_UNEXPLAINED,
    RUN_RESTARTED,
    RUN_RESUMED,
)
from cfgtools.trainlog.model import Row
from cfgtools.trainlog.precision import agree
from cfgtools.trainlog.segments import Segmenter
from cfgtools.trainlog.source import TrainingLog

#: the mark of each finding kind drawn on a plot (the others have no iteration to mark, or end the log)
EVENT_MARKS = {
    LOSS_NONFINITE: "N",
    LOSS_EXPLOSION: "X",
    LOSS_RETURNED: "L",
    RUN_RESUMED: "R",
    RUN_RESTARTED: "S",
    RATE_NEAR_ZERO: "Z",
    RATE_GPU_MULTIPLIER: "!",
    RATE_ITERATION_OFFSET: "!",
    RATE_DIFFERENT_CONFIG: "!",
    RATE_UNEXPLAINED: "!",
}
#: a log with hundreds of resumes would bury the plot: the first ones are marked
MAX_EVENTS = 20


@dataclass(frozen=True)
class Event:
    """A finding marked on the plot: its iteration, its mark, and a short label for the legend."""

    iteration: int
    mark: str
    label: str


@dataclass
class LogSeries:
    """The log's series over iterations ``x0..x1`` in ``columns`` columns (``log_y``: non-positive values left out)."""

    x0: int
    x1: int
    columns: int
    loss: Envelope
    avg_loss: Envelope
    rate: Envelope
    expected: Envelope
    log_y: bool = False
    rows: int = 0

    def add(self, rows: list[Row], expected: list[float | None]) -> None:
        """Fold one chunk of a run's rows (iterations increasing) with the schedule's rate of each."""
        self.rows += len(rows)
        iterations = np.fromiter((row.iteration for row in rows), dtype=np.int64, count=len(rows))
        if np.any(iterations[1:] <= iterations[:-1]):  # runs past MAX_SEGMENTS are merged into the last one
            order = np.argsort(iterations, kind="stable")
            iterations = iterations[order]
            rows = [rows[index] for index in order.tolist()]
            expected = [expected[index] for index in order.tolist()]
        for envelope, values in (
            (self.loss, [row.loss for row in rows]),
            (self.avg_loss, [row.avg_loss for row in rows]),
            (self.rate, [row.rate for row in rows]),
            (self.expected, _as_printed(rows, expected)),
        ):
            present = [index for index, value in enumerate(values) if value is not None]
            if present:
                envelope.add(iterations[present], np.array([values[index] for index in present], dtype=np.float64),
                             log_y=self.log_y)


def _as_printed(rows: list[Row], expected: list[float | None]) -> list[float | None]:
    """The schedule's rates, each replaced by the logged one where they agree at print precision.

    A plot then shows the two apart only where they disagree, not where the
    printed rounding of an agreeing rate falls on another text row or pixel.
    """
    both = [index for index, value in enumerate(expected) if value is not None and rows[index].rate is not None]
    if not both:
        return expected
    precision = rows[both[0]].precision
    if precision is None:
        return expected
    agrees = agree([rows[index].rate for index in both], [expected[index] for index in both], precision)
    drawn = list(expected)
    for index, same in zip(both, agrees.tolist()):
        if same:
            drawn[index] = rows[index].rate
    return drawn


def iteration_range(report: LogReport) -> tuple[int, int] | None:
    """The first and last logged iteration over every run (None: no row)."""
    if not report.segments:
        return None
    return (min(segment.first_iteration for segment in report.segments),
            max(segment.last_iteration for segment in report.segments))


def log_series(log: TrainingLog, schedule: Schedule | ScheduleFor | None, x0: int, x1: int, columns: int,
               log_y: bool = False) -> LogSeries:
    """Stream ``log``'s rows into envelopes over ``x0..x1`` (the expected rate from ``schedule``)."""

    def envelope(label: str) -> Envelope:
        return Envelope(x0=x0, x1=x1, columns=columns, label=label)

    series = LogSeries(x0, x1, columns, envelope("loss"), envelope("avg loss"), envelope("logged rate"),
                       envelope("config's rate"), log_y)
    if isinstance(schedule, Schedule):
        fixed = schedule
        schedule_for: ScheduleFor | None = lambda segment: fixed  # noqa: E731
    else:
        schedule_for = schedule
    segmenter = Segmenter()
    # the comparator hands over each run's rows in chunks, with the schedule's rate of every row
    comparator = RateComparator(segmenter.segments, schedule_for, on_chunk=series.add, framework=log.framework)
    for row in segmenter.rows(log.records()):
        comparator.add(row)
    comparator.flush()
    return series


def log_events(report: LogReport) -> list[Event]:
    """The findings to mark, by iteration (at most :data:`MAX_EVENTS`)."""
    found = []
    for finding in report.findings:
        mark = EVENT_MARKS.get(finding.kind)
        if mark is None or finding.iteration is None:
            continue
        found.append(Event(finding.iteration, mark, f"{finding.kind} at iteration {finding.iteration} "
                                                    f"(line {finding.line})"))
    found.sort(key=lambda event: event.iteration)
    return found[:MAX_EVENTS]
