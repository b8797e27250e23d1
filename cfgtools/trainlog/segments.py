"""Split a log into runs (segments): one per process that wrote to it, or per restart of the counter.

A log often holds several runs appended to one file: a first run, a resume
from its checkpoint, a ``-clear`` restart. A new segment starts

- at the first row after a run's start lines: darknet's ``Learning Rate:``
  header, Caffe's ``Initializing solver from parameters:``, or the weights
  lines before them (``Loading weights from``, ``Resuming from``,
  ``Finetuning from``);
- at a row whose iteration is not above the previous row's (a restart or a
  resume from an earlier checkpoint whose start lines are missing).

A segment is a ``start`` (from scratch, or fine-tuning from weights: darknet's
first row is 1, Caffe's 0), a ``resume`` (a checkpoint's iteration + 1 in
darknet, the snapshot's iteration in Caffe), or a ``restart`` (back at the
start after an earlier segment: ``-clear``, a fine-tune, a new run). A
forward jump inside a segment is an ``iteration-jump`` event, not a new run:
lines are missing (an excerpt, a log filtered with grep), or darknet trains on
several GPUs (pjreddie's ``sync_nets`` adds ``4 * (n - 1)`` batches to ``seen``
every 4 iterations: src/network.c:1078, 1111 at f6afaab).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from cfgtools.trainlog.model import (
    FINETUNING_FROM,
    ITERATION_JUMP,
    RATE_HEADER,
    RESTART,
    RESUME,
    RESUMING_FROM,
    RUN_START_KINDS,
    SOLVER,
    STEP_STATUS_KINDS,
    STOPPED_EARLY,
    TRAINING_DONE,
    WEIGHTS_KINDS,
    Event,
    Record,
    Row,
)

# Bounds that keep memory constant on hostile logs (real ones stay far below them):
#: the last events kept between two rows, and step status events (MultiStep, Plateau) kept per segment
MAX_EVENTS = 256
#: the last events before a segment's first row kept as its preamble (its start lines are the last ones)
MAX_PREAMBLE = 32
#: segments kept; later runs are counted into the last one
MAX_SEGMENTS = 256


@dataclass
class Segment:
    index: int
    kind: str  #: "start", "resume" or "restart"
    line: int  #: the line of its first row
    first_iteration: int
    last_iteration: int
    last_line: int
    #: the events logged between the previous segment's last row and this one's first row
    preamble: tuple[Event, ...] = ()
    rows: int = 0
    #: the usual difference between consecutive iterations (Caffe: ``display``)
    step: int | None = None
    #: forward jumps of the iteration counter
    jumps: int = 0
    #: runs after the :data:`MAX_SEGMENTS`-th, counted into this last segment
    merged_runs: int = 0
    #: the program said it finished (``Optimization Done.``, darknet's final weights)
    done: bool = False
    #: Caffe's ``Optimization stopped early.``
    stopped: bool = False
    #: Caffe's step status events of this run (MultiStep and SSD's Plateau Status lines)
    step_status: list[Event] = field(default_factory=list)
    #: the first and the last row with a rate: (iteration, rate, line)
    first_rate: tuple[int, float, int] | None = None
    last_rate: tuple[int, float, int] | None = None
    #: the previous segment's last row with a rate, for resume messages
    previous_rate: tuple[int, float, int] | None = None
    previous_last_iteration: int | None = None

    def event(self, kind: str) -> Event | None:
        """The last preamble event of ``kind``."""
        for event in reversed(self.preamble):
            if event.kind == kind:
                return event
        return None

    @property
    def solver_text(self) -> str | None:
        event = self.event(SOLVER)
        return None if event is None else event.detail

    @property
    def rate_header(self) -> Event | None:
        return self.event(RATE_HEADER)

    @property
    def weights(self) -> Event | None:
        """The line that says where the run's weights came from, if any."""
        for event in reversed(self.preamble):
            if event.kind in WEIGHTS_KINDS:
                return event
        return None


class Segmenter:
    """Assigns each row to a :class:`Segment` and attaches the events logged since the previous row.

    Use ``for row in segmenter.rows(records)``; ``segmenter.segments`` grows
    as rows come (a row's segment exists when the row is yielded);
    ``segmenter.trailing`` holds the events after the last row.
    """

    def __init__(self) -> None:
        self.segments: list[Segment] = []
        self.trailing: tuple[Event, ...] = ()

    def rows(self, records: Iterable[Record]) -> Iterator[Row]:
        events: deque[Event] = deque(maxlen=MAX_EVENTS)
        new_run = False
        current: Segment | None = None
        #: the first row of a log that starts above iteration 1, held until the next row tells
        #: a resume (101, 102, ...) from a fresh multi-GPU run (darknet on k GPUs prints k, 2k, ...)
        held: Row | None = None
        step_status: list[Event] = []
        for record in records:
            if type(record) is Event:
                kind = record.kind
                if kind in RUN_START_KINDS or kind in WEIGHTS_KINDS:
                    new_run = True
                elif kind in STEP_STATUS_KINDS:
                    # Caffe prints it among the lines of the iteration it belongs to, before that row is complete
                    if len(step_status) < MAX_EVENTS:
                        step_status.append(record)
                elif current is not None and not new_run:
                    if kind == TRAINING_DONE:
                        current.done = True
                    elif kind == STOPPED_EARLY:
                        current.stopped = True
                events.append(record)
                continue
            row: Row = record  # type: ignore[assignment]
            if current is not None and len(self.segments) >= MAX_SEGMENTS and (
                    new_run or row.iteration <= current.last_iteration):
                current.merged_runs += 1
                new_run = False
            elif current is None or new_run or row.iteration <= current.last_iteration:
                if held is not None:
                    yield held
                    held = None
                current = self._open(row, current, events)
                new_run = False
                if current.index == 0 and current.kind == "resume" and current.event(RESUMING_FROM) is None:
                    held = row
            else:
                difference = row.iteration - current.last_iteration
                if current.step is None:
                    current.step = difference
                    if held is not None and held.iteration == difference:
                        current.kind = "start"
                        held.events = tuple(event for event in held.events if event.kind != RESUME)
                elif difference > current.step:
                    current.jumps += 1
                    events.append(Event(ITERATION_JUMP, row.line, row.iteration))
            row.segment = current.index
            if step_status:
                current.step_status.extend(step_status[: MAX_EVENTS - len(current.step_status)])
                step_status = []
            if events:
                row.events = tuple(events)
                events.clear()
            current.last_iteration = row.iteration
            current.last_line = row.line
            current.rows += 1
            if row.rate is not None:
                current.last_rate = (row.iteration, row.rate, row.rate_line or row.line)
                if current.first_rate is None:
                    current.first_rate = current.last_rate
            if held is not None and held is not row:
                yield held
                held = None
            if held is None:
                yield row
        if held is not None:
            yield held
        self.trailing = tuple(events)

    def _open(self, row: Row, previous: Segment | None, events: deque[Event]) -> Segment:
        segment = Segment(
            index=len(self.segments), kind="start", line=row.line, first_iteration=row.iteration,
            last_iteration=row.iteration, last_line=row.line, preamble=tuple(events)[-MAX_PREAMBLE:],
        )
        if previous is not None:
            segment.previous_rate = previous.last_rate
            segment.previous_last_iteration = previous.last_iteration
        at_start = row.iteration <= 1
        if segment.event(RESUMING_FROM) is not None:
            segment.kind = "resume"
        elif segment.event(FINETUNING_FROM) is not None or at_start:
            segment.kind = "start" if previous is None else "restart"
        else:
            segment.kind = "resume"
        if segment.kind != "start":
            events.append(Event(RESUME if segment.kind == "resume" else RESTART, row.line, row.iteration))
        self.segments.append(segment)
        return segment
