"""When a run's logged rates disagree with its config: the simplest change that fits every logged rate.

Candidates, from the simplest:

1. a GPU count (darknet multiplies ``learning_rate`` by ``-gpus N`` right
   after loading, burn-in included): an integer ratio between the logged and
   the configured rate, confirmed when the detector's images column is
   ``iteration x batch x N``. AlexeyAB GPU builds print some rows with the
   rate 4 * (N - 1) batches on (:func:`~cfgtools.trainlog.compare.printed_batches`),
   its CPU builds do not: both forms are tried;
2. an iteration offset: every logged rate is the config's rate ``d``
   iterations later or earlier (resumed from another checkpoint, a batch
   changed between runs, a ``-clear`` or fine-tune restart);
3. another value of one setting: the base rate, ``max_batches``/``max_iter``
   (poly), the steps (steps, multistep, step), or ``power`` (poly, inv,
   darknet's burn-in).

Each candidate is fitted from a bounded sample of the logged rates
(:class:`~cfgtools.trainlog.compare.Anchors`) in closed form where one exists
(an offset by binary search on the monotone pieces of the schedule; a
parameter from the printed value's interval), so the work does not grow with
``max_iter``. The caller checks the survivors against every logged rate, and
:func:`choose` picks the first that fits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from cfgtools.schedule.evaluate import evaluate
from cfgtools.schedule.model import Schedule
from cfgtools.trainlog.compare import RatePoint, SegmentCheck, printed_batches
from cfgtools.trainlog.model import BATCH_INFO, Precision
from cfgtools.trainlog.precision import agree, half_unit
from cfgtools.trainlog.segments import Segment

GPU_COUNT = "gpu-count"
ITERATION_OFFSET = "iteration-offset"
BASE_LR = "base-lr"
HORIZON = "horizon"
STEPS = "steps"
POWER = "power"

MAX_GPUS = 1024
#: more monotone pieces than this (sgdr with sgdr_mult=1 over a long run) and no offset is searched
MAX_PIECES = 256
#: points used to pin an offset down before checking it on the whole sample
OFFSET_POINTS = 8


@dataclass(frozen=True)
class Hypothesis:
    """A schedule that might have produced the log: the config with one thing changed."""

    kind: str
    schedule: Schedule
    #: the logged iteration n shows the schedule's rate at n + offset
    offset: int = 0
    #: a syncing run (AlexeyAB) on this many GPUs: rows at iterations divisible by the sync interval (4) show
    #: the rate 4 * (gpus - 1) batches on
    sync_gpus: int = 1
    resume: tuple[int, int] | None = None
    #: (setting, value) pairs that differ from the config, for messages
    changes: tuple[tuple[str, object], ...] = ()
    #: GPU count: does the images column confirm it (None: it cannot tell)?
    confirmed: bool | None = None
    #: the range of values that fit the sample equally well, when there is one
    span: tuple[float, float] | None = None

    def expected(self, iterations: np.ndarray) -> np.ndarray:
        interval = self.schedule.arithmetic.gpu_sync_interval(self.schedule)
        batches = printed_batches(iterations, self.sync_gpus, interval) + self.offset
        return evaluate(self.schedule, batches, resume=self.resume).astype(np.float64)

    def fits(self, iterations: np.ndarray, logged: np.ndarray, precision: Precision) -> bool:
        return bool(agree(logged, self.expected(iterations), precision).all())


@dataclass(frozen=True)
class Explanation:
    """The first candidate (simplest first) that fits every logged rate, or None; ``also``: others that fit."""

    hypothesis: Hypothesis | None
    also: tuple[Hypothesis, ...] = ()
    tried: tuple[str, ...] = ()


def choose(hypotheses: Sequence[Hypothesis], fits_every_rate: Sequence[bool]) -> Explanation:
    """The explanation: the first hypothesis (simplest first) that fits every logged rate."""
    tried = tuple(dict.fromkeys(h.kind for h in hypotheses))
    fitting = [h for h, ok in zip(hypotheses, fits_every_rate) if ok]
    if not fitting:
        return Explanation(None, tried=tried)
    return Explanation(fitting[0], tuple(fitting[1:]), tried)


def candidates(check: SegmentCheck, segment: Segment, images_per_update: int | None) -> list[Hypothesis]:
    """Candidates that fit every sampled rate, simplest first."""
    schedule, precision = check.schedule, check.precision
    points = check.anchors.points()
    if schedule is None or precision is None or not points:
        return []
    fit = _Fit(schedule, check, segment, _Sample(points, precision), images_per_update)
    found: list[Hypothesis] = []
    for fitter in (_gpu_count, _offset, _base_lr, _horizon, _steps, _power):
        for hypothesis in fitter(fit):
            if hypothesis.fits(fit.sample.iterations, fit.sample.logged, precision):
                found.append(hypothesis)  # the first variant that fits the sample
                break
    return found


class _Sample:
    """The sampled points as arrays, with the printed value's interval for each."""

    def __init__(self, points: list[RatePoint], precision: Precision):
        self.points = points
        self.precision = precision
        self.iterations = np.asarray([p.iteration for p in points], dtype=np.int64)
        self.logged = np.asarray([p.rate for p in points], dtype=np.float64)
        self.expected = np.asarray([np.nan if p.expected is None else p.expected for p in points], dtype=np.float64)
        # the printed value's interval, a little wider: the fits below use exact arithmetic where the
        # framework rounds to float32 along the way (the final checks are exact)
        with np.errstate(all="ignore"):
            self.tolerance = half_unit(self.logged, self.logged, precision) * 1.01 + np.abs(self.logged) * 2.0**-20
            self.usable = np.isfinite(self.logged) & (self.logged > self.tolerance)


@dataclass(frozen=True)
class _Fit:
    """What every fitter looks at: the configured schedule, the segment, its comparison and sampled rates."""

    schedule: Schedule
    check: SegmentCheck
    segment: Segment
    sample: _Sample
    #: darknet's batch x subdivisions per GPU, when the caller knows it
    images_per_update: int | None


# -- 1. GPU count -------------------------------------------------------------------------------


def _gpu_count(fit: _Fit) -> list[Hypothesis]:
    schedule, sample = fit.schedule, fit.sample
    if not schedule.arithmetic.gpu_multiplier:
        return []
    with np.errstate(all="ignore"):
        use = sample.usable & np.isfinite(sample.expected) & (sample.expected > 0)
        if not use.any():
            return []
        # the most precise points decide: the largest printed rates
        order = np.argsort(-sample.logged[use])[:16]
        total = float(np.median((sample.logged[use] / sample.expected[use])[order])) * schedule.gpus
    gpus = round(total)
    if gpus < 1 or gpus == schedule.gpus or gpus > MAX_GPUS or abs(total - gpus) > 0.01 * total:
        return []
    confirmed = _images_confirm(fit, gpus)
    if confirmed is False:
        return []  # the images column says the run had the configured GPU count
    changed = schedule.model_copy(update={"gpus": gpus})
    forms = [1, gpus] if schedule.arithmetic.gpu_sync_interval(schedule) > 0 and gpus > 1 else [1]
    return [Hypothesis(GPU_COUNT, changed, sync_gpus=sync, changes=(("gpus", gpus),), confirmed=confirmed)
            for sync in forms]


def _images_confirm(fit: _Fit, gpus: int) -> bool | None:
    """True: images per iteration = batch x ``gpus``; False: = batch x the configured count; None: cannot tell."""
    images = fit.check.images
    per_iteration = images.per_iteration if images.consistent else None
    configured = fit.schedule.gpus
    batch = fit.images_per_update
    if batch is None:
        info = fit.segment.event(BATCH_INFO)  # AlexeyAB prints batch x subdivisions once per GPU
        batch = int(info.value("batch") or 0) if info is not None else None
    if not per_iteration or not batch:
        return None
    if per_iteration == batch * gpus:
        return True
    if per_iteration == batch * configured:
        return False
    return None


# -- 2. iteration offset ------------------------------------------------------------------------


def _offset(fit: _Fit) -> list[Hypothesis]:
    schedule, check, sample = fit.schedule, fit.check, fit.sample
    low = 0
    high = max(schedule.last_update, int(sample.iterations.max()))
    if schedule.policy.kind == "poly":
        high = min(high, schedule.horizon)  # beyond it the rate is NaN or negative
    pieces = monotone_pieces(schedule, low, high)
    if pieces is None:
        return []
    chosen = _offset_points(check)
    offsets: list[tuple[int, int]] | None = None
    for point in chosen:
        found = preimage(schedule, point.rate, sample.precision, pieces, check.resume)
        shifted = [(a - point.iteration, b - point.iteration) for a, b in found]
        offsets = shifted if offsets is None else intersect(offsets, shifted)
        if not offsets:
            return []
    if not offsets:
        return []
    values = sorted({value for a, b in offsets for value in _nearest_nonzero(a, b)}, key=lambda d: (abs(d), d))
    hypotheses = []
    for value in values[:16]:
        span = next(((a, b) for a, b in offsets if a <= value <= b), None)
        hypotheses.append(Hypothesis(ITERATION_OFFSET, schedule, offset=value, resume=check.resume,
                                     changes=(("offset", value),),
                                     span=(float(span[0]), float(span[1])) if span and span[0] != span[1] else None))
    return hypotheses


def _offset_points(check: SegmentCheck) -> list[RatePoint]:
    """A few telling points: where the printed rate changes, the first disagreement, the ends."""
    anchors = check.anchors
    chosen: dict[int, RatePoint] = {}
    for point in (*(after for _, after in anchors.transitions[:OFFSET_POINTS - 3]), anchors.first[0] if anchors.first
                  else None, check.first_mismatch, anchors.last):
        if point is not None and math.isfinite(point.rate):
            chosen.setdefault(point.iteration, point)
    return list(chosen.values())


def _nearest_nonzero(a: int, b: int) -> list[int]:
    if a > 0:
        return [a]
    if b < 0:
        return [b]
    return [value for value in (-1, 1) if a <= value <= b]


def _rate(schedule: Schedule, iteration: int, resume: tuple[int, int] | None) -> float:
    return float(evaluate(schedule, np.asarray([iteration], dtype=np.int64), resume=resume)[0])


def monotone_pieces(schedule: Schedule, low: int, high: int) -> list[tuple[int, int]] | None:
    """Split ``[low, high]`` where the schedule may change direction; None when it cannot be inverted."""
    policy = schedule.policy
    cuts: set[int] = set()
    if schedule.burn_in is not None:
        cuts.add(schedule.burn_in.iterations)
    if policy.kind == "random":
        return None
    if policy.kind == "steps":
        cuts.update(policy.steps)
    if policy.kind == "sgdr":
        start, cycle = 0, policy.cycle
        if cycle <= 0 or policy.mult <= 0:
            return None
        while start + cycle < high:
            start += cycle
            cycle *= policy.mult
            cuts.add(start + 1)
            if len(cuts) > MAX_PIECES:
                return None
    bounds = [low] + sorted(c for c in cuts if low < c <= high) + [high + 1]
    return [(a, b - 1) for a, b in zip(bounds, bounds[1:]) if a <= b - 1]


def preimage(schedule: Schedule, value: float, precision: Precision, pieces: Iterable[tuple[int, int]],
             resume: tuple[int, int] | None = None) -> list[tuple[int, int]]:
    """The iterations (as closed intervals) whose rate prints as ``value``: two binary searches per piece."""
    tolerance = float(half_unit(np.asarray([value]), np.asarray([value]), precision)[0])
    lowest, highest = value - tolerance, value + tolerance
    found: list[tuple[int, int]] = []
    for a, b in pieces:
        first, last = _rate(schedule, a, resume), _rate(schedule, b, resume)
        if math.isnan(first) or math.isnan(last):
            continue
        if first >= last:  # falling: rates <= highest start at `start`, rates < lowest at `stop`
            start = _first(schedule, a, b, lambda r: r <= highest, resume)
            stop = _first(schedule, start, b, lambda r: r < lowest, resume)
        else:
            start = _first(schedule, a, b, lambda r: r >= lowest, resume)
            stop = _first(schedule, start, b, lambda r: r > highest, resume)
        if start < stop:
            found.append((start, stop - 1))
    return found


def _first(schedule: Schedule, a: int, b: int, test: Callable[[float], bool],
           resume: tuple[int, int] | None) -> int:
    """The first iteration in ``[a, b]`` where ``test`` holds (``b + 1`` if none); ``test`` is monotone there."""
    low, high = a, b + 1
    while low < high:
        middle = (low + high) // 2
        if test(_rate(schedule, middle, resume)):
            high = middle
        else:
            low = middle + 1
    return low


def intersect(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The intersection of two sorted lists of closed integer intervals."""
    result: list[tuple[int, int]] = []
    i = j = 0
    first, second = sorted(first), sorted(second)
    while i < len(first) and j < len(second):
        low = max(first[i][0], second[j][0])
        high = min(first[i][1], second[j][1])
        if low <= high:
            result.append((low, high))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return result


# -- 3. one setting changed ---------------------------------------------------------------------


def shortest_decimal(low: float, high: float) -> float:
    """The number with the fewest significant digits in ``[low, high]`` (the value a person wrote)."""
    middle = (low + high) / 2
    for digits in range(1, 10):
        # if any number of this many digits lies in the interval, the one nearest the middle does
        candidate = float(f"{middle:.{digits}g}")
        if low <= candidate <= high:
            return candidate
    return middle


def _float32(value: float) -> float:
    return float(np.float32(value))


def _peak_rate(schedule: Schedule) -> float:
    """The rate the policy scales: the base rate times the GPU count, as darknet stores it."""
    return float(np.float32(np.float32(schedule.base_lr) * np.float32(schedule.gpus)))


def _base_lr(fit: _Fit) -> list[Hypothesis]:
    schedule, check, sample = fit.schedule, fit.check, fit.sample
    with np.errstate(all="ignore"):
        use = sample.usable & np.isfinite(sample.expected) & (sample.expected > 0)
        if not use.any():
            return []
        low = float(np.max((sample.logged[use] - sample.tolerance[use]) / sample.expected[use]))
        high = float(np.min((sample.logged[use] + sample.tolerance[use]) / sample.expected[use]))
    if low > high or low <= 1 <= high:
        return []
    value = shortest_decimal(schedule.base_lr * low, schedule.base_lr * high)
    candidates = [value, schedule.base_lr * (low + high) / 2]
    return [Hypothesis(BASE_LR, schedule.model_copy(update={"base_lr": _float32(v)}), resume=check.resume,
                       changes=(("base_lr", v),)) for v in candidates]


def _roundest(low: float, high: float, count: int = 8) -> list[int]:
    """Up to ``count`` integers in ``[low, high]``, the roundest (most trailing zeros) first."""
    low_int, high_int = math.ceil(low), math.floor(high)
    found: list[int] = []
    for exponent in range(15, -1, -1):
        unit = 10 ** exponent
        value = -(-low_int // unit) * unit  # the first multiple of unit >= low
        while value <= high_int and len(found) < count:
            if value not in found:
                found.append(value)
            value += unit
    return found


def _policy_points(schedule: Schedule, sample: _Sample) -> np.ndarray:
    """Which sample points are past darknet's burn-in (the policy's own formula applies)."""
    if schedule.burn_in is None:
        return np.ones(sample.iterations.shape, dtype=bool)
    return sample.iterations >= schedule.burn_in.iterations


def _horizon(fit: _Fit) -> list[Hypothesis]:
    schedule, check, sample = fit.schedule, fit.check, fit.sample
    policy = schedule.policy
    if policy.kind != "poly" or policy.power == 0:
        return []
    peak = _peak_rate(schedule)
    power = float(np.float32(policy.power))
    with np.errstate(all="ignore"):
        use = sample.usable & _policy_points(schedule, sample) & (sample.iterations > 0)
        use &= (sample.logged + sample.tolerance) < peak
        if not use.any():
            return []
        n = sample.iterations[use].astype(np.float64)
        ends = [((sample.logged[use] + sign * sample.tolerance[use]) / peak) ** (1 / power) for sign in (-1, 1)]
        bounds = np.sort(np.stack([n / (1 - ends[0]), n / (1 - ends[1])]), axis=0)
    low = max(float(np.max(bounds[0])), float(sample.iterations.max()))
    high = float(np.min(bounds[1]))
    if not low <= high or not math.isfinite(high):
        return []
    hypotheses = []
    for horizon in _roundest(low, high):
        if horizon == schedule.horizon:
            continue
        changed = schedule.model_copy(update={"horizon": horizon, "policy": policy.model_copy(update={"max_iter": horizon})})
        hypotheses.append(Hypothesis(HORIZON, changed, resume=check.resume, changes=(("horizon", horizon),),
                                     span=(math.ceil(low), math.floor(high))))
    return hypotheses


def _steps(fit: _Fit) -> list[Hypothesis]:
    schedule, check, segment, sample = fit.schedule, fit.check, fit.segment, fit.sample
    policy = schedule.policy
    if policy.kind not in ("steps", "multistep", "step"):
        return []
    burn_in = schedule.burn_in.iterations if schedule.burn_in is not None else 0
    if policy.kind == "multistep" and segment.step_status:
        observed = sorted({int(e.iteration) for e in segment.step_status if e.iteration is not None})
        ratios: list[float] = []
    else:
        observed, ratios = [], []
        for before, after in check.anchors.transitions:
            if before.iteration < burn_in:  # darknet's burn-in changes the rate on every row up to its end
                continue
            if after.iteration <= before.iteration:  # runs past MAX_SEGMENTS are merged: the counter went back
                continue
            # the step fired somewhere in (before, after]: the roundest iteration there
            where = after.iteration if after.iteration - before.iteration == 1 else \
                _roundest(before.iteration + 1, after.iteration, 1)[0]
            observed.append(where)
            ratios.append(after.rate / before.rate if before.rate else math.nan)
    if not observed:
        return []
    last_logged = int(sample.iterations.max())
    if policy.kind == "step":
        changed_policy = policy.model_copy(update={"step": observed[0]})
        changes: tuple[tuple[str, object], ...] = (("step", observed[0]),)
    else:
        configured = list(policy.steps if policy.kind == "steps" else policy.stepvalues)
        future = [v for v in configured if v > last_logged]
        steps = observed + future
        if steps == configured:
            return []
        if policy.kind == "multistep":
            changed_policy = policy.model_copy(update={"stepvalues": steps})
            changes = (("steps", steps),)
        else:
            if len(steps) == len(configured):
                scales = list(policy.scales)
            else:
                seen = [_float32(shortest_decimal(r * (1 - 1e-3), r * (1 + 1e-3))) if math.isfinite(r) else 1.0
                        for r in ratios]
                scales = seen + list(policy.scales[len(policy.scales) - len(future):] if future else [])
            changed_policy = policy.model_copy(update={"steps": steps, "scales": scales})
            changes = (("steps", steps), ("scales", scales))
    return [Hypothesis(STEPS, schedule.model_copy(update={"policy": changed_policy}), resume=check.resume,
                       changes=changes)]


def _power(fit: _Fit) -> list[Hypothesis]:
    schedule, check, sample = fit.schedule, fit.check, fit.sample
    policy = schedule.policy
    peak = _peak_rate(schedule)
    intervals: list[np.ndarray] = []
    with np.errstate(all="ignore"):
        low_ratio = np.log((sample.logged - sample.tolerance) / peak)
        high_ratio = np.log((sample.logged + sample.tolerance) / peak)
        usable = sample.usable & (sample.logged + sample.tolerance < peak)
        n = sample.iterations.astype(np.float64)
        in_policy = _policy_points(schedule, sample)
        if policy.kind == "poly" and policy.max_iter > 0:
            base = np.log(1 - n / np.float32(policy.max_iter))  # negative inside (0, max_iter)
            use = usable & in_policy & (n > 0) & (n < policy.max_iter)
            intervals.append(np.stack([high_ratio[use] / base[use], low_ratio[use] / base[use]]))
        if policy.kind == "inv" and policy.gamma > 0:
            base = np.log(1 + np.float32(policy.gamma) * n)  # positive for n > 0
            use = usable & (n > 0)
            intervals.append(np.stack([-high_ratio[use] / base[use], -low_ratio[use] / base[use]]))
        if schedule.burn_in is not None and schedule.burn_in.iterations > 0:
            base = np.log(n / schedule.burn_in.iterations)  # negative inside the burn-in
            use = usable & ~in_policy & (n > 0)
            intervals.append(np.stack([high_ratio[use] / base[use], low_ratio[use] / base[use]]))
    bounds = np.concatenate(intervals, axis=1) if intervals else np.empty((2, 0))
    if bounds.shape[1] == 0:
        return []
    low, high = float(np.max(np.min(bounds, axis=0))), float(np.min(np.max(bounds, axis=0)))
    if not low <= high:
        return []
    value = _float32(shortest_decimal(low, high))
    update: dict[str, object] = {}
    if policy.kind in ("poly", "inv"):
        update["policy"] = policy.model_copy(update={"power": value})
    if schedule.burn_in is not None:
        update["burn_in"] = schedule.burn_in.model_copy(update={"power": value})  # darknet: one `power` key for both
    if not update:
        return []
    return [Hypothesis(POWER, schedule.model_copy(update=update), resume=check.resume,
                       changes=(("power", shortest_decimal(low, high)),), span=(low, high))]


# -- plain-language descriptions ----------------------------------------------------------------


def _parameter(schedule: Schedule, kind: str) -> str | None:
    """The schedule parameter a hypothesis changes."""
    if kind == STEPS:
        return {"steps": "steps", "multistep": "stepvalues", "step": "step"}.get(schedule.policy.kind)
    return {BASE_LR: "base_lr", HORIZON: "horizon", POWER: "power"}.get(kind)


def setting_name(schedule: Schedule, kind: str) -> str:
    """The config key of a hypothesis' setting, in the schedule's framework (``Arithmetic.setting_key``)."""
    parameter = _parameter(schedule, kind)
    return kind if parameter is None else schedule.arithmetic.setting_key(schedule, parameter)


def setting_text(schedule: Schedule, kind: str, value: str) -> tuple[str, bool]:
    """A hypothesis' setting with a value as messages write it, and whether a config key holds it:
    ``key=value``, or ``plateau steps at value`` for what the schedule worked out (``Arithmetic.worked_out``)."""
    parameter = _parameter(schedule, kind)
    worked_out = None if parameter is None else schedule.arithmetic.worked_out(schedule, parameter)
    if worked_out is not None:
        return f"{worked_out} at {value}", False
    return f"{setting_name(schedule, kind)}={value}", True
