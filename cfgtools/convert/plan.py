"""Which PyTorch scheduler reproduces a schedule: a built-in checked against the framework, or a LambdaLR.

The scheduler's ``last_epoch`` is the framework's own iteration counter: the
iteration whose rate the next optimizer step uses (darknet's batch number,
Caffe's ``iter_``; see ``Arithmetic.first_update``). With that convention the
built-in schedulers take the framework's own numbers (``StepLR(step_size=step)``,
``MultiStepLR(steps)``) without a shift, and a run resumed after s updates is the scheduler at ``last_epoch =
s + first_update``, whatever the scheduler.

A built-in (ConstantLR, StepLR, MultiStepLR) is chosen only when its closed
form matches the framework's float32 arithmetic at every update of the horizon
(checked with the schedule's own arithmetic); otherwise a ``LambdaLR`` over the
framework's exact rate function (``Arithmetic.python_source``) is emitted.
ExponentialLR and PolynomialLR are not offered: their constructor on torch's
resume path changed in pytorch/pytorch#149312, and a LambdaLR is exact on every
torch release.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from cfgtools.recipe import Recipe
from cfgtools.schedule.analysis import extremes
from cfgtools.schedule.evaluate import evaluate, rate_at
from cfgtools.schedule.model import Schedule, SourceConstant

#: the equivalence tolerance of the emitted code (relative; absolute near zero)
REL_TOL = 1e-6
ABS_TOL = 1e-12
#: a built-in must be this close to be chosen (margin for float64 chaining)
_CHOOSE_REL = 8e-7
#: iterations checked when the config sets no horizon (py-faster-rcnn passes --iters instead)
PROBE_HORIZON = 1 << 20
#: longest horizon compared update by update (a built-in for a longer one is not chosen: LambdaLR is exact)
MAX_COMPARED_UPDATES = 1 << 24


class RefuseError(Exception):
    """The schedule cannot be reproduced (random policy, NaN/inf rates, ...): exit 1."""


@dataclass(frozen=True)
class SchedulerPlan:
    """The scheduler an emitted module builds, with what its code needs."""

    #: torch.optim.lr_scheduler class name
    scheduler: str
    #: why this scheduler (one line, comment text)
    why: str
    #: module-level constants the code below refers to
    constants: tuple[SourceConstant, ...] = ()
    #: built-ins: keyword arguments (name -> constant name or literal)
    kwargs: dict[str, str] = field(default_factory=dict)
    #: built-ins: the closed form relative to the initial lr, a Python expression of ``it``
    factor: str = ""
    #: LambdaLR: the source of ``framework_rate(it)``
    rate_function: str = ""


def deviation(candidate: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Relative deviation per element (0 within ABS_TOL, inf when the reference is 0)."""
    cand = np.asarray(candidate, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    diff = np.abs(cand - ref)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(diff <= ABS_TOL, 0.0, diff / np.abs(ref))
    both_nan = np.isnan(cand) & np.isnan(ref)
    rel = np.where(both_nan, 0.0, rel)
    return np.where(np.isnan(rel), np.inf, rel)


def update_iterations(schedule: Schedule, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Framework iterations used by optimizer steps ``start .. stop-1`` (0-based) from scratch."""
    first = schedule.first_update
    stop = schedule.horizon if stop is None else stop
    return np.arange(first + start, first + max(stop, start), dtype=np.int64)


def checked_horizon(schedule: Schedule) -> int:
    """How many updates a comparison covers: the horizon, or a probe when the config sets none."""
    return schedule.horizon if schedule.horizon > 0 else PROBE_HORIZON


def worst_deviation(horizon: int, reference: Callable[[int, int], np.ndarray],
                    candidate: Callable[[int, int], np.ndarray], chunk: int = 1 << 20) -> float | None:
    """Largest relative deviation of ``candidate`` from ``reference`` over updates ``0..horizon-1``.

    Both give the rates of updates ``start..stop-1`` (0-based). None when the
    horizon is too long to compare every update (more than MAX_COMPARED_UPDATES).
    """
    if horizon > MAX_COMPARED_UPDATES:
        return None
    worst = 0.0
    with np.errstate(all="ignore"):
        for start in range(0, horizon, chunk):
            stop = min(horizon, start + chunk)
            worst = max(worst, float(deviation(candidate(start, stop), reference(start, stop)).max(initial=0.0)))
    return worst


@dataclass(frozen=True)
class Mismatch:
    """How an approximate schedule differs from the one it stands for, in terms a user can weigh.

    The relative deviation that decides exactness is useless here: where the
    reference is near 0 (a burn-in's first updates) any difference is huge
    relative to it. So: how many updates differ, and the largest difference as a
    share of the reference's peak rate, with the update where it is.
    """

    updates: int  #: updates whose rates differ beyond the tolerance
    horizon: int  #: updates compared
    of_peak: float  #: largest |difference| / the reference's largest rate
    at: int  #: the update (1-based) where the difference is largest

    def describe(self) -> str:
        return (f"differs at {self.updates} of {self.horizon} updates, by up to {100 * self.of_peak:.3g}% of the peak "
                f"rate (update {self.at})")


def mismatch(horizon: int, reference: Callable[[int, int], np.ndarray],
             candidate: Callable[[int, int], np.ndarray], chunk: int = 1 << 20) -> Mismatch:
    """:class:`Mismatch` of ``candidate`` against ``reference`` over updates ``0..horizon-1`` (the callables as
    :func:`worst_deviation` takes them; the caller has checked the horizon is not too long)."""
    differing, peak, largest, at = 0, 0.0, -1.0, 1
    with np.errstate(all="ignore"):
        for start in range(0, horizon, chunk):
            stop = min(horizon, start + chunk)
            ref = np.asarray(reference(start, stop), dtype=np.float64)
            diff = np.abs(np.asarray(candidate(start, stop), dtype=np.float64) - ref)
            diff = np.where(np.isnan(diff), np.inf, diff)
            differing += int(np.count_nonzero(deviation(ref + diff, ref) > REL_TOL))
            peak = max(peak, float(np.nanmax(np.abs(ref), initial=0.0)))
            index = int(np.argmax(diff))
            if diff[index] > largest:
                largest, at = float(diff[index]), start + index + 1
    return Mismatch(differing, horizon, largest / peak if peak > 0 else float("inf"), at)


def check_reproducible(recipe: Recipe) -> None:
    """Refuse schedules no code can follow: random, NaN/inf over the horizon."""
    s = recipe.schedule
    if s.is_random:
        raise RefuseError(
            "policy random draws lr * U(0,1)^power from libc rand() at every update: "
            "it is not deterministic, so no scheduler can reproduce it"
        )
    try:
        # by pieces: the cost does not grow with the horizon
        found = extremes(s, s.first_update, s.first_update + checked_horizon(s) - 1)
        bad = [at for at in (found.first_nan, found.first_inf) if at is not None]
        if bad:
            at = min(bad)
            hint = ""
            if s.policy.kind == "poly" and s.policy.max_iter == 0:
                hint = " (poly divides by its max_iter, which is 0 or missing)"
            raise RefuseError(
                f"the learning rate is {rate_at(s, at)!r} at {s.arithmetic.iteration_name} {at}{hint}: the framework "
                "would train with NaN/inf rates, so there is nothing finite to reproduce"
            )
    except (ValueError, ZeroDivisionError) as exc:  # the framework itself cannot compute this schedule
        raise RefuseError(str(exc)) from None


# ---------------------------------------------------------------------------
# built-in candidates


@dataclass(frozen=True)
class _Builtin:
    scheduler: str
    kwargs: dict[str, str]
    constants: tuple[SourceConstant, ...]
    factor: str
    #: the same closed form over a numpy array of iterations (for the check)
    closed_form: Callable[[np.ndarray], np.ndarray]


def _builtin_candidate(recipe: Recipe, named: dict[str, SourceConstant]) -> _Builtin | None:
    """The built-in whose closed form is the schedule's formula, if any (its float32 arithmetic is checked later).

    ``named`` holds the framework's own constants by policy field, so the
    emitted code keeps the framework's names (``STEP``/``SCALE``, ``STEPSIZE``/``GAMMA``).
    """
    s = recipe.schedule
    p = s.policy

    def constant(field_name: str, name: str, value, comment: str) -> SourceConstant:
        return named.get(field_name) or SourceConstant(name, value, comment, field_name)

    if s.burn_in is not None and s.burn_in.iterations != 0:
        return None
    kind = p.kind
    if kind == "constant":
        return _Builtin("ConstantLR", {"factor": "1.0", "total_iters": "0"}, (), "1.0", lambda e: np.ones(e.shape))
    if kind == "step" and p.step > 0:
        step = constant("step", "STEP_SIZE", p.step, "iterations per step")
        gamma = constant("gamma", "GAMMA", p.gamma, "multiplier per step (float32 value)")
        return _Builtin("StepLR", {"step_size": step.name, "gamma": gamma.name}, (step, gamma),
                        f"{gamma.name} ** (it // {step.name})",
                        lambda e: np.power(np.float64(p.gamma), (e // p.step).astype(np.float64)))
    if kind in ("multistep", "steps"):
        values = list(p.stepvalues if kind == "multistep" else p.steps)
        if kind == "steps":
            scales = list(p.scales[: len(values)])
            if not scales or any(x != scales[0] for x in scales):
                return None
            gamma_value = scales[0]
        else:
            gamma_value = p.gamma
        if not values or any(v < 1 for v in values) or any(b <= a for a, b in zip(values, values[1:])):
            return None
        milestones = SourceConstant("MILESTONES", tuple(values), "iterations where the rate is multiplied")
        gamma = constant("gamma", "GAMMA", gamma_value, "multiplier at each milestone (float32 value)")
        m = np.asarray(values, dtype=np.int64)

        def passed(e: np.ndarray) -> np.ndarray:
            return np.searchsorted(m, e, side="right").astype(np.float64)

        return _Builtin("MultiStepLR", {"milestones": "MILESTONES", "gamma": gamma.name}, (milestones, gamma),
                        f"{gamma.name} ** bisect.bisect_right(MILESTONES, it)",
                        lambda e: np.power(np.float64(gamma_value), passed(e)))
    return None


def builtin_deviation(recipe: Recipe, closed_form: Callable[[np.ndarray], np.ndarray]) -> float | None:
    """Largest relative deviation of a built-in's closed form from the framework over the horizon (None: too long)."""
    s = recipe.schedule

    def framework(start: int, stop: int) -> np.ndarray:
        return evaluate(s, update_iterations(s, start, stop)).astype(np.float64)

    def builtin(start: int, stop: int) -> np.ndarray:
        return recipe.base_lr * closed_form(update_iterations(s, start, stop))

    return worst_deviation(checked_horizon(s), framework, builtin)


def choose(recipe: Recipe) -> SchedulerPlan:
    """The scheduler for ``recipe`` (raises RefuseError for random/NaN/inf schedules)."""
    check_reproducible(recipe)
    s = recipe.schedule
    source = s.arithmetic.python_source(s)
    named = {c.field: c for c in source.constants if c.field} if source is not None else {}
    candidate = _builtin_candidate(recipe, named)
    why = ""
    if candidate is not None:
        worst = builtin_deviation(recipe, candidate.closed_form)
        if worst is None:
            why = (f"{candidate.scheduler} is not checked over {checked_horizon(s)} updates (too long to compare "
                   "every one), so the exact formula is used")
        elif worst <= _CHOOSE_REL:
            return SchedulerPlan(
                scheduler=candidate.scheduler, constants=candidate.constants, kwargs=candidate.kwargs,
                factor=candidate.factor,
                why=f"{candidate.scheduler} reproduces the framework at every update of the horizon "
                    f"(largest relative difference {worst:.1e})",
            )
        else:
            why = (f"{candidate.scheduler} would differ from the framework's float32 arithmetic by up to "
                   f"{worst:.1e} (relative), so the exact formula is used")
    if source is None:
        raise RefuseError(f"no built-in scheduler matches this {s.policy.kind} schedule and "
                          f"{recipe.title} gives no exact Python source of its rate function")
    return SchedulerPlan(scheduler="LambdaLR", why=why or _lambda_reason(s), constants=source.constants,
                         rate_function=source.function)


def _lambda_reason(s: Schedule) -> str:
    p = s.policy
    if s.burn_in is not None and s.burn_in.iterations != 0:
        return "burn-in (lr * (b/burn_in)^power) has no built-in scheduler"
    reasons = {
        "steps": "steps with unequal scales, unsorted, or non-positive steps: no built-in matches",
        "multistep": "multistep with unsorted, duplicate or non-positive stepvalues advances at most "
                     "once per iteration: MultiStepLR would sort/merge them",
        "inv": "inv has no built-in scheduler",
        "sigmoid": "sigmoid has no built-in scheduler",
        "sgdr": "SGDR restarts one iteration later than CosineAnnealingWarmRestarts "
                "(the iteration that ends a cycle still belongs to it)",
        "step": "step with a non-positive step has no built-in equivalent",
        "poly": "poly with max_iter 0 has no built-in equivalent",
    }
    if s.horizon <= 0:
        return "no horizon in the config: the exact formula is used"
    return reasons.get(p.kind, "no built-in scheduler matches")
