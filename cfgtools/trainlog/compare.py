"""Compare each logged rate with a schedule, chunk by chunk, at the log's print precision.

The rows of a segment are evaluated in chunks of :data:`CHUNK` with the
vectorised schedule engine; per segment, a :class:`SegmentCheck` keeps the
counts, the first and last disagreement, the images column's rate per
iteration and a bounded sample of logged rates (:class:`Anchors`) from which
explanations are fitted. Memory does not grow with the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from cfgtools.schedule.evaluate import evaluate
from cfgtools.schedule.model import Schedule
from cfgtools.trainlog.model import Precision, Row
from cfgtools.trainlog.precision import agree
from cfgtools.trainlog.segments import Segment

CHUNK = 4096
#: darknet's detector images column is a C int: it wraps modulo 2^32
INT_RANGE = 1 << 32


@dataclass(frozen=True, slots=True)
class RatePoint:
    """One logged rate: the iteration, the rate as printed, its line, and what the schedule gives there."""

    iteration: int
    rate: float
    line: int
    expected: float | None = None


class Anchors:
    """A bounded sample of a segment's logged rates: the first ones, where the printed rate changes, the
    first disagreements, an evenly thinned sample of the rest, and the last one."""

    FIRST = 64
    TRANSITIONS = 256
    MISMATCHES = 64
    SPREAD = 256

    def __init__(self) -> None:
        self.first: list[RatePoint] = []
        #: (the point before, the point where the printed rate changed)
        self.transitions: list[tuple[RatePoint, RatePoint]] = []
        self.mismatches: list[RatePoint] = []
        self.spread: list[RatePoint] = []
        self.stride = 1
        self.count = 0
        self.last: RatePoint | None = None

    def add(self, point: Callable[[int], RatePoint], rates: np.ndarray, agrees: np.ndarray) -> None:
        """Sample a chunk: ``point(i)`` builds the chunk's i-th point (only kept points are built)."""
        size = int(rates.size)
        if not size:
            return
        if len(self.first) < self.FIRST:
            self.first.extend(point(i) for i in range(min(size, self.FIRST - len(self.first))))
        previous = self.last.rate if self.last is not None else rates[0]
        changed = np.flatnonzero(rates != np.concatenate(([previous], rates[:-1])))
        for index in changed[: max(0, self.TRANSITIONS - len(self.transitions))].tolist():
            before = point(index - 1) if index > 0 else self.last
            if before is not None:
                self.transitions.append((before, point(index)))
        for index in np.flatnonzero(~agrees)[: max(0, self.MISMATCHES - len(self.mismatches))].tolist():
            self.mismatches.append(point(index))
        offset = (-self.count) % self.stride
        self.spread.extend(point(i) for i in range(offset, size, self.stride))
        while len(self.spread) > self.SPREAD:
            self.spread = self.spread[::2]
            self.stride *= 2
        self.count += size
        self.last = point(size - 1)

    def points(self) -> list[RatePoint]:
        """Every kept point once, by iteration."""
        kept: dict[int, RatePoint] = {}
        for point in (*self.first, *self.mismatches, *self.spread,
                      *(p for pair in self.transitions for p in pair), *([self.last] if self.last else [])):
            kept.setdefault(point.iteration, point)
        return [kept[key] for key in sorted(kept)]


@dataclass
class ImagesColumn:
    """darknet detector rows: is ``images`` the same multiple of ``iteration`` on every row?"""

    per_iteration: int | None = None
    consistent: bool = True
    rows: int = 0

    def add(self, iterations: np.ndarray, images: np.ndarray) -> None:
        usable = iterations > 0
        if not usable.any() or not self.consistent:
            return
        iterations, images = iterations[usable], images[usable]
        if self.per_iteration is None:
            first_iteration, first_images = int(iterations[0]), int(images[0])
            if first_images < 0 or first_images % first_iteration:
                self.consistent = False
                return
            self.per_iteration = first_images // first_iteration
        self.rows += int(iterations.size)
        if np.any((iterations * self.per_iteration - images) % INT_RANGE):
            self.consistent = False


@dataclass
class SegmentCheck:
    """How one segment's logged rates compare with its schedule."""

    segment: int
    schedule: Schedule | None
    #: Caffe multistep: (iteration, current_step) restored from a snapshot, as logged before
    resume: tuple[int, int] | None = None
    #: why the rates were not compared (no schedule, a random policy)
    skipped: str | None = None
    precision: Precision | None = None
    compared: int = 0
    agreed: int = 0
    first_mismatch: RatePoint | None = None
    last_mismatch: RatePoint | None = None
    anchors: Anchors = field(default_factory=Anchors)
    images: ImagesColumn = field(default_factory=ImagesColumn)

    @property
    def mismatched(self) -> int:
        return self.compared - self.agreed




def printed_batches(iterations: np.ndarray, sync_gpus: int = 1, interval: int = 0) -> np.ndarray:
    """The batch number whose rate darknet prints on each logged iteration.

    The logged iteration itself, except for AlexeyAB trained on ``sync_gpus``
    GPUs: ``train_networks`` counts the GPUs' iterations and, when the count is
    a multiple of 4, ``sync_nets`` adds ``4 * (gpus - 1)`` batches to ``seen``
    (src/network_kernels.cu:629, 664-668 at 59596d7), and ``get_current_rate``
    reads ``seen`` (src/network.c:131): those rows show the rate that many
    batches on.
    """
    if sync_gpus <= 1 or interval <= 0:
        return iterations
    return np.where(iterations % interval == 0, iterations + interval * (sync_gpus - 1), iterations)


def _syncs_gpus(schedule: Schedule, segment: Segment) -> bool:
    """A run whose counter jumps on syncs (:meth:`Arithmetic.gpu_sync_interval`), on several GPUs (a GPU build:
    its counter steps by the GPU count; a CPU build steps by 1)."""
    return (schedule.arithmetic.gpu_sync_interval(schedule) > 0 and schedule.gpus > 1
            and segment.step == schedule.gpus)


#: Gives the schedule a segment ran with (or None): the configured one, or one read from the log's solver text.
ScheduleFor = Callable[[Segment], "Schedule | None"]


def multistep_resume(segment: Segment, earlier: Sequence[Segment]) -> tuple[int, int] | None:
    """The ``current_step_`` a resumed Caffe run restored, from the MultiStep Status lines logged before it."""
    if segment.kind != "resume" or not earlier:
        return None
    step = 0
    for previous in earlier:
        for event in previous.step_status:
            if event.iteration is not None and event.iteration < segment.first_iteration:
                step = int(event.value("step") or 0)
    return segment.first_iteration, step


class RateComparator:
    """Feeds rows in chunks to the schedule engine and keeps a :class:`SegmentCheck` per segment.

    ``framework`` (the log's) skips a schedule of another framework.
    ``on_chunk(rows, expected)`` (optional) receives every row in log order
    with the schedule's rate for it (None when the row has no rate or the
    segment has no schedule), e.g. for an export.
    """

    def __init__(
        self,
        segments: list[Segment],
        schedule_for: ScheduleFor | None,
        on_chunk: Callable[[list[Row], list[float | None]], None] | None = None,
        framework: str | None = None,
    ):
        self.segments = segments
        self.schedule_for = schedule_for
        self.framework = framework
        self.on_chunk = on_chunk
        self.checks: dict[int, SegmentCheck] = {}
        self._rows: list[Row] = []

    def add(self, row: Row) -> None:
        if self._rows and self._rows[-1].segment != row.segment:
            self.flush()
        self._rows.append(row)
        if len(self._rows) >= CHUNK:
            self.flush()

    def check(self, index: int) -> SegmentCheck:
        found = self.checks.get(index)
        if found is None:
            segment = self.segments[index]
            schedule = self.schedule_for(segment) if self.schedule_for is not None else None
            found = SegmentCheck(index, schedule)
            if schedule is None:
                found.skipped = "no schedule to compare with"
            elif self.framework is not None and schedule.framework != self.framework:
                found.skipped = f"the config is {schedule.framework}'s, the log {self.framework}'s"
            elif schedule.is_random:
                found.skipped = "policy=random: every rate is a random draw"
            elif schedule.policy.kind == "multistep":  # Caffe's: its resume restores current_step_
                found.resume = multistep_resume(segment, self.segments[:index])
            self.checks[index] = found
        return found

    def flush(self) -> None:
        rows, self._rows = self._rows, []
        if not rows:
            return
        check = self.check(rows[0].segment)
        rates = [row.rate for row in rows]
        rated = rows
        if None in rates:  # Caffe rows of a test pass or of the final forward pass
            rated = [row for row in rows if row.rate is not None]
            rates = [row.rate for row in rated]
        computed = None
        if rated:
            iterations = np.array([row.iteration for row in rated], dtype=np.int64)
            if check.skipped is None:
                assert check.schedule is not None
                logged = np.array(rates, dtype=np.float64)
                segment = self.segments[check.segment]
                sync = check.schedule.gpus if _syncs_gpus(check.schedule, segment) else 1
                computed = evaluate(check.schedule, printed_batches(
                    iterations, sync, check.schedule.arithmetic.gpu_sync_interval(check.schedule)),
                                    resume=check.resume).astype(np.float64)
                self._compare(check, rated, logged, computed)
            images = [row.images for row in rated]
            if None not in images and rated[0].epoch is None:  # detector rows (the classifier prints seen)
                check.images.add(iterations, np.array(images, dtype=np.int64))
        if self.on_chunk is not None:
            expected: list[float | None] = [None] * len(rows)
            if computed is not None:
                values = iter(computed.tolist())
                expected = [next(values) if row.rate is not None else None for row in rows]
            self.on_chunk(rows, expected)

    @staticmethod
    def _compare(check: SegmentCheck, rows: list[Row], logged: np.ndarray, computed: np.ndarray) -> None:
        precision = rows[0].precision
        assert precision is not None
        check.precision = check.precision or precision
        agrees = agree(logged, computed, precision)
        check.compared += len(rows)
        check.agreed += int(agrees.sum())

        def point(i: int) -> RatePoint:
            row = rows[i]
            return RatePoint(row.iteration, float(logged[i]), row.rate_line or row.line, float(computed[i]))

        if not agrees.all():
            bad = np.flatnonzero(~agrees)
            if check.first_mismatch is None:
                check.first_mismatch = point(int(bad[0]))
            check.last_mismatch = point(int(bad[-1]))
        check.anchors.add(point, logged, agrees)
