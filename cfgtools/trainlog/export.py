"""Write a log's rows as CSV, TSV or JSON, for people's own plots.

One row per logged iteration, streamed (constant memory), with the columns
:data:`COLUMNS`: the numbers the program printed, the schedule's rate for the
same iteration when a schedule is given (``expected_rate``, ``rate_agrees`` at
the log's print precision), the run (``segment``) and the events logged since
the previous row (``event``, kinds separated by ``;``: ``resume``,
``loading-weights``, ``checkpoint-saved``, ... and ``loss-nan``/``loss-inf``
for a non-finite loss). Empty cells (JSON ``null``) where the program printed
no such number. CSV/TSV write NaN and infinities as ``nan``/``inf``/``-inf``;
JSON, which has no such numbers, writes ``null`` and says so in ``event``.
"""

from __future__ import annotations

import csv
import json
import math
from typing import Any, TextIO

from cfgtools.schedule.model import Schedule
from cfgtools.trainlog.compare import RateComparator, ScheduleFor
from cfgtools.trainlog.model import Row
from cfgtools.trainlog.precision import agree
from cfgtools.trainlog.segments import Segmenter
from cfgtools.trainlog.source import TrainingLog

COLUMNS = (
    "line", "segment", "iteration", "loss", "avg_loss", "rate", "expected_rate", "rate_agrees", "seconds", "images",
    "epoch", "test_outputs", "event",
)
FORMATS = ("csv", "tsv", "json")


def export_rows(log: TrainingLog, out: TextIO, fmt: str = "csv",
                schedule: Schedule | ScheduleFor | None = None) -> int:
    """Write every row of ``log`` to ``out`` in ``fmt`` (csv, tsv, json); return the number of rows."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    if isinstance(schedule, Schedule):
        fixed = schedule
        schedule_for: ScheduleFor | None = lambda segment: fixed  # noqa: E731
    else:
        schedule_for = schedule
    writer = _JsonWriter(out) if fmt == "json" else _DelimitedWriter(out, "\t" if fmt == "tsv" else ",")
    segmenter = Segmenter()
    comparator = RateComparator(segmenter.segments, schedule_for, on_chunk=writer.write, framework=log.framework)
    for row in segmenter.rows(log.records()):
        comparator.add(row)
    comparator.flush()
    writer.close()
    return writer.count


def _events(row: Row) -> list[str]:
    kinds = [event.kind for event in row.events]
    loss = row.loss
    if loss is not None and not math.isfinite(loss):
        kinds.append("loss-nan" if math.isnan(loss) else "loss-inf")
    return kinds


def _agreement(rows: list[Row], expected: list[float | None]) -> list[bool | None]:
    result: list[bool | None] = [None] * len(rows)
    known = [i for i, value in enumerate(expected) if value is not None and rows[i].precision is not None]
    if known:
        precision = rows[known[0]].precision
        assert precision is not None
        agrees = agree([rows[i].rate for i in known], [expected[i] for i in known], precision)
        for i, value in zip(known, agrees.tolist()):
            result[i] = value
    return result


def _record(row: Row, expected: float | None, agrees: bool | None) -> dict[str, Any]:
    return {
        "line": row.line,
        "segment": row.segment,
        "iteration": row.iteration,
        "loss": row.loss,
        "avg_loss": row.avg_loss,
        "rate": row.rate,
        "expected_rate": expected,
        "rate_agrees": agrees,
        "seconds": row.seconds,
        "images": row.images,
        "epoch": row.epoch,
        "test_outputs": ";".join(f"{output.label}={output.value!r}" for output in row.test_outputs),
        "event": ";".join(_events(row)),
    }


class _DelimitedWriter:
    def __init__(self, out: TextIO, delimiter: str):
        self.writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        self.writer.writerow(COLUMNS)
        self.count = 0

    def write(self, rows: list[Row], expected: list[float | None]) -> None:
        for row, value, agrees in zip(rows, expected, _agreement(rows, expected)):
            record = _record(row, value, agrees)
            self.writer.writerow([_cell(record[name]) for name in COLUMNS])
        self.count += len(rows)

    def close(self) -> None:
        pass


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


class _JsonWriter:
    """A JSON array written one object at a time."""

    def __init__(self, out: TextIO):
        self.out = out
        self.count = 0
        out.write("[")

    def write(self, rows: list[Row], expected: list[float | None]) -> None:
        for row, value, agrees in zip(rows, expected, _agreement(rows, expected)):
            record = {key: (None if isinstance(v, float) and not math.isfinite(v) else v)
                      for key, v in _record(row, value, agrees).items()}
            self.out.write(("\n" if self.count == 0 else ",\n") + json.dumps(record, allow_nan=False))
            self.count += 1

    def close(self) -> None:
        self.out.write("\n]\n" if self.count else "]\n")

