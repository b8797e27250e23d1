"""Which PyTorch scheduler reproduces a schedule, and the stdlib code of its rate function.

The scheduler's ``last_epoch`` is the framework's own iteration counter: darknet's
batch number ``b`` (the k-th optimizer step, 0-based, after ``start_iter``
finished updates uses ``rate(start_iter + k + 1)``) or Caffe's ``iter_``
(``lr(start_iter + k)``). With that convention the built-in schedulers take
the framework's own numbers (``StepLR(step_size=step)``, ``MultiStepLR(steps)``,
``PolynomialLR(total_iters=max_batches)``) without any shift.

A built-in is chosen only when its closed form matches the framework's float32
arithmetic at every update of the horizon (checked here with the schedule
engine); otherwise a ``LambdaLR`` over an exact stdlib reproduction of the
framework formula is emitted (float32 steps emulated with ``struct``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cfgtools.convert.recipe import Recipe
from cfgtools.convert.text import float_literal as F
from cfgtools.convert.text import float_tuple_literal, int_literal as I, int_tuple_literal
from cfgtools.schedule.evaluate import evaluate
from cfgtools.schedule.model import Schedule

#: the equivalence tolerance of the emitted code (relative; absolute near zero)
REL_TOL = 1e-6
ABS_TOL = 1e-12
#: a built-in must be this close to be chosen (margin for float64 chaining)
_CHOOSE_REL = 8e-7
_U64 = 2**64


class RefuseError(Exception):
    """The schedule cannot be reproduced (random policy, NaN/inf rates, ...): exit 1."""


@dataclass
class SchedulerPlan:
    #: torch.optim.lr_scheduler class name
    scheduler: str
    #: keyword arguments, as Python literals (already validated numbers)
    kwargs: dict[str, str] = field(default_factory=dict)
    #: module-level constants: name -> (literal, comment)
    constants: list[tuple[str, str, str]] = field(default_factory=list)
    #: the stdlib source of ``framework_rate(it)`` (always emitted: documents the formula)
    rate_source: str = ""
    #: for built-ins: the closed form ``factor(it)`` source used by the O(1) fast-forward
    factor_source: str = ""
    #: why this scheduler (one line, comment text)
    why: str = ""
    #: helpers the rate source needs
    helpers: set[str] = field(default_factory=set)


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


#: iterations checked when the config sets no horizon (py-faster-rcnn passes --iters instead)
PROBE_HORIZON = 1 << 20


def _chunks(schedule: Schedule, chunk: int = 1 << 20):
    horizon = schedule.horizon if schedule.horizon > 0 else PROBE_HORIZON
    for start in range(0, horizon, chunk):
        iters = update_iterations(schedule, start, min(horizon, start + chunk))
        yield iters, evaluate(schedule, iters).astype(np.float64)


def check_reproducible(recipe: Recipe) -> None:
    """Refuse schedules no code can follow: random, NaN/inf over the horizon."""
    s = recipe.schedule
    if s.policy.kind == "random":
        raise RefuseError(
            "policy=random draws lr * U(0,1)^power from libc rand() at every update: "
            "it is not deterministic, so no scheduler can reproduce it"
        )
    if s.policy.kind == "sgdr" and s.dialect == "pjreddie":
        raise RefuseError("pjreddie darknet has no sgdr policy")
    for iters, lrs in _chunks(s):
        bad = ~np.isfinite(lrs)
        if bad.any():
            at = int(iters[np.argmax(bad)])
            value = float(lrs[np.argmax(bad)])
            what = "iteration" if s.framework == "caffe" else "batch number"
            hint = ""
            if s.policy.kind == "poly" and s.policy.max_iter == 0:
                hint = " (poly divides by max_batches/max_iter, which is 0 or missing)"
            raise RefuseError(
                f"the learning rate is {value!r} at {what} {at}{hint}: the framework would train with "
                "NaN/inf rates, so there is nothing finite to reproduce"
            )


# ---------------------------------------------------------------------------
# built-in candidates

_FACTOR = '''def _factor(it):
    """The built-in scheduler's closed form at iteration it, relative to its initial lr."""
    return {}
'''


def _builtin_candidate(recipe: Recipe):
    """(scheduler, kwargs, constants, factor_source, closed_form(e) -> factor) or None."""
    s = recipe.schedule
    p = s.policy
    if s.burn_in is not None and s.burn_in.iterations != 0:
        return None
    kind = p.kind
    if kind == "constant":
        return ("ConstantLR", {"factor": "1.0", "total_iters": "0"}, [],
                _FACTOR.format("1.0"), lambda e: np.ones(e.shape))
    darknet = s.framework == "darknet"
    if kind == "step" and p.step > 0:
        step_name, gamma_name = ("STEP", "SCALE") if darknet else ("STEPSIZE", "GAMMA")
        consts = [(step_name, I(p.step), "iterations per step"),
                  (gamma_name, F(p.gamma), "multiplier per step (float32 value)")]
        return ("StepLR", {"step_size": step_name, "gamma": gamma_name}, consts,
                _FACTOR.format(f"{gamma_name} ** (it // {step_name})"),
                lambda e: np.power(np.float64(p.gamma), (e // p.step).astype(np.float64)))
    if kind == "multistep" or kind == "steps":
        values = list(p.stepvalues if kind == "multistep" else p.steps)
        if kind == "steps":
            scales = list(p.scales[: len(values)])
            if not scales or any(x != scales[0] for x in scales):
                return None
            gamma = scales[0]
        else:
            gamma = p.gamma
        if not values or any(v < 1 for v in values) or any(b <= a for a, b in zip(values, values[1:])):
            return None
        consts = [("MILESTONES", int_tuple_literal(values), "iterations where the rate is multiplied"),
                  ("GAMMA", F(gamma), "multiplier at each milestone (float32 value)")]
        m = np.asarray(values, dtype=np.int64)
        return ("MultiStepLR", {"milestones": "MILESTONES", "gamma": "GAMMA"}, consts,
                _FACTOR.format("GAMMA ** bisect.bisect_right(MILESTONES, it)"),
                lambda e: np.power(np.float64(gamma), np.searchsorted(m, e, side="right").astype(np.float64)))
    if kind == "exp":
        consts = [("GAMMA", F(p.gamma), "multiplier per iteration (float32 value)")]
        return ("ExponentialLR", {"gamma": "GAMMA"}, consts,
                _FACTOR.format("GAMMA ** it"),
                lambda e: np.power(np.float64(p.gamma), e.astype(np.float64)))
    if kind == "poly" and p.max_iter > 0:
        total = "MAX_BATCHES" if darknet else "MAX_ITER"
        consts = [(total, I(p.max_iter), "max_batches" if darknet else "max_iter"),
                  ("POWER", F(p.power), "power (float32 value)")]
        T = p.max_iter
        return ("PolynomialLR", {"total_iters": total, "power": "POWER"}, consts,
                _FACTOR.format(f"(1.0 - min(it, {total}) / {total}) ** POWER"),
                lambda e: np.power(1.0 - np.minimum(e, T) / T, np.float64(p.power)))
    return None


def builtin_deviation(recipe: Recipe, closed_form) -> float:
    """Largest relative deviation of a built-in's closed form from the framework over the horizon."""
    worst = 0.0
    base = recipe.base_lr
    with np.errstate(all="ignore"):
        for iters, lrs in _chunks(recipe.schedule):
            cand = base * closed_form(iters)
            worst = max(worst, float(deviation(cand, lrs).max(initial=0.0)))
    return worst


# ---------------------------------------------------------------------------
# exact rate functions (stdlib source)


def _darknet_rate_source(s: Schedule, consts: list, helpers: set) -> str:
    p = s.policy
    pj = s.dialect == "pjreddie"
    fork = "pjreddie" if pj else "AlexeyAB"
    lines = [
        "def framework_rate(b):",
        f'    """darknet ({fork}) get_current_rate() at batch number b, float32 steps emulated."""',
    ]
    burn = s.burn_in
    if burn is not None and burn.iterations != 0:
        consts.append(("BURN_IN", I(burn.iterations), "burn_in"))
        consts.append(("BURN_IN_POWER", F(burn.power), "power (float32 value)"))
        helpers.update({"_f32", "_pow"})
        if pj and burn.iterations < 0:
            lines.append("    if True:  # pjreddie compares b with (size_t)burn_in: a negative burn_in never ends")
        else:
            lines.append("    if b < BURN_IN:  # warm-up: lr * ((float)b / burn_in) ** power")
        lines.append("        return BASE_LR * _pow(_f32(_f32(b) / _f32(BURN_IN)), BURN_IN_POWER)")
    kind = p.kind
    if kind == "constant":
        lines.append("    return BASE_LR")
    elif kind == "step":
        consts.append(("STEP", I(p.step), "step"))
        consts.append(("SCALE", F(p.scale if hasattr(p, "scale") else p.gamma), "scale (float32 value)"))
        helpers.add("_pow")
        if p.step > 0:
            lines.append("    return BASE_LR * _pow(SCALE, b // STEP)")
        elif pj:
            lines.append("    return BASE_LR  # b / (size_t)step with a negative step is 0")
        else:
            lines.append("    return BASE_LR * _pow(SCALE, -(b // -STEP))  # C division truncates toward 0")
    elif kind == "steps":
        steps = list(p.steps)
        if pj:
            steps = [v % _U64 if v < 0 else v for v in steps]
        consts.append(("STEPS", int_tuple_literal(steps),
                       "steps in file order" + (" (negative ones as pjreddie's size_t)" if pj and min(p.steps) < 0 else "")))
        consts.append(("SCALES", float_tuple_literal(p.scales[: len(p.steps)]), "scales (float32 values)"))
        helpers.add("_f32")
        lines += [
            "    rate = BASE_LR",
            "    for step, scale in zip(STEPS, SCALES):  # stops at the first step still in the future",
            "        if step > b:",
            "            break",
            "        rate = _f32(rate * scale)  # accumulated in a C float",
            "    return rate",
        ]
    elif kind == "exp":
        consts.append(("GAMMA", F(p.gamma), "gamma (float32 value)"))
        helpers.add("_pow")
        lines.append("    return BASE_LR * _pow(GAMMA, b)")
    elif kind == "poly":
        consts.append(("MAX_BATCHES", I(p.max_iter), "max_batches"))
        consts.append(("POWER", F(p.power), "power (float32 value)"))
        helpers.update({"_f32", "_pow"})
        lines.append("    base = _f32(1.0 - _f32(_f32(b) / _f32(MAX_BATCHES)))  # 1 - (float)b / max_batches, in float")
        lines.append("    return BASE_LR * _pow(base, POWER)")
    elif kind == "sigmoid":
        consts.append(("GAMMA", F(p.gamma), "gamma (float32 value)"))
        consts.append(("STEP", I(p.step), "step"))
        helpers.update({"_f32", "_exp"})
        if pj and p.step > 0:
            lines.append("    # pjreddie: b is a size_t, so b - step wraps around below the step")
            lines.append("    diff = _f32(b - STEP) if b >= STEP else _f32(2 ** 64 - (STEP - b))")
        else:
            lines.append("    diff = _f32(b - STEP)")
        lines.append("    return BASE_LR / (1.0 + _exp(_f32(GAMMA * diff)))")
    elif kind == "sgdr":
        consts.append(("SGDR_CYCLE", I(p.cycle), "sgdr_cycle"))
        consts.append(("SGDR_MULT", I(p.mult), "sgdr_mult"))
        consts.append(("LR_MIN", F(p.lr_min), "learning_rate_min (float32 value)"))
        helpers.update({"_f32"})
        if p.mult == 1:
            lines.append("    start, cycle = max(0, (b - 1) // SGDR_CYCLE) * SGDR_CYCLE, SGDR_CYCLE")
        else:
            lines += [
                "    start, cycle = 0, SGDR_CYCLE  # cycles [0, c], (c, c + c*mult], ...",
                "    while start + cycle < b:",
                "        start += cycle",
                "        cycle *= SGDR_MULT",
            ]
        lines += [
            "    phase = _f32(b - start) * 3.14159265 / cycle  # darknet's pi",
            "    return LR_MIN + 0.5 * _f32(BASE_LR - LR_MIN) * (1.0 + math.cos(phase))",
        ]
    else:
        raise RefuseError(f"darknet policy {kind!r} cannot be reproduced")
    return "\n".join(lines) + "\n"


def caffe_advances(stepvalues: list[int]) -> list[int]:
    """Iterations at which Caffe's multistep current_step_ advances (at most one per iteration)."""
    out: list[int] = []
    for v in stepvalues:
        t = max(v, 0) if not out else max(v, out[-1] + 1)
        out.append(t)
    return out


def _caffe_rate_source(s: Schedule, consts: list, helpers: set) -> str:
    p = s.policy
    lines = [
        "def framework_rate(i):",
        '    """Caffe SGDSolver<float>::GetLearningRate() at iter_ = i, float32 steps emulated."""',
    ]
    kind = p.kind
    if kind == "constant":
        lines.append("    return BASE_LR")
    elif kind == "step":
        consts.append(("STEPSIZE", I(p.step), "stepsize"))
        consts.append(("GAMMA", F(p.gamma), "gamma (float32 value)"))
        helpers.add("_pow")
        lines.append("    return BASE_LR * _pow(GAMMA, i // STEPSIZE)")
    elif kind == "exp":
        consts.append(("GAMMA", F(p.gamma), "gamma (float32 value)"))
        helpers.add("_pow")
        lines.append("    return BASE_LR * _pow(GAMMA, i)")
    elif kind == "multistep":
        advances = caffe_advances(list(p.stepvalues))
        consts.append(("STEPVALUES", int_tuple_literal(p.stepvalues), "stepvalue, as written (file order)"))
        consts.append(("ADVANCES", int_tuple_literal(advances),
                       "iterations where current_step_ advances: t_j = max(stepvalue[j], t_(j-1) + 1)"))
        consts.append(("GAMMA", F(p.gamma), "gamma (float32 value)"))
        helpers.add("_pow")
        lines.append("    return BASE_LR * _pow(GAMMA, bisect.bisect_right(ADVANCES, i))")
    elif kind == "inv":
        consts.append(("GAMMA", F(p.gamma), "gamma (float32 value)"))
        consts.append(("POWER", F(p.power), "power (float32 value)"))
        helpers.update({"_f32", "_pow"})
        lines.append("    x = _f32(1.0 + _f32(GAMMA * _f32(i)))  # 1.0f + gamma * (float)iter_")
        lines.append("    return BASE_LR * _f32(_pow(x, -POWER))  # powf")
    elif kind == "poly":
        consts.append(("MAX_ITER", I(p.max_iter), "max_iter"))
        consts.append(("POWER", F(p.power), "power (float32 value)"))
        helpers.update({"_f32", "_pow"})
        lines.append("    x = _f32(1.0 - _f32(_f32(i) / _f32(MAX_ITER)))  # 1.0f - (float)iter_ / (float)max_iter")
        lines.append("    return BASE_LR * _f32(_pow(x, POWER))  # powf")
    elif kind == "sigmoid":
        consts.append(("GAMMA", F(p.gamma), "gamma (float32 value)"))
        consts.append(("STEPSIZE", I(p.step), "stepsize (the centre)"))
        helpers.update({"_f32", "_exp"})
        lines += [
            "    t = _f32(_f32(i) - _f32(STEPSIZE))",
            "    e = _f32(_exp(_f32(-GAMMA * t)))  # expf",
            "    return BASE_LR * _f32(1.0 / _f32(1.0 + e))",
        ]
    else:
        raise RefuseError(f"Caffe policy {kind!r} cannot be reproduced")
    return "\n".join(lines) + "\n"


def choose(recipe: Recipe) -> SchedulerPlan:
    """The scheduler for ``recipe`` (raises RefuseError for random/NaN/inf schedules)."""
    check_reproducible(recipe)
    s = recipe.schedule
    consts: list = []
    helpers: set = set()
    if s.framework == "darknet":
        rate_source = _darknet_rate_source(s, consts, helpers)
    else:
        rate_source = _caffe_rate_source(s, consts, helpers)
    candidate = _builtin_candidate(recipe)
    why = ""
    if candidate is not None:
        name, kwargs, bconsts, factor_source, closed = candidate
        worst = builtin_deviation(recipe, closed)
        if worst <= _CHOOSE_REL:
            names = {c[0] for c in consts}
            extra = [c for c in bconsts if c[0] not in names]
            return SchedulerPlan(
                scheduler=name, kwargs=kwargs, constants=consts + extra, rate_source=rate_source,
                factor_source=factor_source, helpers=helpers,
                why=f"{name} reproduces the framework at every update of the horizon "
                    f"(largest relative difference {worst:.1e})",
            )
        why = (f"{name} would differ from the framework's float32 arithmetic by up to {worst:.1e} "
               "(relative), so the exact formula is used")
    if not why:
        why = _lambda_reason(s)
    return SchedulerPlan(scheduler="LambdaLR", constants=consts, rate_source=rate_source, why=why, helpers=helpers)


def _lambda_reason(s: Schedule) -> str:
    p = s.policy
    if s.burn_in is not None and s.burn_in.iterations != 0:
        return "burn-in (lr * (b/burn_in)^power) has no built-in scheduler"
    reasons = {
        "steps": "darknet steps with unequal scales, unsorted, or non-positive steps: no built-in matches",
        "multistep": "Caffe multistep with unsorted, duplicate or non-positive stepvalues advances at most "
                     "once per iteration: MultiStepLR would sort/merge them",
        "inv": "inv has no built-in scheduler",
        "sigmoid": "sigmoid has no built-in scheduler",
        "sgdr": "darknet SGDR restarts one batch later than CosineAnnealingWarmRestarts "
                "(b == start + cycle still belongs to the old cycle)",
        "step": "step with a non-positive step has no built-in equivalent",
        "poly": "poly with max_batches/max_iter 0 has no built-in equivalent",
    }
    if s.horizon <= 0:
        return "no horizon in the config: the exact formula is used"
    return reasons.get(p.kind, "no built-in scheduler matches")
