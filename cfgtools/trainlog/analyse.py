"""Read a training log against its config: compare every logged rate, explain disagreements, find problems.

:func:`analyse_log` streams the log once (constant memory: every consumer
keeps a bounded state) and, only when some run's rates disagree with its
schedule, streams it a second time to check the fitted explanations against
every logged rate of that run.
"""

from __future__ import annotations

from dataclasses import dataclass
import numpy as np

from cfgtools.schedule.model import Schedule
from cfgtools.trainlog.compare import CHUNK, RateComparator, ScheduleFor, SegmentCheck
from cfgtools.trainlog.explain import (
    BASE_LR,
    GPU_COUNT,
    HORIZON,
    ITERATION_OFFSET,
    POWER,
    STEPS,
    Explanation,
    Hypothesis,
    candidates,
    choose,
    setting_name,
    setting_text,
)
from cfgtools.trainlog.findings import (
    RATE_DIFFERENT_CONFIG,
    RATE_GPU_MULTIPLIER,
    RATE_ITERATION_OFFSET,
    RATE_UNEXPLAINED,
    Finding,
    LossWatcher,
    Thresholds,
    format_rate,
    run_findings,
)
from cfgtools.trainlog.model import Event, Precision
from cfgtools.trainlog.segments import Segment, Segmenter
from cfgtools.trainlog.source import TrainingLog


@dataclass(frozen=True)
class TrainingSetup:
    """What the config says beyond the schedule, when the caller knows it (all optional).

    ``images_per_update``: darknet's batch as trained (``batch / subdivisions``
    x ``subdivisions`` x ``time_steps``) on one GPU, which the detector's images
    column multiplies by the GPU count; ``momentum``/``decay``: to check darknet's
    ``Learning Rate:, Momentum:, Decay:`` header.
    """

    images_per_update: int | None = None
    momentum: float | None = None
    decay: float | None = None


@dataclass
class LogReport:
    """Everything :func:`analyse_log` learnt about one log."""

    path: str
    framework: str
    segments: list[Segment]
    #: per segment index: how its logged rates compare with its schedule
    checks: dict[int, SegmentCheck]
    #: per segment index whose rates disagree: the simplest explanation (its hypothesis is None if none fits)
    explanations: dict[int, Explanation]
    findings: list[Finding]
    #: events after the last row (``Optimization Done.``, the final weights)
    trailing: tuple[Event, ...] = ()

    @property
    def rows(self) -> int:
        return sum(segment.rows for segment in self.segments)

    @property
    def rates_agree(self) -> bool:
        """Every compared rate of every run agrees with its schedule at print precision."""
        return all(check.compared == check.agreed for check in self.checks.values())

    @property
    def compared(self) -> int:
        return sum(check.compared for check in self.checks.values())

    @property
    def solver_text(self) -> str | None:
        """Caffe: the solver the first run printed (``Initializing solver from parameters:``)."""
        for segment in self.segments:
            if segment.solver_text is not None:
                return segment.solver_text
        return None


def analyse_log(
    log: TrainingLog,
    schedule: Schedule | ScheduleFor | None = None,
    *,
    setup: TrainingSetup | None = None,
    thresholds: Thresholds | None = None,
) -> LogReport:
    """Read ``log`` against ``schedule`` and return the findings.

    ``schedule`` is the config's schedule (applied to every run in the log),
    or a function giving each :class:`Segment` its own (e.g. from the solver
    text a Caffe run printed, ``segment.solver_text``), or None (no rate
    comparison; the loss findings still come). Raises
    :class:`~cfgtools.errors.InputError` if the file breaks while it is read.
    """
    setup = setup or TrainingSetup()
    thresholds = thresholds or Thresholds()
    schedule_for: ScheduleFor | None
    if isinstance(schedule, Schedule):
        fixed = schedule
        schedule_for = lambda segment: fixed  # noqa: E731
    else:
        schedule_for = schedule
    segmenter = Segmenter()
    comparator = RateComparator(segmenter.segments, schedule_for, framework=log.framework)

    def schedule_of(index: int) -> Schedule | None:
        """The segment's schedule, if its rates can be compared with it."""
        check = comparator.check(index)
        return check.schedule if check.skipped is None else None

    watcher = LossWatcher(schedule_of, thresholds)
    for row in segmenter.rows(log.records()):
        comparator.add(row)
        watcher.add(row)
    comparator.flush()
    segments = segmenter.segments
    findings = watcher.finish()
    findings += run_findings(segments, schedule_of, thresholds, setup.momentum, setup.decay)

    disagreeing = {i: c for i, c in comparator.checks.items() if c.skipped is None and c.mismatched}
    explanations: dict[int, Explanation] = {}
    if disagreeing:
        proposals = {i: candidates(c, segments[i], setup.images_per_update) for i, c in disagreeing.items()}
        verdicts = _verify(log, proposals, {i: c.precision for i, c in disagreeing.items()})
        for index, check in disagreeing.items():
            explanations[index] = choose(proposals[index], verdicts[index])
            findings.append(_rate_finding(check, segments[index], explanations[index]))
    findings.sort(key=lambda f: (f.line, f.kind))
    return LogReport(
        path=log.path, framework=log.framework, segments=segments, checks=comparator.checks,
        explanations=explanations, findings=findings, trailing=segmenter.trailing,
    )


def _verify(log: TrainingLog, proposals: dict[int, list[Hypothesis]],
            precisions: dict[int, Precision | None]) -> dict[int, list[bool]]:
    """Check every proposed hypothesis against every logged rate of its segment (a second pass over the log)."""
    verdicts = {index: [True] * len(hypotheses) for index, hypotheses in proposals.items()}
    pending: dict[int, tuple[list[int], list[float]]] = {index: ([], []) for index in proposals}

    def flush(index: int) -> None:
        iterations, rates = pending[index]
        if not iterations:
            return
        its = np.asarray(iterations, dtype=np.int64)
        logged = np.asarray(rates, dtype=np.float64)
        for position, hypothesis in enumerate(proposals[index]):
            if verdicts[index][position] and not hypothesis.fits(its, logged, precisions[index]):
                verdicts[index][position] = False
        iterations.clear()
        rates.clear()

    if any(proposals.values()):
        for row in Segmenter().rows(log.records()):
            batch = pending.get(row.segment)
            if batch is None or row.rate is None:
                continue
            batch[0].append(row.iteration)
            batch[1].append(row.rate)
            if len(batch[0]) >= CHUNK:
                flush(row.segment)
        for index in pending:
            flush(index)
    return verdicts


def _rate_finding(check: SegmentCheck, segment: Segment, explanation: Explanation) -> Finding:
    schedule = check.schedule
    assert schedule is not None and check.first_mismatch is not None
    first = check.first_mismatch
    numbers: dict[str, object] = {
        "segment": segment.index, "compared": check.compared, "disagree": check.mismatched,
        "first_iteration": first.iteration, "logged_rate": first.rate, "config_rate": first.expected,
    }
    where = (f"{check.mismatched} of {check.compared} logged rates disagree with the config from iteration "
             f"{first.iteration} (logged {format_rate(first.rate)}, config {format_rate(first.expected)})")
    hypothesis = explanation.hypothesis
    if hypothesis is None:
        tried = ", ".join(explanation.tried) if explanation.tried else "nothing could be fitted"
        said = f"{where}; no single change fits every logged rate (tried: {tried})"
        return Finding(RATE_UNEXPLAINED, first.line, said, first.iteration, numbers)
    numbers["explanation"] = hypothesis.kind
    numbers.update((name, value if isinstance(value, (int, float)) else _value(value)) for name, value in hypothesis.changes)
    if hypothesis.kind == GPU_COUNT:
        numbers["images_confirm"] = hypothesis.confirmed
        numbers["gpu_sync_rows"] = hypothesis.sync_gpus > 1
    if explanation.also:
        numbers["also_fits"] = ", ".join(h.kind for h in explanation.also)
    kind, said = _describe(hypothesis, schedule, segment, check)
    if explanation.also:
        said += "; also fits: " + ", ".join(_short(h, schedule) for h in explanation.also)
    return Finding(kind, first.line, f"{where}: {said}", first.iteration, numbers)


def _short(hypothesis: Hypothesis, schedule: Schedule) -> str:
    if hypothesis.kind == GPU_COUNT:
        return f"-gpus {hypothesis.schedule.gpus}"
    if hypothesis.kind == ITERATION_OFFSET:
        return f"an offset of {hypothesis.offset:+d} iterations"
    return setting_text(schedule, hypothesis.kind, _value(hypothesis.changes[0][1]))[0]


def _value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return ",".join(_value(v) for v in value)
    return str(value)


def _describe(hypothesis: Hypothesis, schedule: Schedule, segment: Segment, check: SegmentCheck) -> tuple[str, str]:
    every = "every logged rate"
    if hypothesis.kind == GPU_COUNT:
        gpus = hypothesis.schedule.gpus
        said = (f"{every} is the config's at {gpus} GPU(s), not {schedule.gpus}: darknet multiplies "
                f"learning_rate by the -gpus count")
        if hypothesis.sync_gpus > 1:
            said += (" (and AlexeyAB's GPU sync every 4 iterations shows the rate of iteration + "
                     f"{4 * (gpus - 1)} on those rows)")
        if hypothesis.confirmed:
            said += f"; the images column confirms it ({check.images.per_iteration} images per iteration)"
        else:
            lr = schedule.base_lr * gpus / schedule.gpus
            said += (f"; or learning_rate={lr:.6g}: the images column cannot tell "
                     "(give the config's batch to check)")
        return RATE_GPU_MULTIPLIER, said
    if hypothesis.kind == ITERATION_OFFSET:
        offset = hypothesis.offset
        said = f"{every} is the config's rate {abs(offset)} iterations {'later' if offset > 0 else 'earlier'}"
        if hypothesis.span is not None:
            said += f" (any offset from {int(hypothesis.span[0]):+d} to {int(hypothesis.span[1]):+d} fits)"
        if offset < 0 and -offset == segment.first_iteration - schedule.first_update:
            said += ": the schedule started again where this run starts (-clear, a fine-tune) while the counter went on"
        elif offset > 0:
            said += (": the run's schedule is ahead of its counter (resumed from another checkpoint, or the batch "
                     "changed: darknet resumes at seen / (batch x subdivisions) of the current cfg)")
        else:
            said += ": the run's schedule is behind its counter (resumed from another checkpoint, or the batch changed)"
        return RATE_ITERATION_OFFSET, said
    name = setting_name(schedule, hypothesis.kind)
    text, in_config = setting_text(schedule, hypothesis.kind, _value(hypothesis.changes[0][1]))
    said = (f"{every} fits {text} ({'the config says' if in_config else 'checked against'} "
            f"{_configured(schedule, hypothesis.kind)})")
    if hypothesis.kind == HORIZON and hypothesis.span is not None and hypothesis.span[0] != hypothesis.span[1]:
        said += f"; any {name} from {int(hypothesis.span[0])} to {int(hypothesis.span[1])} fits"
    return RATE_DIFFERENT_CONFIG, said


def _configured(schedule: Schedule, kind: str) -> str:
    """The config's value of the setting a hypothesis changes."""
    policy = schedule.policy
    if kind == BASE_LR:
        return _value(schedule.base_lr)
    if kind == HORIZON:
        return str(schedule.horizon)
    if kind == STEPS:
        for field_name in ("steps", "stepvalues", "step"):
            if hasattr(policy, field_name):
                return _value(getattr(policy, field_name))
    if kind == POWER:
        power = getattr(policy, "power", None)
        if power is None and schedule.burn_in is not None:
            power = schedule.burn_in.power
        return _value(power)
    raise ValueError(f"no setting for {kind!r}")
