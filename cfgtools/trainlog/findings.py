"""What a log says went wrong, as plain data: a stable kind, a log line, a message and the numbers.

:class:`LossWatcher` looks at every row once, keeping a bounded window, and
finds: the first NaN or infinite loss of each run (and whether the rate was
unusual there), the explosion before it, the loss returning to its initial
level after having fallen (and whether the rate changed there), and the rate
sitting at or near 0 for a share of a run. :func:`run_findings` adds what the
segments show: resumes and restarts with the rate before and after, a run
that stopped before its last iteration, and a darknet ``Learning Rate:``
header that disagrees with the config.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left, insort
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from cfgtools.schedule.evaluate import rate_at
from cfgtools.schedule.model import Schedule
from cfgtools.trainlog.model import FIXED_6, SIGNIFICANT_6, Row
from cfgtools.trainlog.precision import agree
from cfgtools.trainlog.segments import Segment

# Stable finding kinds.
LOSS_NONFINITE = "loss-nonfinite"
LOSS_EXPLOSION = "loss-explosion"
LOSS_RETURNED = "loss-returned"
RATE_NEAR_ZERO = "rate-near-zero"
RUN_RESUMED = "run-resumed"
RUN_RESTARTED = "run-restarted"
RUN_STOPPED_EARLY = "run-stopped-early"
HEADER_MISMATCH = "header-mismatch"
RATE_GPU_MULTIPLIER = "rate-gpu-multiplier"
RATE_ITERATION_OFFSET = "rate-iteration-offset"
RATE_DIFFERENT_CONFIG = "rate-different-config"
RATE_UNEXPLAINED = "rate-unexplained"

Number = float | int | bool | str | None

#: a rate more than this many times the previous one rose (less than its inverse: fell)
RATE_STEP = 1.1


@dataclass(frozen=True)
class Finding:
    """One thing the log shows. ``numbers`` holds the values the message is made of."""

    kind: str
    line: int
    message: str
    iteration: int | None = None
    numbers: dict[str, Number] = field(default_factory=dict)


@dataclass(frozen=True)
class Thresholds:
    """The numbers that decide what counts as a finding (the defaults suit real logs)."""

    #: a rate this many times the median of the last ``window`` rows is unusual (and a resume this much higher a spike)
    spike_ratio: float = 2.0
    #: rows looked back over (NaN's rate, explosion)
    window: int = 100
    #: a loss this many times its recent level is an explosion
    explosion_factor: float = 10.0
    #: the loss level is the median of this many rows: the first ones give the initial level
    level_rows: int = 15
    #: the loss has fallen once its level is below this share of the initial level ...
    fallen_fraction: float = 0.5
    #: ... and has returned once its level is at this share of it or more
    returned_fraction: float = 0.9
    #: near 0: printed as 0, or below this share of the run's highest rate so far
    near_zero_ratio: float = 1e-3
    #: reported when at least this share of a run's rows are near 0
    near_zero_share: float = 0.05


def format_rate(value: float | None) -> str:
    if value is None:
        return "none"
    if math.isnan(value) or math.isinf(value):
        return str(value)
    return f"{value:.6g}"


def format_ratio(ratio: float | None) -> str:
    return "undefined" if ratio is None else f"x{ratio:.6g}"


def _ratio(after: float | None, before: float | None) -> float | None:
    if after is None or before is None or before == 0 or not math.isfinite(before) or not math.isfinite(after):
        return None
    return after / before


SegmentSchedule = Callable[[int], "Schedule | None"]


class _RunState:
    """What :class:`LossWatcher` keeps for the current segment."""

    __slots__ = ("losses", "rates", "nonfinite_seen", "peak", "rate_rows", "near_rows", "near_first", "near_last",
                 "near_head", "near_tail")

    def __init__(self, window: int):
        self.losses: deque[Row] = deque(maxlen=window)  # rows with a finite loss
        self.rates: deque[float] = deque(maxlen=window)
        self.nonfinite_seen = False
        self.peak = 0.0
        self.rate_rows = 0
        self.near_rows = 0
        self.near_first: Row | None = None
        self.near_last: Row | None = None
        # the smoothed losses of the near-zero rows: the first 2 * NEAR_LOSSES and the last NEAR_LOSSES
        self.near_head: list[float] = []
        self.near_tail: deque[float] = deque(maxlen=LossWatcher.NEAR_LOSSES)


def _loss(row: Row) -> float | None:
    """The loss the findings watch: darknet's loss of the iteration, Caffe's smoothed loss (avg loss if none)."""
    return row.loss if row.loss is not None else row.avg_loss


class LossWatcher:
    """Finds NaN/inf losses, explosions, returns to the initial loss and near-zero rates, row by row.

    The loss level is the median of the last ``level_rows`` losses (kept in a
    sorted window, so each row costs a bisection); the initial level is the
    first such median. The level has fallen when it stays below
    ``fallen_fraction`` of the initial level for ``level_rows`` rows, and has
    returned when it comes back to ``returned_fraction`` of it or more.
    """

    NEAR_LOSSES = 20  # losses averaged at each end of a near-zero stretch

    def __init__(self, schedule_of: SegmentSchedule, thresholds: Thresholds):
        self.schedule_of = schedule_of
        self.t = thresholds
        self.findings: list[Finding] = []
        self._segment = -1
        self._run = _RunState(thresholds.window)
        self._runs: dict[int, _RunState] = {}
        # the loss level across the whole log: the last rows, each with the row with a rate before it
        self._recent: deque[tuple[Row, float, Row | None]] = deque(maxlen=thresholds.level_rows)
        self._ordered: list[float] = []  # the same losses, sorted
        self._initial_level: float | None = None
        self._lowest: float | None = None
        self._below = 0  # rows in a row with the level below the fallen threshold
        self._fallen = False
        self._last_rate_row: Row | None = None

    def add(self, row: Row) -> None:
        if row.segment != self._segment:
            self._run.losses.clear()  # the windows serve the current run only
            self._run.rates.clear()
            self._segment = row.segment
            self._run = _RunState(self.t.window)
            self._runs[row.segment] = self._run
        run = self._run
        rate = row.rate
        if rate is not None:
            run.rate_rows += 1
            if rate > run.peak:
                run.peak = rate
            elif 0 <= rate < run.peak * self.t.near_zero_ratio:
                self._near_zero(row, run)
        loss = row.loss if row.loss is not None else row.avg_loss  # _loss(row), inline: it runs once per row
        if loss is not None:
            if -math.inf < loss < math.inf:
                run.losses.append(row)
                self._watch_level(row, loss)
            elif not run.nonfinite_seen:
                run.nonfinite_seen = True
                self._nonfinite(row, loss, run)
        if rate is not None:
            run.rates.append(rate)
            self._last_rate_row = row

    # -- NaN / inf and the explosion before it ------------------------------------------------

    def _nonfinite(self, row: Row, loss: float, run: _RunState) -> None:
        spelled = "NaN" if math.isnan(loss) else "infinite"
        numbers: dict[str, Number] = {"loss": str(loss), "rate": row.rate}
        said = [f"the loss turns {spelled} at iteration {row.iteration} (the program goes on and saves its weights)"]
        if row.rate is not None:
            recent = sorted(r for r in run.rates if math.isfinite(r))
            level = recent[len(recent) // 2] if recent else None
            rise = _ratio(row.rate, level)
            highest = not recent or row.rate >= recent[-1]
            expected, agrees = self._expected(row)
            unusual = (agrees is False) or (rise is not None and rise >= self.t.spike_ratio)
            numbers.update(expected_rate=expected, rate_agrees=agrees, rate_rise=rise, rate_highest=highest,
                           rate_unusual=unusual)
            detail = f"the rate there is {format_rate(row.rate)}"
            if agrees is False:
                detail += f", not the config's {format_rate(expected)}"
            if rise is not None and rise >= self.t.spike_ratio:
                detail += f", {format_ratio(rise)} the median of the last {len(recent)} rows"
            elif not unusual:
                detail += " (not unusual" + (": the config's rate" if agrees else "") + ")"
            if highest and recent:
                detail += "; the run's highest rate so far"
            said.append(detail)
        self.findings.append(Finding(LOSS_NONFINITE, row.line, "; ".join(said), row.iteration, numbers))
        self._explosion(row, run)

    def _explosion(self, nonfinite: Row, run: _RunState) -> None:
        window = [(row.line, row.iteration, _loss(row)) for row in run.losses]
        if len(window) < 4:
            return
        base = statistics.median(loss for _, _, loss in window[: len(window) // 2])
        if base <= 0:
            return
        for line, iteration, loss in window[len(window) // 2:]:
            if loss >= self.t.explosion_factor * base:
                peak = max(value for _, _, value in window)
                self.findings.append(Finding(
                    LOSS_EXPLOSION, line,
                    f"the loss explodes before turning {'NaN' if math.isnan(nonfinite.loss or 0) else 'infinite'} "
                    f"at iteration {nonfinite.iteration}: {loss:.6g} at iteration {iteration}, "
                    f"{format_ratio(loss / base)} its recent level {base:.6g} (peak {peak:.6g})",
                    iteration,
                    {"loss": loss, "level": base, "peak": peak, "nonfinite_iteration": nonfinite.iteration},
                ))
                return

    # -- the loss returning to its initial level ----------------------------------------------

    def _watch_level(self, row: Row, loss: float) -> None:
        t = self.t
        recent, ordered = self._recent, self._ordered
        if len(recent) == recent.maxlen:
            del ordered[bisect_left(ordered, recent[0][1])]
        recent.append((row, loss, self._last_rate_row))
        insort(ordered, loss)
        if self._initial_level is None:
            if len(recent) == recent.maxlen:
                self._initial_level = ordered[len(ordered) // 2]
            return
        level = ordered[len(ordered) // 2]
        initial = self._initial_level
        if not self._fallen:
            self._below = self._below + 1 if level < t.fallen_fraction * initial else 0
            if self._below >= t.level_rows:
                self._fallen = True
                self._lowest = level
            return
        if level < self._lowest:  # type: ignore[operator]
            self._lowest = level
        if level >= t.returned_fraction * initial:
            self._returned(initial)
            self._fallen = False
            self._below = 0

    def _first_returned(self, threshold: float) -> tuple[Row, Row | None]:
        """The row where the loss came back: the first high one from which the rest stay high on the whole."""
        window = list(self._recent)
        for index, (row, value, before) in enumerate(window):
            if value >= threshold and statistics.median(v for _, v, _ in window[index:]) >= threshold:
                return row, before
        row, _, before = window[-1]
        return row, before

    def _returned(self, level: float) -> None:
        row, before = self._first_returned(self.t.returned_fraction * level)
        loss = _loss(row)
        numbers: dict[str, Number] = {"loss": loss, "initial_loss": level, "lowest_loss": self._lowest}
        said = (f"the loss returns to its initial level at iteration {row.iteration}: "
                f"{loss:.6g} (initial level {level:.6g}; it had fallen to {self._lowest:.6g})")
        if row.rate is not None and before is not None and before.rate is not None:
            ratio = _ratio(row.rate, before.rate)
            rose = ratio is None or ratio > RATE_STEP
            expected, agrees = self._expected(row)
            numbers.update(rate_before=before.rate, rate=row.rate, rate_ratio=ratio, rate_rose=rose,
                           expected_rate=expected, rate_agrees=agrees)
            if rose:
                move = "rose"
            elif ratio is not None and ratio < 1 / RATE_STEP:
                move = "fell"
            else:
                move = "changed smoothly"
            said += (f"; the rate {move} from {format_rate(before.rate)} (iteration {before.iteration}) "
                     f"to {format_rate(row.rate)} ({format_ratio(ratio)})")
            if agrees is False:
                said += f", not the config's {format_rate(expected)}"
            elif agrees and not rose:
                said += " and is the config's: the schedule did not cause this"
            elif agrees:
                said += ", as the config says"
        self.findings.append(Finding(LOSS_RETURNED, row.line, said, row.iteration, numbers))

    # -- the rate at or near 0 ----------------------------------------------------------------

    def _near_zero(self, row: Row, run: _RunState) -> None:
        run.near_rows += 1
        if run.near_first is None:
            run.near_first = row
        run.near_last = row
        smoothed = row.smoothed_loss
        if smoothed is not None and -math.inf < smoothed < math.inf:
            if len(run.near_head) < 2 * self.NEAR_LOSSES:
                run.near_head.append(smoothed)
            run.near_tail.append(smoothed)

    def finish(self) -> list[Finding]:
        for run in self._runs.values():
            if run.near_first is None or run.rate_rows == 0:
                continue
            share = run.near_rows / run.rate_rows
            if share < self.t.near_zero_share or run.near_rows < 2:
                continue
            first, last = run.near_first, run.near_last
            assert last is not None
            start_loss, end_loss = self._near_losses(run)
            falls = start_loss is not None and end_loss is not None and end_loss < 0.95 * start_loss
            expected, _ = self._expected(first)
            numbers: dict[str, Number] = {
                "rows": run.near_rows, "share": share, "first_iteration": first.iteration,
                "last_iteration": last.iteration, "peak_rate": run.peak, "loss_start": start_loss,
                "loss_end": end_loss, "loss_falls": falls, "expected_rate": expected,
            }
            said = (f"the rate is at or near 0 on {run.near_rows} of {run.rate_rows} rows ({share:.0%}) from iteration "
                    f"{first.iteration} on (it printed {format_rate(first.rate)}; peak {format_rate(run.peak)})")
            if falls:
                said += f"; the loss still falls ({start_loss:.6g} -> {end_loss:.6g}): training goes on"
            elif start_loss is not None and end_loss is not None:
                said += f"; the loss no longer falls ({start_loss:.6g} -> {end_loss:.6g})"
            if expected is not None:
                if expected == 0:
                    said += "; the config's rate is exactly 0 there"
                elif first.precision is not None and first.rate == 0:
                    said += (f"; the config's rate there is {format_rate(expected)}, printed as 0 with "
                             f"{first.precision}")
            self.findings.append(Finding(RATE_NEAR_ZERO, first.rate_line or first.line, said, first.iteration, numbers))
        return self.findings

    def _near_losses(self, run: _RunState) -> tuple[float | None, float | None]:
        """The mean smoothed loss at the start and at the end of the near-zero rows (halves when they are few)."""
        head, tail = run.near_head, list(run.near_tail)
        if len(head) < 2:
            return None, None
        if len(head) < 2 * self.NEAR_LOSSES:  # every value is in head
            half = len(head) // 2
            return statistics.fmean(head[:half]), statistics.fmean(head[-half:])
        return statistics.fmean(head[: self.NEAR_LOSSES]), statistics.fmean(tail)

    def _expected(self, row: Row) -> tuple[float | None, bool | None]:
        schedule = self.schedule_of(row.segment)
        if schedule is None or row.rate is None or row.precision is None:
            return None, None
        expected = rate_at(schedule, row.iteration)
        return expected, bool(agree([row.rate], [expected], row.precision)[0])


def run_findings(
    segments: Sequence[Segment], schedule_of: SegmentSchedule, thresholds: Thresholds,
    momentum: float | None = None, decay: float | None = None,
) -> list[Finding]:
    """Resumes and restarts, a last run that stopped early, darknet headers that disagree with the config."""
    findings: list[Finding] = []
    for segment in segments:
        if segment.kind != "start":
            findings.append(_resume(segment, thresholds))
        schedule = schedule_of(segment.index)
        header = segment.rate_header
        if schedule is not None and header is not None:
            findings.extend(_header(segment, schedule, momentum, decay))
    if segments:
        last = segments[-1]
        schedule = schedule_of(last.index)
        if schedule is not None:
            stopped = _stopped_early(last, schedule)
            if stopped is not None:
                findings.append(stopped)
    return findings


def _resume(segment: Segment, thresholds: Thresholds) -> Finding:
    before, first = segment.previous_rate, segment.first_rate
    after = first[1] if first is not None else None
    ratio = _ratio(after, before[1] if before else None)
    weights = segment.weights
    numbers: dict[str, Number] = {
        "iteration": segment.first_iteration, "previous_iteration": segment.previous_last_iteration,
        "rate_before": before[1] if before else None, "rate_after": after, "rate_ratio": ratio,
        "spike": ratio is not None and ratio >= thresholds.spike_ratio,
        "weights": weights.detail if weights else None,
    }
    source = f" from {weights.detail}" if weights and weights.detail else ""
    if segment.kind == "restart":
        kind = RUN_RESTARTED
        said = (f"the run restarts at iteration {segment.first_iteration}{source} after reaching iteration "
                f"{segment.previous_last_iteration}: the schedule starts over (darknet -clear, a Caffe fine-tune "
                "or a new run)")
    else:
        kind = RUN_RESUMED
        if segment.previous_last_iteration is None:
            said = f"the log starts at iteration {segment.first_iteration}: the run resumed{source}"
        elif segment.first_iteration <= segment.previous_last_iteration:
            said = (f"the run resumes at iteration {segment.first_iteration}{source}, before the previous run's last "
                    f"iteration {segment.previous_last_iteration}: those iterations are trained again")
        else:
            said = f"the run resumes at iteration {segment.first_iteration}{source}"
    if before is not None and after is not None:
        said += (f"; the rate goes from {format_rate(before[1])} (iteration {before[0]}) to {format_rate(after)} "
                 f"(iteration {first[0] if first else segment.first_iteration}), {format_ratio(ratio)}")
    elif after is not None:
        said += f"; its first rate is {format_rate(after)}"
    return Finding(kind, segment.line, said, segment.first_iteration, numbers)


def _header(segment: Segment, schedule: Schedule, momentum: float | None, decay: float | None) -> list[Finding]:
    header = segment.rate_header
    assert header is not None
    found: list[Finding] = []
    logged = header.value("learning_rate")
    # darknet: net.learning_rate *= ngpus (a float), printed with %g
    configured = float(np.float32(np.float32(schedule.base_lr) * np.float32(schedule.gpus)))
    checks: list[tuple[str, float | None, float | None]] = [("learning_rate", logged, configured)]
    checks += [("momentum", header.value("momentum"), momentum), ("decay", header.value("decay"), decay)]
    for name, value, expected in checks:
        if value is None or expected is None:
            continue
        # AlexeyAB and pjreddie print the header with %g, hank-ai with 6 decimals
        computed = [float(np.float32(expected))]
        if bool(agree([value], computed, SIGNIFICANT_6)[0] or agree([value], computed, FIXED_6)[0]):
            continue
        numbers: dict[str, Any] = {"name": name, "logged": value, "configured": expected, "ratio": _ratio(value, expected)}
        said = f"the log's header says {name.replace('_', ' ')} {value:.6g}, the config gives {expected:.6g}"
        if name == "learning_rate":
            said += f" ({schedule.base_lr:.6g} x {schedule.gpus} GPU(s)), {format_ratio(numbers['ratio'])}"
        found.append(Finding(HEADER_MISMATCH, header.line, said, None, numbers))
    return found


def _stopped_early(segment: Segment, schedule: Schedule) -> Finding | None:
    if segment.done or schedule.horizon <= 0:
        return None
    last = segment.last_iteration
    # the log shows an iteration every ``step`` (Caffe's display; darknet's GPU count): complete when the
    # next one shown would be past the last update (darknet: max_batches; Caffe: max_iter - 1)
    complete = last + (segment.step or 1) > schedule.last_update
    if complete and not segment.stopped:
        return None
    goal = schedule.arithmetic.setting_key(schedule, "horizon")
    share = last / schedule.horizon
    said = (f"the log ends at iteration {last}, before {goal}={schedule.horizon} ({share:.0%} done): "
            + ("Caffe was asked to stop" if segment.stopped else "the run stopped or the log is cut"))
    return Finding(RUN_STOPPED_EARLY, segment.last_line, said, last,
                   {"last_iteration": last, "horizon": schedule.horizon, "share": share, "requested": segment.stopped})
