"""The rates of an SSD Caffe ``plateau`` run, worked out from its training log.

A plateau solver has no schedule before training (``cfgtools.caffe.plateau``):
the rate is ``base_lr * gamma^k`` and ``k`` grows when the smoothed loss has
not reached a new minimum for ``plateau_winsize[k]`` iterations. Once the
iterations where ``k`` grew are known, the rates are exactly those of a
``multistep`` solver whose ``stepvalue`` list is those iterations: both compute
``base_lr * pow(gamma, current_step_)`` with the double ``pow``, and both
advance ``current_step_`` by one at the exact iteration. Those iterations come
from the log, run by run:

- the fork's ``Plateau Status: Iteration N, step = k`` lines, printed at the
  exact iteration whatever ``display`` is (exact);
- when the run prints its smoothed loss at every iteration from 0
  (``display: 1``), by replaying the fork's rule on those losses
  (:class:`~cfgtools.caffe.plateau.PlateauReplay`): this is the check that the
  run followed the solver's ``plateau_winsize``. Where the replay and the lines
  disagree, the replay's steps are the schedule the logged rates are checked
  against (so the rate findings show where), unless a logged loss equalled the
  minimum so far: the log prints 6 significant digits where the solver holds a
  float32, so such a tie may hide a new minimum, and the lines are kept.

A resumed run restores ``current_step`` from its snapshot: the steps before it
are the earlier runs' (or, when the log starts with the resume, one fewer than
its first status line says).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from cfgtools.caffe.plateau import PlateauReplay
from cfgtools.caffe.rate import CaffeArithmetic
from cfgtools.caffe.schedule import caffe_schedule
from cfgtools.caffe.solver import CaffeSolver
from cfgtools.schedule.model import MultiStep, Schedule
from cfgtools.trainlog.model import PLATEAU_STATUS
from cfgtools.trainlog.segments import Segment, Segmenter
from cfgtools.trainlog.source import TrainingLog

_FLOAT32 = struct.Struct("<f")


def _float32(value: float) -> float:
    """``value`` rounded to the float32 the solver holds."""
    try:
        return _FLOAT32.unpack(_FLOAT32.pack(value))[0]
    except OverflowError:  # beyond FLT_MAX: the solver's float is infinite
        return value * float("inf")


class PlateauStepsArithmetic(CaffeArithmetic):
    """Caffe's multistep arithmetic for the steps a plateau run took: they come from its log, so no key
    of the solver holds them (a finding names them as plateau steps, not as ``stepvalue``)."""

    def worked_out(self, schedule: Schedule, parameter: str) -> str | None:
        return "plateau steps" if parameter == "stepvalues" else None


PLATEAU_STEPS = PlateauStepsArithmetic()


@dataclass(frozen=True)
class PlateauRun:
    """How one run of the log stepped: the iterations where ``current_step_`` grew, and where they come from."""

    #: every step of the run's history, steps taken before the run included (a resume's restored ones)
    stepvalues: tuple[int, ...] | None
    #: "status" (the Plateau Status lines), "replay" (the logged losses) or "unknown" (a resume with neither)
    basis: str
    #: this run's Plateau Status lines (the iterations they name)
    logged: tuple[int, ...] = ()
    #: the replay's steps where they differ from the status lines (None: they agree, or no replay was possible)
    replayed: tuple[int, ...] | None = None
    #: the replay met losses equal to the minimum (a tie the printed digits cannot settle)
    ties: bool = False


class PlateauFromLog:
    """Each run's schedule (a ``ScheduleFor`` for :func:`cfgtools.trainlog.analyse.analyse_log`), worked out
    from one pass over the log before the analysis reads it."""

    def __init__(self, solver: CaffeSolver, log: TrainingLog):
        self.solver = solver
        self.runs = _runs(log, tuple(solver.value("plateau_winsize")))

    def __call__(self, segment: Segment) -> Schedule | None:
        run = self.runs.get(segment.index)
        if run is None or run.stepvalues is None:
            return None
        solver = self.solver
        policy = MultiStep(stepvalues=list(run.stepvalues), gamma=solver.gamma)
        schedule = caffe_schedule(solver.base_lr, policy, solver.max_iter, solver.path or "", solver.dialect)
        return schedule.model_copy(update={"arithmetic": PLATEAU_STEPS})

    @property
    def basis(self) -> str:
        """How the steps were found, for the line that says what the rates were checked against."""
        bases = {run.basis for run in self.runs.values()}
        parts = []
        if "status" in bases:
            parts.append("the log's Plateau Status lines")
        if "replay" in bases:
            parts.append("the fork's rule replayed on the logged smoothed losses")
        text = "plateau steps from " + (" and ".join(parts) if parts else "nowhere")
        if "unknown" in bases:
            text += "; a resumed run that prints no Plateau Status line is not checked"
        for index, run in sorted(self.runs.items()):
            if run.replayed is not None:  # the first disagreement is enough to send the user to the log
                text += (f"; in run {index + 1} the solver's plateau_winsize applied to the logged losses steps at "
                         f"{_iterations(run.replayed)}, the Plateau Status lines at {_iterations(run.logged)}")
                if run.ties:
                    text += (" (some logged losses equal the minimum at 6 digits, where the solver may have seen a "
                             "new one: the lines are used)")
                break
        return text


def _iterations(values: tuple[int, ...]) -> str:
    if not values:
        return "no iteration"
    return ", ".join(map(str, values[:8])) + (", ..." if len(values) > 8 else "")


def _runs(log: TrainingLog, winsizes: tuple[int, ...]) -> dict[int, PlateauRun]:
    segmenter = Segmenter()
    replays: dict[int, PlateauReplay | None] = {}
    for row in segmenter.rows(log.records()):
        index = row.segment
        if index not in replays:
            replays[index] = PlateauReplay(winsizes) if row.iteration == 0 else None
            expected = 0
        replay = replays[index]
        if replay is None:
            continue
        if row.iteration != expected or row.loss is None:  # display > 1, or lines missing: no replay
            replays[index] = None
            continue
        replay.feed(row.iteration, _float32(row.loss))
        expected += 1
    runs: dict[int, PlateauRun] = {}
    timeline: list[int] = []  # the steps of the run before, in order
    for segment in segmenter.segments:
        lines = [e for e in segment.step_status if e.kind == PLATEAU_STATUS]
        status = [e.iteration for e in lines if e.iteration is not None]
        replay = replays.get(segment.index)
        fresh = segment.kind != "resume" and segment.first_iteration == 0 and not segment.merged_runs
        replayed = list(replay.changes) if replay is not None and fresh else None
        if segment.kind != "resume":
            before: list[int] | None = []
        elif lines:  # the snapshot restored one step fewer than the first line names
            restored = max(0, int(lines[0].value("step") or 0) - 1)
            kept = [step for step in timeline if step < segment.first_iteration][:restored]
            before = [0] * (restored - len(kept)) + kept
        elif segment.index > 0:
            before = [step for step in timeline if step < segment.first_iteration]
        else:
            before = None
        if before is None:
            runs[segment.index] = PlateauRun(None, "unknown")
            continue
        ties = replay is not None and replay.ties > 0
        differs = replayed is not None and bool(status) and replayed != status
        if replayed is not None and (not status or (differs and not ties)):
            changes, basis = replayed, "replay"
        else:
            changes, basis = status, "status"
        stepvalues = tuple(before + changes)
        runs[segment.index] = PlateauRun(stepvalues, basis, tuple(status),
                                         tuple(replayed) if differs and replayed is not None else None, ties)
        timeline = list(stepvalues)
    return runs
