"""Translate a recipe to the other framework (Caffe solver text, darknet [net]) or to JSON.

The two frameworks index updates differently: darknet's update k (1-based) uses
``rate(k)``, Caffe's update k uses ``lr(k - 1)``. A translation is called exact
only after the schedule engine confirms, at every update of the horizon, that
the target's rate equals the source's within 1e-6 relative (1e-12 absolute).
Candidates are tried in order; with ``approximate`` the closest one is kept
and its largest deviation reported.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np

from cfgtools.caffe.schedule import caffe_schedule
from cfgtools.convert.plan import PROBE_HORIZON, REL_TOL, RefuseError, caffe_advances, check_reproducible, deviation
from cfgtools.convert.recipe import Recipe
from cfgtools.convert.text import comment_text
from cfgtools.convert.text import float_literal as F
from cfgtools.convert.text import int_literal as I
from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.schedule.evaluate import evaluate
from cfgtools.schedule.model import Constant, Exp, MultiStep, Poly, Schedule, Sigmoid, Step, Steps

#: longest steps/stepvalue list written when unrolling a periodic step policy
MAX_UNROLLED = 100_000


def _f32(x: float) -> float:
    return float(np.float32(x))


@dataclass
class Candidate:
    schedule: Schedule
    #: config lines of the schedule part (already formatted)
    lines: list[str]
    label: str


@dataclass
class Translation:
    text: str
    exact: bool
    deviation: float
    #: what cannot be expressed (empty when exact)
    problems: list[str] = field(default_factory=list)
    label: str = ""


def _updates(schedule: Schedule, horizon: int) -> np.ndarray:
    """Framework iterations for updates 1..horizon (darknet b = k, Caffe i = k - 1)."""
    first = schedule.first_update
    return np.arange(first, first + horizon, dtype=np.int64)


def schedule_deviation(source: Schedule, target: Schedule, chunk: int = 1 << 20) -> float:
    """Largest relative deviation of target's per-update lr from source's over the source horizon."""
    horizon = source.horizon if source.horizon > 0 else PROBE_HORIZON
    worst = 0.0
    for start in range(0, horizon, chunk):
        n = min(chunk, horizon - start)
        ref = evaluate(source, _updates(source, start + n)[start:])
        got = evaluate(target, _updates(target, start + n)[start:])
        with np.errstate(all="ignore"):
            worst = max(worst, float(deviation(got, ref).max(initial=0.0)))
    return worst


# ---------------------------------------------------------------------------
# darknet -> Caffe


def _caffe_candidates(recipe: Recipe) -> tuple[list[Candidate], list[str]]:
    s = recipe.schedule
    p = s.policy
    base = recipe.base_lr  # learning_rate x gpus, float32
    H = s.horizon
    notes: list[str] = []
    exact: list[Candidate] = []
    approx: list[Candidate] = []

    def cand(policy, base_lr, lines, label, into):
        base32 = _f32(base_lr)
        sched = caffe_schedule(base32, policy, H)
        into.append(Candidate(sched, [f"base_lr: {F(base32)}", *lines], label))

    if s.burn_in is not None and s.burn_in.iterations != 0:
        notes.append(f"burn_in={s.burn_in.iterations}: Caffe has no warm-up policy")
    kind = p.kind
    if kind == "constant":
        cand(Constant(), base, ['lr_policy: "fixed"'], "fixed", exact)
    elif kind == "exp":
        cand(Exp(gamma=p.gamma), base * p.gamma, ['lr_policy: "exp"', f"gamma: {F(p.gamma)}"],
             "exp with base_lr x gamma (darknet's rate(k) = Caffe's lr(k - 1))", exact)
        cand(Exp(gamma=p.gamma), base, ['lr_policy: "exp"', f"gamma: {F(p.gamma)}"], "exp (unshifted)", approx)
    elif kind in ("step", "steps"):
        if kind == "step":
            if p.step <= 0:
                notes.append(f"step={p.step}")
                fires, scales = [], []
            else:
                count = min(H // p.step + 1, MAX_UNROLLED)
                fires = [p.step * (j + 1) for j in range(count) if p.step * (j + 1) <= max(H, 1)]
                scales = [p.gamma] * len(fires)
        else:
            fires, scales = [], []
            top = None
            for v, sc in zip(p.steps, p.scales):
                top = v if top is None else max(top, v)
                fires.append(top)
                scales.append(sc)
        folded = base
        rest: list[tuple[int, float]] = []
        for f, sc in zip(fires, scales):
            if f <= 1:
                folded = _f32(folded * sc)  # fires before the first update
            else:
                rest.append((f, sc))
        values = [f - 1 for f, _ in rest]
        gammas = {sc for _, sc in rest}
        if len(gammas) > 1:
            notes.append("darknet scales differ: Caffe multistep has one gamma")
        if len(set(values)) != len(values):
            notes.append("several darknet steps fire at the same batch: Caffe advances at most one step per iteration")
        gamma = rest[0][1] if rest else 1.0
        lines = ['lr_policy: "multistep"', f"gamma: {F(gamma)}"] + [f"stepvalue: {I(v)}" for v in values]
        if kind == "step" and p.step == 1:
            cand(Exp(gamma=p.gamma), base * p.gamma, ['lr_policy: "exp"', f"gamma: {F(p.gamma)}"],
                 "exp (step=1)", exact)
        target_list = exact if len(gammas) <= 1 else approx
        cand(MultiStep(stepvalues=values, gamma=gamma), folded, lines,
             "multistep with stepvalue = step - 1", target_list)
        if kind == "step" and p.step > 0:
            cand(Step(step=p.step, gamma=p.gamma), base,
                 ['lr_policy: "step"', f"stepsize: {I(p.step)}", f"gamma: {F(p.gamma)}"], "step (unshifted)", approx)
    elif kind == "poly":
        notes.append("darknet poly uses rate(k) = (1 - k/max_batches)^power for update k; Caffe poly gives "
                     "(1 - (k-1)/max_iter)^power: the one-update shift cannot be expressed")
        if p.max_iter > 0:
            cand(Poly(power=p.power, max_iter=p.max_iter), base,
                 ['lr_policy: "poly"', f"power: {F(p.power)}"], "poly (unshifted)", approx)
    elif kind == "sigmoid":
        if -p.gamma >= 0:
            cand(Sigmoid(gamma=-p.gamma, step=p.step - 1), base,
                 ['lr_policy: "sigmoid"', f"gamma: {F(-p.gamma)}", f"stepsize: {I(p.step - 1)}"],
                 "sigmoid with gamma negated and stepsize = step - 1", exact)
        else:
            notes.append("darknet sigmoid with gamma > 0 decays; BVLC Caffe requires gamma >= 0 (a rising sigmoid)")
    elif kind == "sgdr":
        notes.append("SGDR (cosine restarts) has no Caffe policy")
    if s.burn_in is not None and s.burn_in.iterations != 0:
        approx = exact + approx
        exact = []
    if not exact and not approx:
        cand(Constant(), base, ['lr_policy: "fixed"'], "fixed (closest available)", approx)
    return exact + approx, notes if not exact else notes


def _header(what: str, recipe: Recipe, cand: Candidate, exact: bool, dev: float) -> list[str]:
    """The comment lines every translated config starts with (input text only inside comments)."""
    return [
        f"# Generated by cfgtools convert: {what}.",
        f"# Source: {comment_text(os.path.basename(recipe.source))}",
        f"# Schedule: {comment_text(cand.label)}; "
        + ("exact at every update" if exact else f"APPROXIMATE, largest relative deviation {dev:.3g}"),
    ]


def _caffe_text(recipe: Recipe, cand: Candidate, exact: bool, dev: float) -> str:
    s = recipe.schedule
    o = recipe.optimizer
    out = _header("a Caffe solver from a darknet [net]", recipe, cand, exact, dev) + [
        "# darknet's SGD applies the lr outside the momentum buffer, Caffe's inside: identical while",
        "# the lr is constant, different after each change. Add net: / snapshot settings yourself.",
        *cand.lines,
        f"max_iter: {I(s.horizon)}",
        f"iter_size: {I(recipe.backward_passes)}",
    ]
    if o.kind == "adam":
        out += ['type: "Adam"', f"momentum: {F(o.beta1)}", f"momentum2: {F(o.beta2)}",
                f"delta: {F(o.eps / max(recipe.update_batch or 1, 1))}  # darknet eps / update batch"]
    else:
        out += ['type: "SGD"', f"momentum: {F(o.momentum)}"]
    out.append(f"weight_decay: {F(o.weight_decay)}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# Caffe -> darknet


def _darknet_candidates(recipe: Recipe) -> tuple[list[Candidate], list[str]]:
    s = recipe.schedule
    p = s.policy
    base = recipe.base_lr
    H = s.horizon
    notes: list[str] = []
    exact: list[Candidate] = []
    approx: list[Candidate] = []

    def cand(policy, base_lr, lines, label, into):
        base32 = _f32(base_lr)
        sched = darknet_schedule("alexeyab", base32, policy, H)
        into.append(Candidate(sched, [f"learning_rate={F(base32)}", *lines], label))

    if H <= 0:
        notes.append("max_iter is 0 or unset (py-faster-rcnn passes --iters on the command line): "
                     "darknet needs max_batches, which is also where its schedule ends")
    kind = p.kind
    if kind == "constant":
        cand(Constant(), base, ["policy=constant"], "constant", exact)
    elif kind in ("step", "multistep"):
        if kind == "step":
            count = min((max(H, 1) - 1) // p.step + 1, MAX_UNROLLED) if p.step > 0 else 0
            advances = [p.step * (j + 1) for j in range(count) if p.step * (j + 1) < max(H, 1)]
        else:
            advances = caffe_advances(list(p.stepvalues))
        steps = [t + 1 for t in advances]
        if steps:
            lines = ["policy=steps", "steps=" + ",".join(I(v) for v in steps),
                     "scales=" + ",".join(F(p.gamma) for _ in steps)]
            cand(Steps(steps=steps, scales=[p.gamma] * len(steps)), base, lines,
                 "steps at Caffe's advance iterations + 1", exact)
        else:
            cand(Constant(), base, ["policy=constant"], "constant (no step within the horizon)", exact)
    elif kind == "exp":
        if p.gamma > 0:
            cand(Exp(gamma=p.gamma), base / p.gamma, ["policy=exp", f"gamma={F(p.gamma)}"],
                 "exp with learning_rate / gamma", exact)
        cand(Exp(gamma=p.gamma), base, ["policy=exp", f"gamma={F(p.gamma)}"], "exp (unshifted)", approx)
    elif kind == "poly":
        notes.append("Caffe poly gives (1 - (k-1)/max_iter)^power at update k; darknet poly "
                     "(1 - k/max_batches)^power, and max_batches is also the run length: the shift cannot be expressed")
        if p.max_iter > 0:
            cand(Poly(power=p.power, max_iter=p.max_iter), base, ["policy=poly", f"power={F(p.power)}"],
                 "poly (unshifted)", approx)
    elif kind == "sigmoid":
        cand(Sigmoid(gamma=-p.gamma, step=p.step + 1), base,
             ["policy=sigmoid", f"gamma={F(-p.gamma)}", f"step={I(p.step + 1)}"],
             "sigmoid with gamma negated and step = stepsize + 1", exact)
    elif kind == "inv":
        notes.append("Caffe inv has no darknet policy")
    if not exact and not approx:
        cand(Constant(), base, ["policy=constant"], "constant (closest available)", approx)
    return exact + approx, notes


def _darknet_text(recipe: Recipe, cand: Candidate, exact: bool, dev: float) -> str:
    s = recipe.schedule
    o = recipe.optimizer
    out = _header("a darknet [net] section from a Caffe solver", recipe, cand, exact, dev) + [
        "# Caffe's SGD keeps the lr inside the momentum history, darknet outside (identical while the",
        "# lr is constant). Set batch (= Caffe batch size x iter_size), width, height, channels yourself.",
        "[net]",
        f"subdivisions={I(recipe.backward_passes)}",
        f"max_batches={I(s.horizon)}",
        *cand.lines,
    ]
    if o.kind == "adam":
        out += ["adam=1", f"B1={F(o.beta1)}", f"B2={F(o.beta2)}", f"eps={F(o.eps)}"]
    else:
        out.append(f"momentum={F(o.momentum)}")
    out.append(f"decay={F(o.weight_decay)}")
    return "\n".join(out) + "\n"


def _optimizer_problems(recipe: Recipe, target: str) -> list[str]:
    o = recipe.optimizer
    problems: list[str] = []
    if target == "darknet":
        if o.kind not in ("sgd", "adam"):
            problems.append(f"solver type {o.written_as!r} has no darknet equivalent (darknet has SGD and Adam)")
        if o.regularization == "L1" and o.weight_decay != 0:
            problems.append("L1 regularization has no darknet equivalent")
        if o.clip_gradients is not None:
            problems.append("clip_gradients has no darknet equivalent")
    return problems


def translate(recipe: Recipe, target: str, approximate: bool = False) -> Translation:
    """Translate to ``target`` ("caffe" or "darknet"); see the module docstring."""
    if recipe.schedule.policy.kind == "random":
        raise RefuseError("policy=random is not deterministic: nothing to translate")
    if target == recipe.framework:
        raise RefuseError(f"the input already is a {target} config")
    check_reproducible(recipe)
    if target == "caffe":
        candidates, notes = _caffe_candidates(recipe)
        render = _caffe_text
    else:
        candidates, notes = _darknet_candidates(recipe)
        render = _darknet_text
    problems = _optimizer_problems(recipe, target) + list(recipe.problems)
    best: tuple[float, Candidate] | None = None
    for cand in candidates:
        try:
            dev = schedule_deviation(recipe.schedule, cand.schedule)
        except (ValueError, ZeroDivisionError):
            continue
        if dev <= REL_TOL and not problems:
            return Translation(render(recipe, cand, True, dev), True, dev, [], cand.label)
        if best is None or dev < best[0]:
            best = (dev, cand)
    if best is not None and best[0] > REL_TOL:
        problems = notes + [f"closest {target} schedule ({best[1].label}) deviates by up to {best[0]:.3g} (relative)"] + problems
    elif best is None:
        problems = notes + problems
    if best is None:
        return Translation("", False, float("inf"), problems or ["nothing comparable"], "")
    dev, cand = best
    text = render(recipe, cand, False, dev) if approximate else ""
    return Translation(text, False, dev, problems, cand.label)


# ---------------------------------------------------------------------------
# JSON


def to_json(recipe: Recipe) -> str:
    data = {
        "framework": recipe.framework,
        "source": recipe.source,
        "schedule": recipe.schedule.model_dump(mode="json"),
        "optimizer": recipe.optimizer.model_dump(mode="json"),
        "backward_passes_per_step": recipe.backward_passes,
        "update_batch": recipe.update_batch,
        "base_lr_effective": recipe.base_lr,
        "horizon": recipe.horizon,
        "provenance": recipe.provenance,
        "notes": recipe.notes,
        "problems": recipe.problems,
    }
    return json.dumps(data, indent=2, allow_nan=False, ensure_ascii=True) + "\n"
