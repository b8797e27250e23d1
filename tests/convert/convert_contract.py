"""Check an emitted PyTorch module against the schedule engine (the equivalence contract).

``load_recipe`` reads a config through the loader and its framework's recipe.
``check_contract`` imports the module, compares its rate function (or its
built-in scheduler's closed form) with the engine
at a dense prefix, windows around every schedule boundary and a strided sample
of the whole horizon (vectorised part), then steps the REAL optimizer/scheduler
pair for windows at several ``start_iter`` values (burn-in middle, step
boundaries, SGDR restarts, the end) and compares the lr of every param group
before each ``optimizer.step()`` with the engine.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

import numpy as np

from cfgtools.errors import InputError
from cfgtools.loading import in_dialect, load
from cfgtools.plugin import RunOptions
from cfgtools.recipe import Recipe
from cfgtools.schedule.evaluate import evaluate

REL, ABS = 1e-6, 1e-12
_counter = itertools.count()


def load_recipe(path, dialect: str | None = None, gpus: int = 1) -> Recipe:
    """The recipe of the config at ``path`` read by ``dialect`` of its framework (default: the framework's);
    InputError/ScheduleError as ``cfgtools convert`` reports them."""
    loaded = load(path)
    if dialect is not None:
        loaded = in_dialect(loaded, dialect)
    return loaded.framework.recipe(loaded, RunOptions(gpus=gpus))


def dialect_cases(paths) -> list[tuple[Path, str]]:
    """(path, dialect) for every dialect of each file's framework (files cfgtools cannot read: none)."""
    cases = []
    for path in paths:
        try:
            cases += [(path, dialect) for dialect in load(path).framework.dialects]
        except InputError:
            continue
    return cases


def import_emitted(path: Path):
    name = f"cfgtools_emitted_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def assert_close(got, want, what: str) -> None:
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    diff = np.abs(got - want)
    ok = (diff <= ABS) | (diff <= REL * np.abs(want))
    if not ok.all():
        i = int(np.argmin(ok))
        raise AssertionError(f"{what}: element {i}: got {got[i]!r}, want {want[i]!r} "
                             f"({int((~ok).sum())} of {ok.size} differ)")


def boundaries(recipe: Recipe) -> list[int]:
    """Framework iterations where the schedule changes shape."""
    s = recipe.schedule
    p = s.policy
    horizon = s.horizon if s.horizon > 0 else 5000
    points = {s.first_update, s.last_update if s.horizon > 0 else horizon}
    if s.burn_in is not None:
        points.add(s.burn_in.iterations)
        points.add(s.burn_in.iterations // 2)
    kind = p.kind
    if kind == "step" and p.step > 0:
        points.update(p.step * j for j in range(1, min(horizon // p.step + 2, 50)))
        points.add((horizon // p.step) * p.step)
    elif kind == "steps":
        points.update(p.steps)
    elif kind == "multistep":
        points.update(p.stepvalues)
        points.update(p.advances())
    elif kind == "sigmoid":
        points.add(p.step)
    elif kind == "poly":
        points.add(p.max_iter)
    elif kind == "sgdr" and p.cycle > 0:
        start, cycle = 0, p.cycle
        while start + cycle <= horizon + 1 and len(points) < 200:
            points.add(start + cycle)
            points.add(start + cycle + 1)
            start += cycle
            cycle *= max(p.mult, 1)
            if p.mult <= 0:
                break
    return sorted(x for x in points if 0 <= x <= horizon + 1)


def sample_iterations(recipe: Recipe, dense: int = 3000, window: int = 40, stride_points: int = 4000) -> np.ndarray:
    s = recipe.schedule
    first = s.first_update
    horizon = s.horizon if s.horizon > 0 else 5000
    last = first + horizon - 1
    parts = [np.arange(first, min(last, first + dense - 1) + 1)]
    for b in boundaries(recipe):
        parts.append(np.arange(max(first, b - window), min(last, b + window) + 1))
    parts.append(np.linspace(first, last, num=min(stride_points, horizon), dtype=np.int64))
    return np.unique(np.concatenate(parts).astype(np.int64))


def start_points(recipe: Recipe) -> list[int]:
    """start_iter values (finished updates) to step the real scheduler from."""
    s = recipe.schedule
    first = s.first_update
    horizon = s.horizon if s.horizon > 0 else 5000
    starts = {0, max(horizon - 30, 0)}
    for b in boundaries(recipe)[:12] + boundaries(recipe)[-4:]:
        # the first step uses iteration first + start: land just before and on the boundary
        for it in (b - 2, b):
            start = it - first
            if 0 <= start < horizon:
                starts.add(start)
    if s.burn_in is not None and s.burn_in.iterations > 2:
        starts.add(s.burn_in.iterations // 2 - first)
    return sorted(x for x in starts if x >= 0)


def step_real(module, torch, start: int, steps: int) -> np.ndarray:
    """lr of each param group before each optimizer.step(), stepping the real objects."""
    p1 = torch.nn.Parameter(torch.zeros(2))
    p2 = torch.nn.Parameter(torch.zeros(1))
    opt = module.make_optimizer([{"params": [p1]}, {"params": [p2]}])
    sched = module.make_scheduler(opt, start_iter=start)
    out = np.empty((steps, 2))
    for k in range(steps):
        out[k] = [g["lr"] for g in opt.param_groups]
        opt.step()
        sched.step()
    return out


def check_contract(recipe: Recipe, module, torch, window_steps: int = 60, prefix_steps: int = 400) -> dict:
    s = recipe.schedule
    horizon = s.horizon if s.horizon > 0 else 5000
    first = s.first_update
    # 1. the emitted formula (vectorised over a large sample)
    iters = sample_iterations(recipe)
    want = evaluate(s, iters)
    # a built-in's closed form, or the framework's formula beside a LambdaLR: never both
    assert hasattr(module, "_factor") != hasattr(module, "framework_rate")
    if hasattr(module, "_factor"):
        got = [module.BASE_LR * module._factor(int(i)) for i in iters]
        assert_close(got, want, "built-in closed form")
    else:
        got = [module.framework_rate(int(i)) for i in iters]
        assert_close(got, want, "framework_rate")
    assert module.HORIZON == max(s.horizon, 0)
    assert module.FIRST_ITERATION == first
    # 2. the real scheduler object
    checked = 0
    runs = [(0, min(prefix_steps, horizon))] + [(st, min(window_steps, horizon - st)) for st in start_points(recipe)]
    for start, steps in runs:
        if steps <= 0:
            continue
        lrs = step_real(module, torch, start, steps)
        want = evaluate(s, np.arange(first + start, first + start + steps))
        for group in range(lrs.shape[1]):
            assert_close(lrs[:, group], want, f"scheduler lr, start_iter={start}, group {group}")
        checked += steps
    return {"sampled": int(iters.size), "stepped": checked}
