"""Plan a smooth resume: the fewest schedule edits that continue a run without a jump in the rate.

A checkpoint taken after ``s`` completed updates is resumed with an edited
config. Both frameworks recompute the rate from the stored iteration and the
*edited* parameters (darknet ``get_current_rate``, src/network.c; Caffe
``SGDSolver::GetLearningRate``, src/caffe/solvers/sgd_solver.cpp, after
``Solver::Restore`` restored ``iter_`` and ``current_step_``), so raising
``max_batches`` under ``poly`` multiplies the rate at the resume point.
:func:`plan_extension` searches, policy by policy, for edits of the
framework-neutral parameters below and keeps the plans with the fewest edits
that meet three conditions, checked with the framework's own arithmetic
(:func:`cfgtools.schedule.evaluate.evaluate`):

1. *continuity*: the first update after the resume uses the rate of the last
   update before it, within :data:`TOLERANCE` (relative). Inside darknet's
   burn-in the warm-up simply continues (the first update uses the rate the old
   schedule had there); from ``s = 0`` likewise; with a start rate or a rewind
   iteration the first update uses that rate.
2. *monotonicity*: from the first update after the resume (after burn-in) to
   the end, the rate never rises when the plan goes down to the target, and
   never falls when it goes up (a plan goes up only when the old schedule was
   not decaying). An SGDR plan stays inside one cosine cycle.
3. *end*: the rate at the new end equals the target within :data:`TOLERANCE`
   (exactly, for a target of 0).

When the float32 parameters cannot meet 1 or 3 within the tolerance (``exp``
over many updates: one float32 step of ``gamma`` moves the end rate by about
``(end - resume) * 6e-8``; a sigmoid's whole ``step``), the plan with the
nearest representable values is returned with ``exact=False`` and its
residuals; such plans are returned only when no plan is exact. Plans that need
a configured rate over :data:`MAX_BASE_FACTOR` times the old one (``exp`` and
``inv`` count from iteration 0, so a much faster decay late in training needs
an absurd base rate) are not offered.

The target is ``end_lr`` (or ``end_fraction`` of the old configured rate); by
default the rate the old schedule had at its own end point (0 for poly, which
refuses any other target; the product of the scales for steps; ...) and
``lr_min`` for SGDR. A resume rate of 0, or at most ``negligible`` (default
:data:`NEGLIGIBLE_FRACTION`) of the configured rate, of a schedule that is not
rising, and poly resumed at its ``max_iter`` (Caffe's last update is one short
of the 0 there), raise :class:`ZeroRateAtResume`: the caller must give a start
rate or a rewind iteration.

Conventions (see :mod:`cfgtools.schedule.model`). darknet: update ``k`` uses
``rate(k)``; the last update before the checkpoint used ``rate(s)``, the first
after uses ``rate(s + 1)``, the end point is ``b = max_batches`` (the last
update; poly is exactly 0 there). Caffe: update ``i`` (0-based) uses
``lr(i)``; before the checkpoint ``lr(s - 1)``, after it ``lr(s)`` with the
restored multistep index; the end point is ``iter_ = max_iter``, where poly is
0 (the last update uses ``max_iter - 1``, reported as ``Plan.last_lr``).

Nothing here tests a framework's name: what differs between frameworks comes
from the schedule's :class:`~cfgtools.schedule.model.Arithmetic` (``first_update``,
``state_after``, ``gpu_multiplier``, ``sigmoid_sign``, ``unsigned_iterations``,
``setting_key``, ``lowest``). Parameters (neutral name -> darknet key / Caffe field)::

    base_lr     learning_rate            base_lr
    horizon     max_batches              max_iter     (also poly's max_iter in both,
                                                       and darknet's default sgdr_cycle)
    power       power (poly; shared      power        (poly, inv)
                with burn-in's exponent)
    gamma       scale (step), gamma      gamma
    step        step                     stepsize
    steps       steps + scales           -
    stepvalues  -                        stepvalue (repeated)
    lr_min      learning_rate_min        -
    cycle/mult  sgdr_cycle/sgdr_mult     -
    burn_in     burn_in                  -

``horizon`` always becomes the new end. The policy itself, ``burn_in`` and
``mult`` are never edited: after burn-in a larger ``burn_in`` would restart the
warm-up at the resume point (darknet applies ``(b / burn_in) ** power`` while
``b < burn_in``) and a smaller one changes nothing; inside burn-in the warm-up
continues unchanged (its ``power`` is then left alone too).

Plans of each policy, in the default order of preference (the first exact plan
with the fewest edits is the recommendation):

- constant/fixed: horizon only; ``base_lr`` when the GPU count changes.
- poly: ``base_lr`` (keeps the annealing's shape: what RS001 suggests), then
  ``power`` (keeps ``learning_rate`` and decays faster at first).
- step: nothing; ``base_lr``; ``step`` alone (levels unchanged, boundaries
  moved so the target level is reached by the end); ``gamma``;
  ``gamma`` + ``base_lr``; ``step`` + ``base_lr``; last ``step``, ``gamma``
  and ``base_lr`` (the resume on the first level, the other boundaries up to
  the end). In Caffe the last update (``max_iter - 1``) must already be on
  the end's level.
- steps (darknet): steps and scales after the resume point rewritten: the old
  remaining steps stretched to the new end with their scales, else new steps
  (as many as before, or one per decade of the ratio) with equal scales whose
  float32 product reaches the target. Steps already passed are kept.
- multistep (Caffe): likewise for ``stepvalue`` from the restored
  ``current_step`` on; a new ``gamma`` (and ``base_lr`` when steps were
  already passed) when no whole number of old steps reaches the target.
- exp: ``gamma`` alone, then ``gamma`` + ``base_lr``.
- inv: ``power`` + ``base_lr``, ``gamma`` + ``base_lr``, ``gamma`` + ``power``.
- sigmoid: ``gamma`` + ``step``, ``gamma`` + ``base_lr``, ``step`` + ``base_lr``,
  then all three. Caffe's plans keep ``gamma >= 0`` and ``stepsize > 0`` (BVLC
  checks both at the first update), so a Caffe sigmoid only rises.
- sgdr: ``lr_min`` (+ ``base_lr``) when the new end already closes the cycle
  the resume falls in, else one cycle to the new end (``cycle`` = new end).
- random: refused (the rate is a random draw at every update).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
from pydantic import ValidationError

from cfgtools.errors import InputError
from cfgtools.schedule.evaluate import evaluate
from cfgtools.schedule.model import Schedule

#: relative tolerance of the continuity and end conditions
TOLERANCE = 1e-6
#: a rate at or below this fraction of the configured rate counts as "already 0"
NEGLIGIBLE_FRACTION = 1e-6
#: "a few percent of training": a resume may go back this share of the old run's updates (to the rate
#: the old run had there) without counting as a jump (RS001 measures a restart from 0 against that rate)
REWIND_SHARE = 0.05
#: a plan whose configured rate exceeds the old one (or the resume rate) this many times is not offered:
#: it would rely on the far tail of a curve (e.g. exp counts from iteration 0) and is absurd in a config
MAX_BASE_FACTOR = 1000.0
#: when no plan is exact, the nearest ones are offered up to this many times the best residual
NEAREST_WINDOW = 10.0
#: the neutral parameters a plan may change (``steps`` covers steps and scales)
PARAMETERS = ("base_lr", "horizon", "power", "gamma", "step", "steps", "stepvalues", "lr_min", "cycle", "mult",
              "burn_in")

_INT_MAX = 2**31 - 1  # iterations, steps and cycles are C ints in both frameworks
_FLOAT_MAX = float(np.finfo(np.float32).max)
_TINY = float(np.finfo(np.float32).smallest_subnormal)

#: policies whose rate changes only at steps (the others are smooth formulas of the iteration)
_PIECEWISE = ("constant", "step", "steps", "multistep")


class ExtendRefused(InputError):
    """No plan can be made; the message says why (one line)."""


class ZeroRateAtResume(ExtendRefused):
    """The old schedule is at (or negligibly above) 0 at the resume point: continuing it means training
    at 0, so a start rate or a rewind iteration is needed."""

    def __init__(self, message: str, path: str | None, iteration: int, rate: float,
                 rewind: int | None = None):
        super().__init__(message, path)
        self.iteration = iteration
        self.rate = rate
        #: the furthest rewind that does not jump (:func:`rewind_limit`), when the schedule decays
        self.rewind = rewind


@dataclass(frozen=True)
class Change:
    """One edited parameter: its neutral name, the key the framework reads, the old and new values."""

    name: str
    key: str
    old: object
    new: object

    @property
    def group(self) -> str:
        """The parameter counted as one edit (darknet's steps and scales change together)."""
        return "steps" if self.name == "scales" else self.name


@dataclass(frozen=True)
class Plan:
    """A planned schedule and what it does at the resume point and at the end.

    Evaluate ``schedule`` with ``resume`` (Caffe's restored ``(iter, current_step)``; None for darknet)
    to reproduce every number here.
    """

    schedule: Schedule
    strategy: str  #: what the plan does, in words
    changes: tuple[Change, ...]
    resume_iteration: int  #: s, the completed updates in the checkpoint
    first_update: int  #: the iteration index of the first update after the resume
    resume: tuple[int, int] | None
    before_lr: float | None  #: rate of the last update before the checkpoint (old schedule)
    reference_lr: float  #: the rate the first update after the resume must use
    after_lr: float  #: the rate the first update after the resume uses
    end_iteration: int  #: the end point (darknet: the last update; Caffe: max_iter)
    end_lr: float  #: the rate at the end point
    last_lr: float  #: the rate of the last update (Caffe: max_iter - 1; darknet: the end point)
    target_lr: float
    exact: bool  #: continuity and end within TOLERANCE (else the nearest float32 values)
    notes: tuple[str, ...] = ()

    @property
    def ratio(self) -> float:
        """after_lr / reference_lr (1 when continuous; a rising schedule may continue from 0)."""
        if self.reference_lr == 0:
            return 1.0 if self.after_lr == 0 else math.inf
        return self.after_lr / self.reference_lr

    @property
    def residual(self) -> float:
        """ratio - 1: the relative jump left at the resume point."""
        return self.ratio - 1.0

    @property
    def end_residual(self) -> float:
        """end_lr / target_lr - 1 (for a target of 0: end_lr itself)."""
        return self.end_lr / self.target_lr - 1.0 if self.target_lr else self.end_lr

    @property
    def changed(self) -> tuple[str, ...]:
        """The edited parameters, each counted once (horizon included when it changes)."""
        return tuple(dict.fromkeys(change.group for change in self.changes))


def plan_extension(
    old: Schedule,
    resume_at: int,
    new_end: int,
    *,
    current_step: int | None = None,
    end_lr: float | None = None,
    end_fraction: float | None = None,
    allowed: set[str] | frozenset[str] | None = None,
    start_lr: float | None = None,
    rewind_to: int | None = None,
    gpus: int | None = None,
    negligible: float = NEGLIGIBLE_FRACTION,
) -> list[Plan]:
    """The plans with the fewest edits that resume ``old`` after ``resume_at`` updates and end at ``new_end``.

    - ``new_end``: the new ``max_batches`` / ``max_iter`` (it may be shorter than the old one).
    - ``current_step``: Caffe's restored multistep index (from the .solverstate); by default the index
      an uninterrupted run of ``old`` had after ``resume_at`` iterations.
    - ``end_lr`` or ``end_fraction`` (of the old configured rate, ``base_lr * gpus``): the rate wanted at
      the new end; by default the rate the old schedule had at its own end (0 for poly, the product of
      the scales for steps, ``lr_min`` at a cycle end for SGDR, ...).
    - ``allowed``: the parameters that may change (default: all of :data:`PARAMETERS`).
    - ``start_lr`` or ``rewind_to``: the rate to start from when the old schedule is at 0 there (or any
      deliberate new start): ``rewind_to`` takes the rate the old schedule had at that iteration.
    - ``gpus``: darknet's GPU count of the resumed run (default: the old one).

    Returns the exact plans with the fewest changed parameters, best first (see the module docstring
    for the order); when none is exact, the nearest ones (residual within NEAREST_WINDOW times the
    best), nearest first. Raises :class:`ExtendRefused` (one line)
    when no plan exists, with the reason, and :class:`ZeroRateAtResume` when a start rate is needed.
    """
    frame = _frame(old, resume_at, new_end, current_step, end_lr, end_fraction, start_lr, rewind_to, gpus,
                   negligible)
    allowed = frozenset(PARAMETERS if allowed is None else allowed)
    unknown = allowed - set(PARAMETERS)
    if unknown:
        raise ExtendRefused(f"unknown parameter(s) {', '.join(sorted(unknown))} (known: {', '.join(PARAMETERS)})",
                            old.source or None)
    if "horizon" not in allowed and new_end != old.horizon:
        raise frame.refuse(f"the new end {new_end} is a new {_key(old, 'horizon')}, which may not change")
    outcomes, reasons, seen = [], [], set()
    for label, solve in _STRATEGIES[old.policy.kind]:
        result = _attempt(frame, label, solve)
        if isinstance(result, str):
            reasons.append(f"{label}: {result}")
            continue
        signature = tuple((c.name, repr(c.new)) for c in result.changes)
        if signature in seen:
            continue
        seen.add(signature)
        forbidden = [group for group in result.changed if group not in allowed]
        if forbidden:
            reasons.append(f"{label}: would change {', '.join(forbidden)}")
            continue
        outcomes.append(result)
    if not outcomes:
        raise frame.refuse(f"no plan resumes at {frame.reference_lr_text()} and reaches {frame.target:.6g} "
                           f"at {new_end}: " + "; ".join(reasons))
    exact = [plan for plan in outcomes if plan.exact]
    if exact:
        fewest = min(len(plan.changed) for plan in exact)
        return [plan for plan in exact if len(plan.changed) == fewest]  # in order of preference

    def miss(plan: Plan) -> float:
        return max(abs(plan.residual), abs(plan.end_residual))

    best = min(miss(plan) for plan in outcomes)
    nearest = [plan for plan in outcomes if miss(plan) <= NEAREST_WINDOW * best]
    return sorted(nearest, key=lambda plan: (miss(plan), len(plan.changed)))


def plan_restart(
    old: Schedule,
    resume_at: int,
    new_end: int,
    *,
    current_step: int | None = None,
    start_lr: float | None = None,
    rewind_to: int | None = None,
    negligible: float = NEGLIGIBLE_FRACTION,
    **options,
) -> list[Plan]:
    """Plans for a run that restarts at iteration 0 on the weights of a checkpoint taken after ``resume_at`` updates.

    A restart (darknet ``-clear``, Caffe ``--weights``) trains ``new_end`` updates from iteration 0: burn-in
    warms up again over its updates, then the policy takes over. The plans make the policy's first rate after
    the warm-up equal the rate the checkpoint's run last used (or ``start_lr``, or the old rate at
    ``rewind_to``) and reach the end rate at ``new_end``: :func:`plan_extension` of ``old`` resumed where the
    new warm-up ends, from that rate. ``options`` are :func:`plan_extension`'s (end rate, allowed, gpus).
    """
    where = old.source or None
    if start_lr is not None and rewind_to is not None:
        raise ExtendRefused("give a start rate or a rewind iteration, not both", where)
    if start_lr is None:
        last = old.first_update + resume_at - 1  # the last update before the checkpoint
        if rewind_to is not None:
            if not old.first_update <= rewind_to <= last:
                raise ExtendRefused(f"the rewind iteration {rewind_to} is not between {old.first_update} and the "
                                    f"checkpoint's last update {last}", where)
            last = int(rewind_to)
        elif resume_at < 1:
            raise ExtendRefused("the checkpoint has no update: there is no rate to continue from", where)
        state = old.arithmetic.state_after(old, resume_at) if current_step is None else int(current_step)
        start_lr = _rate(old, last, None if state is None else (resume_at, state))
        if not (math.isfinite(start_lr) and start_lr > negligible * _peak(old)):
            raise ZeroRateAtResume(
                f"the rate at iteration {last} is {start_lr:.6g}: a restart that continues from it would train "
                "at 0; give a start rate, or an iteration to rewind to (its old rate is used)",
                where, resume_at, start_lr)
    warm = old.burn_in.iterations if old.burn_in is not None else 0
    start = max(warm - old.first_update, 0)  # resumed here, the first update is the first after the warm-up
    plans = plan_extension(old, start, new_end, current_step=0, start_lr=start_lr, negligible=negligible, **options)
    note = ("the run restarts at iteration 0" + (f" and warms up again over {warm} updates" if warm else "") +
            f"; from update {old.first_update + start} the rate continues from {start_lr:.6g}")
    return [replace(plan, notes=(note,) + tuple(n for n in plan.notes if "rewind" not in n and "goes back" not in n))
            for plan in plans]


def parameters_of_keys(schedule: Schedule, keys) -> frozenset[str]:
    """The neutral parameters the config keys ``keys`` set (``learning_rate`` -> ``base_lr``)."""
    names = PARAMETERS + ("scales", "burn_in_power")
    found: set[str] = set()
    for key in keys:
        matching = {name for name in names if _key(schedule, name) == key}
        if not matching:
            known = sorted({_key(schedule, name) for name in PARAMETERS})
            raise ExtendRefused(f"{key!r} is not a setting a plan may change (known: {', '.join(known)})",
                                schedule.source or None)
        found |= {"steps" if name == "scales" else "power" if name == "burn_in_power" else name
                  for name in matching}
    return frozenset(found)


def allowed_parameters(schedule: Schedule, keep=(), change=None) -> frozenset[str]:
    """The parameters a plan may edit: all but those of the ``keep`` keys, or only those of the ``change`` keys.

    The end (``horizon``) is always allowed with ``change``: it is what an extension changes.
    """
    if change is not None:
        return parameters_of_keys(schedule, change) | {"horizon"}
    return frozenset(PARAMETERS) - parameters_of_keys(schedule, keep)


def rewind_iteration(schedule: Schedule, rate: float, stop: int | None = None) -> int | None:
    """The last iteration up to ``stop`` at which a decaying ``schedule`` still had at least ``rate``.

    It says which point of the old annealing a new start rate goes back to (e.g. a restart at 1.6e-4
    of a poly schedule that ran 0.01 -> 0 over 700,000 batches rewinds it to batch ~450,000).
    The search starts where burn-in ends. Bisection over iterations (the schedule must be
    non-increasing on the range, see :func:`decays`): O(log stop) evaluations. None when even
    the first update after burn-in is below ``rate``.
    """
    low = max(schedule.first_update, schedule.burn_in.iterations if schedule.burn_in is not None else 0)
    high = schedule.last_update if stop is None else int(stop)
    if high < low or _rate(schedule, low) < rate:
        return None
    while low < high:
        middle = (low + high + 1) // 2
        if _rate(schedule, middle) >= rate:
            low = middle
        else:
            high = middle - 1
    return low


def rewind_limit(schedule: Schedule, resume_at: int) -> tuple[int, float] | None:
    """The update :data:`REWIND_SHARE` of training before the checkpoint (not before burn-in ends) and the
    rate there: a resume of a decaying ``schedule`` at ``resume_at`` may start from any rate up to that one
    without going back more than "a few percent" of its annealing. None when the schedule does not decay."""
    if not decays(schedule):
        return None
    before = schedule.first_update + resume_at - 1
    start = max(schedule.first_update, schedule.burn_in.iterations if schedule.burn_in is not None else 0)
    iteration = max(start, before - math.ceil(REWIND_SHARE * schedule.horizon))
    if iteration > before:
        return None
    return iteration, _rate(schedule, iteration)


def decays(schedule: Schedule) -> bool:
    """Whether the rate never rises after burn-in, from the policy's parameters (what :func:`rewind_iteration`
    needs). SGDR restarts and random draws do not qualify; steps only when no scale is above 1."""
    p = schedule.policy
    kind = p.kind
    if kind == "constant":
        return True
    if kind in ("step", "exp", "multistep"):
        return 0 <= p.gamma <= 1
    if kind == "steps":
        return all(0 <= scale <= 1 for scale in p.scales)
    if kind == "poly":
        return p.power >= 0
    if kind == "inv":
        return p.gamma >= 0 and p.power >= 0
    if kind == "sigmoid":  # an unsigned iteration makes it 0 below the step (wrap-around), then it jumps
        rate = schedule.arithmetic.sigmoid_sign * p.gamma
        return rate == 0 or (rate > 0 and not (schedule.arithmetic.unsigned_iterations(schedule) and p.step > 0))
    return False


# ----------------------------------------------------------------------------- the resume's frame


@dataclass(frozen=True)
class _Frame:
    """Everything about the resume that does not depend on the plan."""

    old: Schedule
    template: Schedule  #: the old schedule with the new horizon and GPU count
    resume_at: int
    first: int  #: iteration index of the first update after the resume
    end: int  #: the end point
    resume: tuple[int, int] | None  #: Caffe's restored (iter, current_step)
    before_lr: float | None
    reference: float  #: the rate the first update after the resume must use
    reference_how: str
    anchored: bool  #: the reference is a start rate or a rewind, not the old schedule's last rate
    target: float
    direction: str  #: "down", "up" or "flat" from the reference to the target
    monotone_from: int  #: first iteration checked for monotonicity (after burn-in)
    warm_up: bool  #: the resume falls inside darknet's burn-in

    def refuse(self, message: str) -> ExtendRefused:
        return ExtendRefused(message, self.old.source or None)

    def reference_lr_text(self) -> str:
        return f"{self.reference:.6g} ({self.reference_how})"


def _frame(old, resume_at, new_end, current_step, end_lr, end_fraction, start_lr, rewind_to, gpus, negligible):
    where = old.source or None

    def refuse(message: str) -> ExtendRefused:
        return ExtendRefused(message, where)

    arithmetic = old.arithmetic
    horizon_key = _key(old, "horizon")
    if old.is_random:
        raise refuse(f"policy random draws the rate at random at every update ({arithmetic.rate_function}): "
                     "it is not a function of the iteration, so there is nothing to keep continuous")
    try:  # a policy the framework's arithmetic refuses (e.g. a fork without it)
        evaluate(old, np.asarray([old.first_update], dtype=np.int64))
    except (ArithmeticError, ValueError) as exc:
        raise refuse(f"the old schedule cannot be evaluated: {exc}") from None
    s, new_end = int(resume_at), int(new_end)
    if s < 0:
        raise refuse(f"the resume iteration {s} is negative")
    if s > old.horizon:
        raise refuse(f"the checkpoint (iteration {s}) is past the end of the schedule it was trained with "
                     f"({horizon_key}={old.horizon})")
    if new_end <= s:
        raise refuse(f"the new end {new_end} is not after the checkpoint (iteration {s}): nothing would train")
    if new_end > _INT_MAX:
        raise refuse(f"the new end {new_end} does not fit the framework's int {horizon_key}")
    if end_lr is not None and end_fraction is not None:
        raise refuse("give the end rate or the end fraction, not both")
    if start_lr is not None and rewind_to is not None:
        raise refuse("give a start rate or a rewind iteration, not both")
    gpus = old.gpus if gpus is None else int(gpus)
    if gpus < 1 or (not arithmetic.gpu_multiplier and gpus != 1):
        raise refuse(f"a GPU count of {gpus} cannot multiply the rate (the framework does not scale it by the "
                     "GPU count)" if gpus > 1 else f"a GPU count of {gpus}: at least 1")

    # what the framework restores besides the iteration (Caffe's multistep index); by default what an
    # uninterrupted run of the old schedule had
    state = arithmetic.state_after(old, s) if current_step is None else int(current_step)
    resume = None if state is None else (s, state)
    template = _with(old, {"horizon": new_end, "gpus": gpus})
    first = old.first_update + s
    burn_in = old.burn_in.iterations if old.burn_in is not None else 0
    warm_up = first < burn_in
    if new_end < burn_in:
        raise refuse(f"the new end {new_end} is inside burn-in ({burn_in} updates): the run would end during the "
                     "warm-up, which a resume never edits")
    peak = _peak(old)
    before_lr = _rate(old, first - 1, resume) if s >= 1 else None
    old_end_lr = _rate(old, old.horizon, resume)

    if start_lr is not None or rewind_to is not None:
        if warm_up:
            raise refuse(f"the resume point (update {first}) is inside burn-in ({burn_in}): the warm-up continues "
                         "unchanged, so a start rate or rewind does not apply")
        if start_lr is not None:
            reference, how = float(start_lr), "the given start rate"
        else:
            if not old.first_update <= rewind_to <= s:
                raise refuse(f"the rewind iteration {rewind_to} is not between {old.first_update} and the "
                             f"checkpoint's {s}")
            reference, how = _rate(old, int(rewind_to)), f"the old schedule's rate at iteration {rewind_to}"
            if not (math.isfinite(reference) and reference > 0):
                raise refuse(f"the old schedule's rate at iteration {rewind_to} is {reference:g}: rewind further")
        if not (math.isfinite(reference) and reference > 0):
            raise refuse(f"the start rate {reference:g} is not a positive number")
    elif warm_up or s == 0:
        reference = _rate(old, first, resume)
        how = "burn-in continues" if warm_up else "the old schedule's first rate"
    else:
        reference, how = before_lr, f"update {first - 1}, the last before the checkpoint"
        if not math.isfinite(reference):
            raise refuse(f"the old schedule's rate at iteration {s} is {reference}: it cannot be continued")
        # poly's annealing ends at max_iter (Caffe's last update is one short of the 0 there); a rising
        # schedule may start near 0 by design
        poly_done = old.policy.kind == "poly" and s >= old.horizon
        if poly_done or (reference <= negligible * peak and _old_trend(old) != "up"):
            if poly_done:
                why = f"poly's annealing is over: it reaches 0 at {horizon_key}"
            elif reference == 0:
                why = "the old schedule is at 0 there"
            else:
                why = f"below {negligible:g} of the configured rate"
            limit = rewind_limit(old, s)
            raise ZeroRateAtResume(
                f"the old schedule's rate at the checkpoint (iteration {s}) is {reference:.6g} ({why}): continuing "
                "it means training at 0; give a start rate, or an iteration to rewind to (its old rate is used)",
                where, s, reference, limit[0] if limit is not None and limit[1] > negligible * peak else None)

    if end_lr is not None:
        target = float(end_lr)
    elif end_fraction is not None:
        target = float(end_fraction) * peak
    elif old.policy.kind == "sgdr":
        target = _f32(old.policy.lr_min)  # where every cycle ends, whatever phase the old end had
    else:
        target = old_end_lr
    if not (math.isfinite(target) and target >= 0):
        raise refuse(f"the end rate {target:g} is not a rate (a finite number >= 0)")
    if old.policy.kind == "poly" and target != 0:
        raise refuse(f"poly is 0 at {horizon_key} whatever its parameters: an end rate of {target:.6g} needs "
                     "another policy")
    # inside burn-in the warm-up rises by design: the direction is the policy's, from where burn-in hands over
    level = _rate(old, burn_in) if warm_up else reference
    if _close(target, level):
        direction = "flat"
    else:
        direction = "up" if target > level else "down"
    # one update left: its rate is the end rate where the end point is an update, and for rates that only
    # change at a step (elsewhere, e.g. Caffe's poly, the formula still reaches the target at max_iter)
    end_is_an_update = template.last_update == new_end
    if first == template.last_update and (end_is_an_update or old.policy.kind in _PIECEWISE) \
            and not _close(target, reference):
        raise refuse(f"only one update remains (iteration {first}): its rate cannot be both the resume rate "
                     f"{reference:.6g} and the end rate {target:.6g}")
    if direction == "up" and _old_trend(old) == "down":
        raise refuse(f"the old schedule decays, and an end rate of {target:.6g} above the resume rate "
                     f"{reference:.6g} would make it rise: give a lower end rate, or restart the schedule")
    return _Frame(old=old, template=template, resume_at=s, first=first, end=new_end, resume=resume,
                  before_lr=before_lr, reference=reference, reference_how=how,
                  anchored=start_lr is not None or rewind_to is not None, target=target,
                  direction=direction, monotone_from=max(first, burn_in), warm_up=warm_up)


def _old_trend(old: Schedule) -> str:
    """Whether the old policy decays ("down"), rises ("up") or stays ("flat"), from its parameters."""
    p = old.policy
    kind = p.kind
    if kind == "constant":
        return "flat"
    if kind in ("step", "exp", "multistep"):
        return "down" if p.gamma < 1 else "up" if p.gamma > 1 else "flat"
    if kind == "steps":
        return "up" if all(scale >= 1 for scale in p.scales) and any(scale > 1 for scale in p.scales) else "down"
    if kind == "poly":
        return "down" if p.power > 0 else "up" if p.power < 0 else "flat"
    if kind == "inv":
        return "down" if p.gamma > 0 and p.power > 0 else "up" if p.gamma > 0 and p.power < 0 else "flat"
    if kind == "sigmoid":
        decay_rate = old.arithmetic.sigmoid_sign * p.gamma
        return "down" if decay_rate > 0 else "up" if decay_rate < 0 else "flat"
    return "down"  # sgdr: every cycle decays


# ----------------------------------------------------------------------------- one strategy


@dataclass(frozen=True)
class _Knob:
    """A parameter tuned against the exact arithmetic: a neutral name, or "last_scale" (of darknet steps)."""

    name: str
    integer: bool = False
    low: float = _TINY  #: smallest allowed value (inclusive)
    high: float = _FLOAT_MAX


_BASE = _Knob("base_lr")


@dataclass
class _Guess:
    """A strategy's first solution (float64 values are rounded to float32) and the knobs that make it exact."""

    values: dict
    continuity: _Knob | None = None  #: tuned so the first update after the resume uses the reference rate
    end: _Knob | None = None  #: tuned so the end rate is the target (continuity re-tuned at each try)
    notes: tuple[str, ...] = ()


def _attempt(frame: _Frame, label: str, solve: Callable[[_Frame], "_Guess | str"]) -> "Plan | str":
    """Solve, round to float32, tune the knobs with the exact arithmetic, check the conditions."""
    try:
        guess = solve(frame)
    except (ArithmeticError, ValueError) as exc:  # e.g. a logarithm of 0: the strategy does not apply
        return f"no solution ({exc})"
    if isinstance(guess, str):
        return guess
    values = {name: _stored(frame.template, name, value) for name, value in guess.values.items()}
    try:
        _build(frame, values)
    except (ValidationError, ValueError, OverflowError) as exc:
        return f"not a valid schedule ({str(exc).splitlines()[0]})"
    continuity_nearest = end_nearest = True
    if guess.end is not None:
        fitted: dict[float, tuple[dict, bool]] = {}

        def end_rate(x):
            trial = _set(values, guess.end.name, x)
            nearest = True
            if guess.continuity is not None:
                trial, nearest = _fit_continuity(frame, trial, guess.continuity)
            fitted[x] = (trial, nearest)
            if not nearest:  # no continuous plan with this value: not a candidate (and the search stops here)
                return math.nan
            return _rate(_build(frame, trial), frame.end, frame.resume)

        start = _get(frame, values, guess.end.name)
        x, end_nearest = _fit(end_rate, start, frame.target, guess.end, prefer_below=False)
        if x not in fitted:
            end_rate(x)
        values, continuity_nearest = fitted[x]
        if not continuity_nearest:
            return "no value keeps the first update after the resume on the reference rate"
    elif guess.continuity is not None:
        values, continuity_nearest = _fit_continuity(frame, values, guess.continuity)
    try:
        schedule = _build(frame, values)
    except (ValidationError, ValueError, OverflowError) as exc:
        return f"not a valid schedule ({str(exc).splitlines()[0]})"
    after, end = _rate(schedule, frame.first, frame.resume), _rate(schedule, frame.end, frame.resume)
    last = _rate(schedule, schedule.last_update, frame.resume)
    continuous, reached = _close(after, frame.reference), _close(end, frame.target)
    if not (continuous or (continuity_nearest and guess.continuity is not None and _finite(after))):
        return f"the first update after the resume would use {after:.6g}, not {frame.reference:.6g}"
    if not (reached or (end_nearest and guess.end is not None and _finite(end))):
        return f"the rate at {frame.end} would be {end:.6g}, not {frame.target:.6g}"
    if schedule.last_update != frame.end and schedule.policy.kind in _PIECEWISE and last != end:
        # the end point is not an update (Caffe's max_iter): a level change there is never used
        return f"the last update ({schedule.last_update}) would use {last:.6g}, not the end rate {end:.6g}"
    problem = _monotone_problem(frame, schedule)
    if problem:
        return problem
    ceiling = MAX_BASE_FACTOR * max(_peak(frame.old), frame.reference)
    if _peak(schedule) > ceiling:
        return (f"it needs a configured rate of {_peak(schedule):.6g}, over {MAX_BASE_FACTOR:g} times "
                f"the old {_peak(frame.old):.6g}")
    changes = _changes(frame.old, schedule)
    if all(change.name == "horizon" for change in changes):
        label = "keep the schedule"  # the knobs ended where they were
    return Plan(schedule=schedule, strategy=label, changes=changes, resume_iteration=frame.resume_at,
                first_update=frame.first, resume=frame.resume, before_lr=frame.before_lr,
                reference_lr=frame.reference, after_lr=after, end_iteration=frame.end, end_lr=end, last_lr=last,
                target_lr=frame.target, exact=continuous and reached,
                notes=guess.notes + _notes(frame, changes))


def _fit_continuity(frame: _Frame, values: dict, knob: _Knob) -> tuple[dict, bool]:
    def first_rate(x):
        return _rate(_build(frame, _set(values, knob.name, x)), frame.first, frame.resume)

    start = _get(frame, values, knob.name)
    if knob.name == "base_lr":  # every rate is proportional to the base rate (SGDR nearly): one step there
        current = first_rate(start)
        if current > 0 and _finite(current):
            start = min(max(_f32(start * frame.reference / current), knob.low), knob.high)
    x, nearest = _fit(first_rate, start, frame.reference, knob, prefer_below=frame.direction != "up")
    return _set(values, knob.name, x), nearest


def _fit(measure: Callable[[float], float], start, goal: float, knob: _Knob, prefer_below: bool):
    """The knob value (a float32, or an int) whose measured rate is nearest ``goal``.

    ``measure`` must be monotone in the knob: every rate formula is in each of its parameters, and
    rounding to float32 keeps that. The search doubles its step from ``start`` until the goal is
    bracketed, then bisects, so it costs O(log distance) evaluations. Returns ``(value, nearest)``:
    ``nearest`` is True when the neighbouring values on both sides are no closer (or the start was
    already within the tolerance).
    """
    if knob.integer:
        to_n, from_n = int, int
        low, high = max(int(math.ceil(knob.low)), -_INT_MAX - 1), min(int(knob.high), _INT_MAX)
    else:
        to_n, from_n = _ordinal, _from_ordinal
        low, high = _ordinal(knob.low), _ordinal(knob.high)

    def value(n):
        try:
            v = measure(from_n(n))
        except (ArithmeticError, ValueError, ValidationError):
            return math.nan
        return v if _finite(v) else math.nan

    n0 = min(max(to_n(start), low), high)
    v0 = value(n0)
    if not _finite(v0):
        return from_n(n0), False
    if _close(v0, goal):
        return from_n(n0), True
    above = v0 > goal
    for sign in (1, -1):
        previous, step = n0, 1
        while True:
            n = min(max(n0 + sign * step, low), high)
            if n == previous:
                break
            v = value(n)
            if not _finite(v):
                break
            if v == goal:
                return from_n(n), True
            if (v > goal) != above:
                return from_n(_bisect(value, previous, n, goal, above, prefer_below)), True
            if abs(v - goal) > abs(v0 - goal) and step >= 64:
                break  # moving away from the goal (beyond the float32 noise of a re-tuned knob): turn round
            previous, step = n, step * 2
    return from_n(n0), False


def _bisect(value, same_side: int, other_side: int, goal: float, above: bool, prefer_below: bool) -> int:
    """Narrow two ordinals whose values straddle ``goal`` to adjacent ones; return the closer."""
    while abs(other_side - same_side) > 1:
        middle = same_side + (other_side - same_side) // 2
        v = value(middle)
        if not _finite(v):
            break
        if v == goal:
            return middle
        if (v > goal) == above:
            same_side = middle
        else:
            other_side = middle
    below, above_goal = sorted((same_side, other_side), key=lambda n: value(n) > goal)
    if prefer_below and _close(value(below), goal):
        return below  # continuous without the slightest rise
    return min((below, above_goal), key=lambda n: abs(value(n) - goal))


def _monotone_problem(frame: _Frame, schedule: Schedule) -> str | None:
    """Why the plan's rate is not monotone from ``monotone_from`` to the end, from its parameters (or None).

    Every float32 step of the rate formulas is a monotone function, so the sign of the parameters decides;
    piecewise-constant schedules are checked at their breakpoints with the exact arithmetic.
    """
    start, end = frame.monotone_from, frame.end
    if start >= end:
        return None
    p = schedule.policy
    kind = p.kind
    if kind in ("step", "steps"):
        if kind == "step":  # the exponent b / step moves one way: its first and last boundaries suffice
            size = abs(p.step)
            boundaries = range((start // size + 1) * size, end + 1, size)
            points = [start] + ([boundaries[0], boundaries[-1]] if len(boundaries) else [])
        else:
            reached = np.maximum.accumulate(np.asarray(p.steps, dtype=np.int64)) if p.steps else []
            points = [start] + sorted({int(t) for t in reached if start < t <= end})
        levels = evaluate(schedule, np.asarray(points, dtype=np.int64), resume=frame.resume)
        steps = np.diff(levels.astype(np.float64))
        trend = "flat" if not np.any(steps) else "down" if np.all(steps <= 0) else "up" if np.all(steps >= 0) \
            else "mixed"
    elif kind == "constant":
        trend = "flat"
    elif kind in ("exp", "multistep"):
        trend = "down" if p.gamma < 1 else "up" if p.gamma > 1 else "flat"
    elif kind == "poly":
        trend = "down" if p.power > 0 else "up" if p.power < 0 else "flat"
    elif kind == "inv":
        trend = "flat" if p.gamma == 0 or p.power == 0 else "down" if p.gamma > 0 and p.power > 0 else \
            "up" if p.gamma > 0 else "mixed"
    elif kind == "sigmoid":
        decay_rate = schedule.arithmetic.sigmoid_sign * p.gamma
        trend = "down" if decay_rate > 0 else "up" if decay_rate < 0 else "flat"
        if schedule.arithmetic.unsigned_iterations(schedule) and decay_rate > 0 and p.step > start:
            return (f"the {schedule.arithmetic.iteration_name} is unsigned: below the step, iteration - step wraps "
                    "around, so the sigmoid is exactly 0 there and then jumps")
    elif kind == "sgdr":
        if _sgdr_cycle(start, p.cycle, p.mult)[0] != _sgdr_cycle(end, p.cycle, p.mult)[0]:
            return "an SGDR cycle restarts between the resume and the end"
        trend = "down" if _peak(schedule) >= p.lr_min else "up"
    else:  # pragma: no cover - random is refused earlier
        return f"no monotonicity rule for {kind}"
    if trend == "flat" or trend == frame.direction or frame.direction == "flat" and trend != "mixed":
        return None
    return f"the rate would go {trend} between the resume and the end, not {frame.direction}"


# ----------------------------------------------------------------------------- strategies, policy by policy


def _keep(frame: _Frame) -> _Guess:
    return _Guess({})


def _base_only(frame: _Frame) -> _Guess:
    return _Guess({}, continuity=_BASE)


def _poly_power(frame: _Frame) -> _Guess | str:
    if frame.warm_up:
        return "power is burn-in's exponent too, and burn-in continues"
    peak, x = _peak(frame.template), 1.0 - frame.first / frame.end
    if not (0 < frame.reference < peak) or x <= 0:
        return "the resume rate must be below the configured rate"
    return _Guess({"power": math.log(frame.reference / peak) / math.log(x)}, continuity=_Knob("power"),
                  notes=_burn_in_power_note(frame))


def _exp_gamma(frame: _Frame) -> _Guess | str:
    peak = _peak(frame.template)
    if frame.target <= 0:
        return "exp never reaches 0"
    if frame.first == 0 or frame.warm_up:  # the first update does not depend on gamma: aim at the end
        return _Guess({"gamma": (frame.target / peak) ** (1.0 / frame.end)}, end=_Knob("gamma"))
    return _Guess({"gamma": (frame.reference / peak) ** (1.0 / frame.first)}, continuity=_Knob("gamma"))


def _exp_gamma_and_base(frame: _Frame) -> _Guess | str:
    if frame.target <= 0:
        return "exp never reaches 0"
    gamma = (frame.target / frame.reference) ** (1.0 / (frame.end - frame.first))
    log_base = math.log(frame.reference) - frame.first * math.log(gamma) - math.log(frame.template.gpus)
    if log_base > math.log(_FLOAT_MAX):
        return "the base rate would overflow a float"
    return _Guess({"gamma": gamma, "base_lr": math.exp(log_base)}, continuity=_BASE, end=_Knob("gamma"))


def _step_step(frame: _Frame) -> _Guess | str:
    """Move the boundaries only: the first update stays on its level, the end reaches the target's level."""
    p, peak = frame.template.policy, _peak(frame.template)
    final = _whole_power(peak, p.gamma, frame.target)
    a, e = frame.first, frame.end
    # inside burn-in the warm-up sets the first rate, so only the end's level matters
    level = 0 if frame.warm_up else _whole_power(peak, p.gamma, frame.reference)
    if level is None or final is None or final < level:
        return f"the resume and end rates are not levels base * {p.gamma:g}^n of this step schedule"
    low = e // (final + 1) + 1
    high = e // final if final else _INT_MAX
    if not frame.warm_up:
        low, high = max(low, a // (level + 1) + 1), min(high, a // level if level else _INT_MAX)
    if low > high:
        return f"no whole step keeps update {a} on level {level} and puts update {e} on level {final}"
    return _Guess({"step": min(max(p.step, low), high)})


def _step_gamma(frame: _Frame) -> _Guess | str:
    p, peak = frame.template.policy, _peak(frame.template)
    level = frame.first // p.step
    if level == 0 or frame.warm_up:  # the resume is on the first level: gamma only sets the end
        final = frame.end // p.step
        if final == 0 or frame.target <= 0:
            return "no step boundary before the end"
        return _Guess({"gamma": (frame.target / peak) ** (1.0 / final)}, end=_Knob("gamma"))
    return _Guess({"gamma": (frame.reference / peak) ** (1.0 / level)}, continuity=_Knob("gamma"))


def _step_gamma_and_base(frame: _Frame) -> _Guess | str:
    p = frame.template.policy
    level, final = frame.first // p.step, frame.end // p.step
    if final <= level or frame.target <= 0:
        return "no step boundary between the resume and the end"
    gamma = (frame.target / frame.reference) ** (1.0 / (final - level))
    base = frame.reference / gamma ** level / frame.template.gpus
    return _Guess({"gamma": gamma, "base_lr": base}, continuity=_BASE, end=_Knob("gamma"))


def _step_step_and_base(frame: _Frame) -> _Guess | str:
    """Keep gamma: as many boundaries between the resume and the end as the ratio needs, the base rate
    set so the resume's level is continuous."""
    p = frame.template.policy
    count = _whole_power(1.0, p.gamma, frame.target / frame.reference)
    if count is None or count < 0:
        return f"the end/resume ratio is not a power of {p.gamma:g}"
    a, e = frame.first, frame.end
    if count == 0:
        candidates = [p.step, e + 1]
    else:
        center = (e - a) / count
        candidates = [p.step] + list(range(max(1, int(center) - 2), int(center) + 4))
    fitting = [x for x in candidates if 0 < x <= _INT_MAX and e // x - a // x == count]
    if not fitting:
        return f"no whole step puts exactly {count} boundaries between updates {a} and {e}"
    step = min(fitting, key=lambda x: abs(x - p.step))
    return _Guess({"step": step, "base_lr": frame.reference / p.gamma ** (a // step) / frame.template.gpus},
                  continuity=_BASE)


def _step_all_three(frame: _Frame) -> _Guess | str:
    """One boundary already passed (the resume on level 1, the base rate one gamma above it) and the
    others up to the end, with the gamma that reaches the target: for a ratio the old step cannot reach."""
    a, e = frame.first, frame.end
    step = min(a, e // 2)
    if step <= a // 2 or frame.target <= 0 or frame.warm_up:
        return "no step puts the resume on the first level with a boundary before the end"
    boundaries = e // step - 1
    gamma = (frame.target / frame.reference) ** (1.0 / boundaries)
    return _Guess({"step": step, "gamma": gamma, "base_lr": frame.reference / gamma / frame.template.gpus},
                  continuity=_BASE, end=_Knob("gamma"))


def _steps_rewritten(frame: _Frame, keep_scales: bool) -> _Guess | str:
    """darknet steps: keep the steps already passed, rewrite the rest after the resume point."""
    old, p = frame.old, frame.old.policy
    unsigned = old.arithmetic.unsigned_iterations(old)
    passed = _steps_passed(p.steps, frame.resume_at, unsigned)
    fired_by_end = _steps_passed(p.steps, old.horizon, unsigned)
    reached = list(np.maximum.accumulate(p.steps)) if p.steps else []
    times = [int(t) for t in reached[passed:fired_by_end]]
    old_scales = list(p.scales[passed:fired_by_end])
    low, high = frame.first + 1, frame.end  # a step at the first update would fire at once
    kept_steps, kept_scales = list(p.steps[:passed]), list(p.scales[:passed])
    if 0.0 in kept_scales:
        return "a scale of 0 was already passed: every later rate is 0 (steps are only appended after it)"
    if keep_scales:
        if not times:
            return "no step after the resume point fired in the old schedule"
        positions = _stretch(times, frame.resume_at, old.horizon, frame.end, low, high, strict=False)
        if positions is None:
            return "the old steps do not fit between the resume and the new end"
        return _Guess({"steps": kept_steps + positions, "scales": kept_scales + old_scales}, continuity=_BASE)
    level = frame.reference
    if frame.warm_up:  # the reference is a warm-up rate: the policy's level after burn-in is what decays
        level = _peak(frame.template)
        for scale in kept_scales:
            level = _f32(level * scale)
    ratio = frame.target / level if level > 0 else math.inf
    if not math.isfinite(ratio):
        return "the rate is 0 at the resume point"
    if _close(ratio, 1.0):
        return _Guess({"steps": kept_steps, "scales": kept_scales}, continuity=_BASE)
    if ratio == 0:
        count, scale = 1, 0.0
    else:
        count = len(times) or max(1, math.ceil(round(abs(math.log10(ratio)), 6)))  # one step per decade
        scale = ratio ** (1.0 / count)
    if times and len(times) == count:
        positions = _stretch(times, frame.resume_at, old.horizon, frame.end, low, high, strict=False)
    else:
        positions = _spread(count, frame.resume_at, frame.end, low, high, strict=False)
    if positions is None:
        return "the new steps do not fit between the resume and the new end"
    return _Guess({"steps": kept_steps + positions, "scales": kept_scales + [scale] * count},
                  continuity=_BASE, end=_Knob("last_scale", low=0.0))


def _steps_stretch(frame: _Frame) -> _Guess | str:
    return _steps_rewritten(frame, keep_scales=True)


def _steps_rescale(frame: _Frame) -> _Guess | str:
    return _steps_rewritten(frame, keep_scales=False)


def _multistep_future(frame: _Frame) -> tuple[int, list[int]]:
    """Caffe multistep: the restored index and the times the old schedule's remaining steps fired by its end."""
    p = frame.old.policy
    index = frame.resume[1]
    times = _multistep_times(p.stepvalues, index, frame.resume_at)
    return index, [t for t in times if t <= frame.old.horizon]


def _multistep_rewritten(frame: _Frame, new_gamma: bool) -> _Guess | str:
    p = frame.old.policy
    index, times = _multistep_future(frame)
    if index > len(p.stepvalues):
        return f"the restored current_step {index} is past the {len(p.stepvalues)} stepvalue(s)"
    low, high = frame.resume_at + 1, frame.end - 1  # a value <= iter_ would advance at the first update
    ratio = frame.target / frame.reference
    if new_gamma:
        if ratio <= 0:
            return "an end rate of 0 needs gamma=0, which zeroes the levels already passed too"
        if _close(ratio, 1.0):
            return "no new gamma needed"
        count = len(times) or max(1, _whole_power(1.0, p.gamma, ratio, loose=True) or 1)
        gamma = ratio ** (1.0 / count)
    else:
        count = _whole_power(1.0, p.gamma, ratio) if ratio > 0 else None
        if count is None or count < 0:
            return f"the end/resume ratio is not a whole power of gamma={p.gamma:g}"
        gamma = p.gamma
    if times and len(times) == count:
        positions = _stretch(times, frame.resume_at, frame.old.horizon, frame.end, low, high, strict=True)
    else:
        positions = _spread(count, frame.resume_at, frame.end, low, high, strict=True)
    if positions is None:
        return "the new stepvalues do not fit between the resume and the new end"
    values = {"stepvalues": list(p.stepvalues[:index]) + positions}
    if not new_gamma:
        return _Guess(values, continuity=_BASE)
    values |= {"gamma": gamma, "base_lr": frame.reference / gamma ** index}
    return _Guess(values, continuity=_BASE, end=_Knob("gamma"))


def _multistep_stepvalues(frame: _Frame) -> _Guess | str:
    return _multistep_rewritten(frame, new_gamma=False)


def _multistep_gamma(frame: _Frame) -> _Guess | str:
    return _multistep_rewritten(frame, new_gamma=True)


def _inv_power_and_base(frame: _Frame) -> _Guess | str:
    p = frame.template.policy
    if p.gamma <= 0 or frame.target <= 0:
        return "needs gamma > 0 and an end rate above 0"
    shrink = math.log((1 + p.gamma * frame.first) / (1 + p.gamma * frame.end))
    power = math.log(frame.target / frame.reference) / shrink
    base = frame.reference * (1 + p.gamma * frame.first) ** power
    return _Guess({"power": power, "base_lr": base}, continuity=_BASE, end=_Knob("power", low=-_FLOAT_MAX))


def _inv_gamma_and_base(frame: _Frame) -> _Guess | str:
    p = frame.template.policy
    if p.power <= 0 or not 0 < frame.target < frame.reference:
        return "needs power > 0 and an end rate between 0 and the resume rate"
    q = (frame.reference / frame.target) ** (1.0 / p.power)  # (1 + gamma*end) / (1 + gamma*first)
    if frame.end <= q * frame.first:
        return f"even a huge gamma cannot divide the rate by {frame.reference / frame.target:.6g} here"
    gamma = (q - 1) / (frame.end - q * frame.first)
    base = frame.reference * (1 + gamma * frame.first) ** p.power
    return _Guess({"gamma": gamma, "base_lr": base}, continuity=_BASE, end=_Knob("gamma", low=0.0))


def _inv_gamma_and_power(frame: _Frame) -> _Guess | str:
    peak, a, e = _peak(frame.template), frame.first, frame.end
    if not 0 < frame.target < frame.reference < peak or a == 0:
        return "needs 0 < end rate < resume rate < base_lr, after iteration 0"
    wanted = math.log(peak / frame.target) / math.log(peak / frame.reference)  # ln(1+g e) / ln(1+g a)
    if wanted >= e / a:
        return "the end/resume ratio is beyond what inv can do with this base_lr"

    def excess(log_gamma):
        g = math.exp(log_gamma)
        return math.log1p(g * e) / math.log1p(g * a) - wanted  # decreasing in gamma

    gamma = math.exp(_root(excess, -60.0, 60.0))
    power = math.log(peak / frame.reference) / math.log1p(gamma * a)
    return _Guess({"gamma": gamma, "power": power}, continuity=_Knob("power"), end=_Knob("gamma", low=0.0))


def _sigmoid_sign(frame: _Frame) -> int:
    """The sigmoid is 1/(1+exp(sign*gamma*(i-step))) in the framework's arithmetic: the decay rate is
    sign * gamma."""
    return frame.old.arithmetic.sigmoid_sign


def _sigmoid_gamma_knob(frame: _Frame) -> _Knob:
    lowest = frame.old.arithmetic.lowest(frame.old, "gamma")  # e.g. a framework that checks gamma >= 0
    return _Knob("gamma", low=-_FLOAT_MAX if lowest is None else lowest)


def _sigmoid_step_knob(frame: _Frame) -> _Knob:
    lowest = frame.old.arithmetic.lowest(frame.old, "step")
    return _Knob("step", integer=True, low=-_INT_MAX - 1 if lowest is None else int(lowest))


def _logit(peak: float, rate: float) -> float:
    """x with peak / (1 + exp(x)) = rate."""
    return math.log(peak / rate - 1.0)


def _sigmoid_gamma_and_step(frame: _Frame) -> _Guess | str:
    peak, sign = _peak(frame.template), _sigmoid_sign(frame)
    if not (0 < frame.reference < peak and 0 < frame.target < peak):
        return "the resume and end rates must lie strictly between 0 and the configured rate"
    at_first, at_end = _logit(peak, frame.reference), _logit(peak, frame.target)
    decay_rate = (at_end - at_first) / (frame.end - frame.first)
    if decay_rate == 0:
        return "the resume and end rates are equal"
    step = frame.first - at_first / decay_rate
    if abs(step) > _INT_MAX:
        return "the step would not fit an int"
    return _Guess({"gamma": sign * decay_rate, "step": round(step)}, continuity=_sigmoid_gamma_knob(frame),
                  end=_sigmoid_step_knob(frame))


def _sigmoid_all_three(frame: _Frame) -> _Guess | str:
    """Place the step where the (gamma, step) solution puts it (or at the resume point when the rate is
    saturated there), then tune the base rate for continuity and gamma for the end: exact where the whole
    step alone is too coarse."""
    peak, sign = _peak(frame.template), _sigmoid_sign(frame)
    if frame.target <= 0:
        return "a sigmoid never reaches 0"
    if 0 < frame.reference < peak and 0 < frame.target < peak and not _close(frame.target, frame.reference):
        at_first, at_end = _logit(peak, frame.reference), _logit(peak, frame.target)
        decay_rate = (at_end - at_first) / (frame.end - frame.first)
        step = round(frame.first - at_first / decay_rate)
    else:
        step = frame.first
        decay_rate = math.log(2 * frame.reference / frame.target - 1) / (frame.end - frame.first) \
            if 2 * frame.reference > frame.target else -1.0 / (frame.end - frame.first)
    if abs(step) > _INT_MAX:
        return "the step would not fit an int"
    base = frame.reference * (1 + math.exp(decay_rate * (frame.first - step))) / frame.template.gpus
    return _Guess({"step": step, "gamma": sign * decay_rate, "base_lr": base}, continuity=_BASE,
                  end=_sigmoid_gamma_knob(frame))


def _sigmoid_log_ratio(decay_rate: float, first: int, end: int, step: float) -> float:
    """ln(rate(end) / rate(first)) of a sigmoid, computed stably."""
    return float(np.logaddexp(0.0, decay_rate * (first - step)) - np.logaddexp(0.0, decay_rate * (end - step)))


def _sigmoid_gamma_and_base(frame: _Frame) -> _Guess | str:
    p, sign = frame.template.policy, _sigmoid_sign(frame)
    wanted = math.log(frame.target / frame.reference) if frame.target > 0 else -math.inf
    if not math.isfinite(wanted):
        return "a sigmoid never reaches 0"
    direction = -1.0 if wanted < 0 else 1.0  # decay rate > 0 decays
    unit = 1.0 / (frame.end - frame.first)

    def excess(log_scale):
        return direction * (wanted - _sigmoid_log_ratio(-direction * unit * math.exp(log_scale), frame.first,
                                                        frame.end, p.step))

    # from 0 the log ratio moves monotonically towards ``wanted`` first: take the first crossing
    grid = [k / 2 for k in range(-80, 81)]
    crossing = next((k for k in range(1, len(grid)) if excess(grid[k - 1]) > 0 >= excess(grid[k])), None)
    if excess(grid[0]) <= 0 or crossing is None:
        return "no gamma gives this end/resume ratio with this step"
    decay_rate = -direction * unit * math.exp(_root(excess, grid[crossing - 1], grid[crossing]))
    base = frame.reference * (1 + math.exp(decay_rate * (frame.first - p.step))) / frame.template.gpus
    return _Guess({"gamma": sign * decay_rate, "base_lr": base}, continuity=_BASE, end=_sigmoid_gamma_knob(frame))


def _sigmoid_step_and_base(frame: _Frame) -> _Guess | str:
    p, sign = frame.template.policy, _sigmoid_sign(frame)
    decay_rate = sign * p.gamma
    if decay_rate == 0 or frame.target <= 0:
        return "needs gamma != 0 and an end rate above 0"
    wanted = math.log(frame.target / frame.reference)
    span = decay_rate * (frame.first - frame.end)  # the log ratio's limit far before the step
    if not (min(span, 0.0) < wanted < max(span, 0.0)):
        return "no step gives this end/resume ratio with this gamma"

    def excess(step):  # the log ratio moves monotonically from ``span`` to 0 as the step moves right
        return _sigmoid_log_ratio(decay_rate, frame.first, frame.end, step) - wanted

    reach = abs(span / decay_rate) + 200.0 / abs(decay_rate) + abs(frame.end)
    step = _root(excess, -reach, reach)
    if abs(step) > _INT_MAX:
        return "the step would not fit an int"
    base = frame.reference * (1 + math.exp(decay_rate * (frame.first - step))) / frame.template.gpus
    return _Guess({"step": round(step), "base_lr": base}, continuity=_BASE, end=_sigmoid_step_knob(frame))


def _sgdr_keep_cycles(frame: _Frame) -> _Guess | str:
    p = frame.template.policy
    start, length = _sgdr_cycle(frame.monotone_from, p.cycle, p.mult)
    if start + length != frame.end:
        return (f"the new end is not where the cycle of update {frame.monotone_from} ends "
                f"({start + length})")
    return _Guess({"lr_min": frame.target}, continuity=_BASE)


def _sgdr_one_cycle(frame: _Frame) -> _Guess | str:
    return _Guess({"cycle": frame.end, "lr_min": frame.target}, continuity=_BASE)


_STRATEGIES: dict[str, list[tuple[str, Callable[[_Frame], "_Guess | str"]]]] = {
    "constant": [("keep the schedule", _keep), ("rescale the base rate", _base_only)],
    "poly": [("keep the schedule", _keep), ("lower the base rate", _base_only), ("change power", _poly_power)],
    "step": [("keep the schedule", _keep), ("rescale the base rate", _base_only),
             ("move the step boundaries", _step_step), ("change gamma", _step_gamma),
             ("change gamma and the base rate", _step_gamma_and_base),
             ("move the step boundaries and rescale the base rate", _step_step_and_base),
             ("new step, gamma and base rate", _step_all_three)],
    "steps": [("keep the schedule", _keep), ("rescale the base rate", _base_only),
              ("stretch the remaining steps to the new end", _steps_stretch),
              ("new steps after the resume point", _steps_rescale)],
    "multistep": [("keep the schedule", _keep), ("rescale the base rate", _base_only),
                  ("rewrite the stepvalues after the resume point", _multistep_stepvalues),
                  ("new stepvalues and gamma", _multistep_gamma)],
    "exp": [("keep the schedule", _keep), ("rescale the base rate", _base_only), ("change gamma", _exp_gamma),
            ("change gamma and the base rate", _exp_gamma_and_base)],
    "inv": [("keep the schedule", _keep), ("rescale the base rate", _base_only),
            ("change power and the base rate", _inv_power_and_base),
            ("change gamma and the base rate", _inv_gamma_and_base),
            ("change gamma and power", _inv_gamma_and_power)],
    "sigmoid": [("keep the schedule", _keep), ("rescale the base rate", _base_only),
                ("move and reshape the sigmoid (gamma, step)", _sigmoid_gamma_and_step),
                ("change gamma and the base rate", _sigmoid_gamma_and_base),
                ("move the step and rescale the base rate", _sigmoid_step_and_base),
                ("move the step, change gamma and the base rate", _sigmoid_all_three)],
    "sgdr": [("keep the cycles", _keep), ("rescale the base rate", _base_only),
             ("end the current cycle at the new end", _sgdr_keep_cycles),
             ("one cycle to the new end", _sgdr_one_cycle)],
}


# ----------------------------------------------------------------------------- framework facts and helpers


def _multistep_times(stepvalues, index: int, iteration: int) -> list[int]:
    """When Caffe's multistep passes ``stepvalues[j]`` for ``j >= index``, starting at ``iteration``.

    ``SGDSolver::GetLearningRate`` advances ``current_step_`` at most once per iteration and compares
    ``stepvalue(current_step_)`` only: ``t_j = max(stepvalue[j], t_{j-1} + 1)``, ``t_index =
    max(stepvalue[index], iteration)`` (the closed form cfgtools.caffe.rate.multistep_index uses).
    """
    times, previous = [], iteration - 1
    for value in stepvalues[index:]:
        previous = max(int(value), previous + 1)
        times.append(previous)
    return times


def _steps_passed(steps, b: int, unsigned: bool) -> int:
    """How many entries of ``steps`` (the :class:`Steps` policy) have fired at iteration ``b``.

    The list is walked in order and the walk stops at the first step still in the future
    (``steps[i] > b``); with an unsigned iteration a negative step is a huge number, never reached.
    """
    passed = 0
    for value in steps:
        if value > b or (unsigned and value < 0):
            break
        passed += 1
    return passed


def _sgdr_cycle(b: int, cycle: int, mult: int) -> tuple[int, int]:
    """(start, length) of the SGDR cycle batch ``b`` belongs to (AlexeyAB get_current_rate).

    ``while (start + cycle < b) { start += cycle; cycle *= mult; }``: a cycle covers
    ``(start, start + length]`` (the first ``[0, cycle]``).
    """
    if cycle <= 0 or mult <= 0:
        return 0, max(cycle, 1)
    if mult == 1:
        index = max(0, (b - 1) // cycle)
        return index * cycle, cycle
    start, length = 0, cycle
    while start + length < b:
        start, length = start + length, length * mult
    return start, length


def _stretch(times, resume_at: int, old_end: int, new_end: int, low: int, high: int, strict: bool):
    """Map fire times after the resume proportionally onto the new remaining span (None if they do not fit)."""
    scale = (new_end - resume_at) / (old_end - resume_at)
    return _placed([resume_at + round((t - resume_at) * scale) for t in times], low, high, strict)


def _spread(count: int, resume_at: int, new_end: int, low: int, high: int, strict: bool):
    """``count`` positions evenly spread over the remaining span (None if they do not fit)."""
    return _placed([resume_at + round((new_end - resume_at) * (k + 1) / (count + 1)) for k in range(count)],
                   low, high, strict)


def _placed(positions, low: int, high: int, strict: bool):
    out, previous = [], low - 1
    for position in positions:
        position = max(position, low, previous + 1 if strict else previous)
        if position > high:
            return None
        out.append(position)
        previous = position
    return out


def _whole_power(base: float, gamma: float, value: float, loose: bool = False) -> int | None:
    """The whole n >= 0 with base * gamma**n == value (within 1e-5; ``loose``: the nearest n), or None."""
    if value == base:
        return 0
    if not (gamma > 0 and gamma != 1 and value > 0 and base > 0):
        return None
    n = round(math.log(value / base) / math.log(gamma))
    if n < 0 or (not loose and abs(base * gamma ** n / value - 1) > 1e-5):
        return None
    return n


def _root(function: Callable[[float], float], low: float, high: float) -> float:
    """A root of ``function`` between ``low`` and ``high`` (opposite signs) by bisection, in float64."""
    f_low = function(low)
    if f_low == 0:
        return low
    if (f_low > 0) == (function(high) > 0):
        raise ValueError("no sign change")
    for _ in range(200):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        f_middle = function(middle)
        if f_middle == 0:
            return middle
        if (f_middle > 0) == (f_low > 0):
            low, f_low = middle, f_middle
        else:
            high = middle
    return (low + high) / 2


def _with(schedule: Schedule, values: dict) -> Schedule:
    """``schedule`` with neutral parameters replaced (validated, so every value has its model type)."""
    data = schedule.model_dump()
    policy = data["policy"]
    for name, value in values.items():
        if name == "base_lr":
            data["base_lr"] = value
        elif name == "gpus":
            data["gpus"] = value
        elif name == "horizon":
            data["horizon"] = value
            if policy["kind"] == "poly":  # max_batches / max_iter is poly's denominator in both frameworks
                policy["max_iter"] = value
        elif name == "burn_in":
            data["burn_in"] = None if value == 0 else {"iterations": value, "power": data["burn_in"]["power"]}
        else:
            if name not in policy and not (name == "power" and data.get("burn_in")):
                raise ValueError(f"{policy['kind']} has no parameter {name!r}")
            if name in policy:
                policy[name] = value
            if name == "power" and data.get("burn_in") and _shares_power(schedule):
                data["burn_in"]["power"] = value  # one setting is both exponents
    return Schedule.model_validate({**data, "arithmetic": schedule.arithmetic})


def _build(frame: _Frame, values: dict) -> Schedule:
    return _with(frame.template, values)


def _get(frame: _Frame, values: dict, name: str):
    """A knob's current value: from the plan's values, else the template's."""
    if name == "last_scale":
        return values["scales"][-1]
    return values[name] if name in values else _parameters(frame.template)[name]


def _set(values: dict, name: str, value) -> dict:
    if name == "last_scale":
        return values | {"scales": values["scales"][:-1] + [value]}
    return values | {name: value}


def _stored(schedule: Schedule, name: str, value):
    """A value as the framework stores it: float parameters are C floats, the others C ints."""
    if name in ("step", "cycle", "mult", "horizon", "burn_in"):
        return int(value)
    if name in ("steps", "stepvalues"):
        return [int(v) for v in value]
    if name == "scales":
        return [_f32(v) for v in value]
    return _f32(value)


def _parameters(schedule: Schedule) -> dict:
    """The neutral parameters of a schedule, by name."""
    policy = schedule.policy
    out = {"base_lr": schedule.base_lr, "horizon": schedule.horizon}
    if schedule.burn_in is not None:
        out["burn_in"] = schedule.burn_in.iterations
        out["power"] = schedule.burn_in.power
    for name in ("power", "gamma", "step", "steps", "scales", "stepvalues", "lr_min", "cycle", "mult"):
        if hasattr(policy, name):
            out[name] = getattr(policy, name)
    return out


def _key(schedule: Schedule, name: str) -> str:
    """The config key of a neutral parameter (the framework's own name)."""
    return schedule.arithmetic.setting_key(schedule, name)


def _shares_power(schedule: Schedule) -> bool:
    """Whether burn-in's exponent and the policy's power are one setting of the config."""
    arithmetic = schedule.arithmetic
    return schedule.burn_in is not None and \
        arithmetic.setting_key(schedule, "burn_in_power") == arithmetic.setting_key(schedule, "power")


def _changes(old: Schedule, new: Schedule) -> tuple[Change, ...]:
    before, after = _parameters(old), _parameters(new)
    order = PARAMETERS[: PARAMETERS.index("steps") + 1] + ("scales",) + PARAMETERS[PARAMETERS.index("steps") + 1:]
    return tuple(Change(name, _key(old, name), before.get(name), after[name])
                 for name in order if name in after and before.get(name) != after[name])


def _notes(frame: _Frame, changes: tuple[Change, ...]) -> tuple[str, ...]:
    notes = []
    if frame.warm_up:
        notes.append(f"the resume is inside burn-in ({frame.old.burn_in.iterations} updates): the warm-up "
                     f"continues; the conditions apply from update {frame.monotone_from}")
    if frame.anchored:
        rewound = rewind_iteration(frame.old, frame.reference, frame.resume_at) \
            if _old_trend(frame.old) == "down" else None
        if rewound is not None:
            notes.append(f"{frame.reference:.6g} is the rate the old schedule had at iteration {rewound}: "
                         f"the resume goes back {frame.resume_at - rewound} iterations of its annealing")
    return tuple(notes)


def _burn_in_power_note(frame: _Frame) -> tuple[str, ...]:
    burn_in = frame.old.burn_in
    if _shares_power(frame.old):
        return (f"{_key(frame.old, 'power')} is also burn-in's exponent; burn-in ended at {burn_in.iterations}, "
                "before the resume, so this run is unaffected",)
    return ()


def _peak(schedule: Schedule) -> float:
    """The configured rate as the framework stores it: the base rate times the GPU count, in a float."""
    return float(np.float32(np.float32(schedule.base_lr) * np.float32(schedule.gpus)))


def _rate(schedule: Schedule, iteration: int, resume: tuple[int, int] | None = None) -> float:
    try:
        return float(evaluate(schedule, np.asarray([iteration], dtype=np.int64), resume=resume)[0])
    except (ArithmeticError, ValueError):
        return math.nan


def _close(value: float, goal: float) -> bool:
    if goal == 0:
        return value == 0
    return abs(value / goal - 1.0) <= TOLERANCE


def _finite(value: float) -> bool:
    return math.isfinite(value)


def _f32(value: float) -> float:
    return float(np.float32(min(max(value, -_FLOAT_MAX), _FLOAT_MAX)))


def _ordinal(value: float) -> int:
    """float32 values in order as integers (adjacent floats differ by 1; -0.0 and 0.0 are both 0)."""
    (bits,) = struct.unpack("<i", struct.pack("<f", _f32(value)))
    return bits if bits >= 0 else -(bits & 0x7FFFFFFF)


def _from_ordinal(n: int) -> float:
    bits = n if n >= 0 else (-n) | 0x80000000
    (value,) = struct.unpack("<f", struct.pack("<I", bits))
    return value
