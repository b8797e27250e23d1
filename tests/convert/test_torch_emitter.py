"""The emitted PyTorch modules are idiomatic: nothing unused, and torch's own resume path.

- every module emitted for every fixture and corpus file (both darknet forks,
  with and without --exact-momentum) compiles, has zero pyflakes messages,
  never assigns ``last_epoch`` by hand and never touches ``warnings``;
- for every policy of both frameworks (and both darknet forks): train s steps
  from 0, save the optimizer and scheduler state dicts, build a new optimizer
  and ``make_scheduler(opt, start_iter=s)``, load both state dicts, continue:
  every lr is the framework's own (darknet ``rate(s+k+1)``, Caffe ``lr(s+k)``)
  within the module's tolerance, with and without loading the states, and no
  torch warning is emitted;
- each framework's exact rate function (``Arithmetic.python_source``) keeps the
  contract when a LambdaLR is forced over it, for every fixture.
"""

from __future__ import annotations

import ast
import copy
import io
import warnings
from pathlib import Path

import numpy as np
import pytest
from pyflakes.api import check as pyflakes_check
from pyflakes.reporter import Reporter

from tests.conftest import FIXTURES, corpus_files, require_torch
from tests.convert.convert_contract import assert_close, check_contract, dialect_cases, import_emitted, load_recipe, start_points
from cfgtools.convert.plan import RefuseError, SchedulerPlan, check_reproducible, choose
from cfgtools.convert.torch_emitter import emit_torch
from cfgtools.errors import InputError
from cfgtools.loading import in_dialect, load
from cfgtools.plugin import RunOptions
from cfgtools.schedule.evaluate import evaluate
from cfgtools.schedule.model import ScheduleError

#: steps taken after each resume point (fewer near the end of the horizon)
STEPS_AFTER = 30
#: resume points beyond this many updates are not stepped to (the run from 0 is stepped for real)
MAX_RESUME_POINT = 600


def _case_id(value) -> str:
    return f"{value.parent.name}/{value.name}" if isinstance(value, Path) else value


def _emitted_modules(path: Path) -> list[tuple[str, str]]:
    """(variant, source) of every module `cfgtools convert --to torch` can emit for ``path``."""
    try:
        loaded = load(path)
    except InputError:
        return []
    modules = []
    # an ultralytics run needs its batches per epoch, and optimizer=auto the images and classes
    options = RunOptions(images=5000, classes=80) if loaded.framework.name == "ultralytics" else RunOptions()
    for dialect in loaded.framework.dialects:
        try:
            recipe = loaded.framework.recipe(in_dialect(loaded, dialect), options)
        except (InputError, ScheduleError, ValueError):  # exit 2: no module
            continue
        if recipe.parameter_groups:  # one module: no scheduler plan, no momentum variant
            modules.append((dialect, emit_torch(recipe)))
            continue
        try:
            plan = choose(recipe)
        except RefuseError:  # exit 1: no module
            continue
        modules += [(f"{dialect}, exact_momentum={exact}", emit_torch(recipe, exact_momentum=exact, plan=plan))
                    for exact in (False, True)]
    return modules


def _pyflakes_messages(source: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    pyflakes_check(source, "emitted.py", Reporter(out, err))
    return out.getvalue() + err.getvalue()


def _check_idiomatic(path: Path) -> None:
    modules = _emitted_modules(path)
    if not modules:
        pytest.skip("cfgtools convert emits no module for this file (exit 1 or 2)")
    for variant, source in modules:
        compile(source, "emitted.py", "exec")
        assert _pyflakes_messages(source) == "", f"{path.name} ({variant})"
        tree = ast.parse(source)
        assigned = [node for node in ast.walk(tree) if isinstance(node, ast.Attribute)
                    and node.attr == "last_epoch" and isinstance(node.ctx, ast.Store)]
        assert assigned == [], f"{path.name} ({variant}) sets last_epoch by hand"
        assert "warnings" not in {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*") if p.is_file())


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_modules_are_idiomatic(path):
    _check_idiomatic(path)


def test_the_fixtures_emit_modules():
    emitted = sum(len(_emitted_modules(p)) for p in sorted((FIXTURES / "convert").iterdir()))
    assert emitted >= 50  # 24 files, darknet ones in both forks, each with and without --exact-momentum


@pytest.mark.corpus
@pytest.mark.parametrize("path", corpus_files("darknet") + corpus_files("caffe") or [None],
                         ids=lambda p: "absent" if p is None else f"{p.parent.name}/{p.name}")
def test_corpus_modules_are_idiomatic(path):
    if path is None:
        pytest.skip("shared corpus is absent")
    _check_idiomatic(path)


# ---------------------------------------------------------------------------
# resuming with state dicts


def _optimizer(module, torch):
    """make_optimizer with two groups; the second has its own lr (a per-layer multiplier of 2)."""
    groups = [{"params": [torch.nn.Parameter(torch.zeros(2))]},
              {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 2 * module.BASE_LR}]
    return module.make_optimizer(groups)


def _lrs(optimizer) -> list[float]:
    return [group["lr"] for group in optimizer.param_groups]


def _module(source: str, directory: Path, stem: str):
    path = directory / f"{stem}.py"
    path.write_text(source, encoding="utf-8")
    return import_emitted(path)


def _continue(optimizer, scheduler, steps: int) -> np.ndarray:
    """The lr of each group before each of ``steps`` optimizer steps."""
    out = []
    for _ in range(steps):
        out.append(_lrs(optimizer))
        optimizer.step()
        scheduler.step()
    return np.asarray(out)


@pytest.mark.torch
@pytest.mark.parametrize("path,fork", dialect_cases(sorted((FIXTURES / "convert").iterdir())), ids=_case_id)
def test_resume_with_state_dicts_keeps_the_framework_rate(path, fork, tmp_path):
    torch = require_torch()
    try:
        recipe = load_recipe(path, dialect=fork)
        source = emit_torch(recipe)
    except RefuseError as exc:
        pytest.skip(f"refused: {exc}")
    except InputError as exc:
        # hank-ai stops on a policy name it does not know, where the C forks fall back to constant
        assert (path.name, fork) == ("dn_injection.cfg", "hankai") and "is not supported" in exc.message
        return
    module = _module(source, tmp_path, f"{path.stem}_{fork}")
    schedule = recipe.schedule
    horizon = schedule.horizon
    # resume points (boundaries, burn-in, restarts) and how many steps follow each within the horizon
    after = {s: min(STEPS_AFTER, horizon - s) for s in [0, 1, 2, *start_points(recipe)]
             if s <= MAX_RESUME_POINT and s < horizon}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch's call-order and deprecation warnings fail the test
        optimizer = _optimizer(module, torch)
        scheduler = module.make_scheduler(optimizer)
        saved = {}
        from_zero = []
        for step in range(max(s + n for s, n in after.items())):
            if step in after:
                saved[step] = (copy.deepcopy(optimizer.state_dict()), copy.deepcopy(scheduler.state_dict()))
            from_zero.append(_lrs(optimizer))
            optimizer.step()
            scheduler.step()
        from_zero = np.asarray(from_zero)
        for s, steps in sorted(after.items()):
            want = evaluate(schedule, np.arange(s, s + steps) + schedule.first_update)
            resumed_opt = _optimizer(module, torch)
            resumed = module.make_scheduler(resumed_opt, start_iter=s)
            resumed_opt.load_state_dict(saved[s][0])
            resumed.load_state_dict(saved[s][1])
            with_states = _continue(resumed_opt, resumed, steps)
            fresh_opt = _optimizer(module, torch)
            without_states = _continue(fresh_opt, module.make_scheduler(fresh_opt, start_iter=s), steps)
            for lrs, how in ((with_states, "state dicts loaded"), (without_states, "no state loaded")):
                assert_close(lrs[:, 0], want, f"{path.name} ({fork}) start_iter={s}, {how}")
                assert_close(lrs[:, 1], 2 * want, f"{path.name} ({fork}) start_iter={s}, {how}, group 2")
                np.testing.assert_allclose(lrs, from_zero[s:s + steps], rtol=1e-12, atol=0)


DARKNET53_POLY = """[net]
batch=128
subdivisions=4
width=256
height=256
channels=3
momentum=0.9
decay=0.0005
learning_rate=0.1
policy=poly
power=4
max_batches=800000
"""


@pytest.mark.torch
def test_resume_after_1000_updates_is_not_shifted(tmp_path):
    """darknet53's recipe resumed at 1000 updates: the next two rates are rate(1001) and rate(1002)."""
    torch = require_torch()
    cfg = tmp_path / "darknet53.cfg"
    cfg.write_text(DARKNET53_POLY)
    module = _module(emit_torch(load_recipe(cfg)), tmp_path, "darknet53")
    optimizer = module.make_optimizer([torch.nn.Parameter(torch.zeros(1))])
    scheduler = module.make_scheduler(optimizer)
    for _ in range(1000):
        optimizer.step()
        scheduler.step()
    states = optimizer.state_dict(), scheduler.state_dict()
    resumed_opt = module.make_optimizer([torch.nn.Parameter(torch.zeros(1))])
    resumed = module.make_scheduler(resumed_opt, start_iter=1000)
    resumed_opt.load_state_dict(states[0])
    resumed.load_state_dict(states[1])
    # darknet: lr * (1 - b / max_batches) ** power at batch number b (float32 arithmetic within 1e-6)
    assert resumed_opt.param_groups[0]["lr"] == pytest.approx(0.1 * (1 - 1001 / 800000) ** 4, rel=1e-6)
    resumed_opt.step()
    resumed.step()
    assert resumed_opt.param_groups[0]["lr"] == pytest.approx(0.1 * (1 - 1002 / 800000) ** 4, rel=1e-6)


# ---------------------------------------------------------------------------
# every framework's rate function, through a forced LambdaLR


RATE_SOURCE_FILES = sorted((FIXTURES / "convert").iterdir()) + sorted((FIXTURES / "darknet").glob("*.cfg")) \
    + sorted((FIXTURES / "caffe").glob("*.prototxt"))


@pytest.mark.torch
@pytest.mark.parametrize("path,fork", dialect_cases(RATE_SOURCE_FILES), ids=_case_id)
def test_forced_lambda_over_the_rate_source_keeps_the_contract(path, fork, tmp_path):
    torch = require_torch()
    try:
        recipe = load_recipe(path, dialect=fork)
        check_reproducible(recipe)
    except (InputError, ScheduleError, RefuseError) as exc:
        pytest.skip(f"no module for this input: {exc}")
    source = recipe.schedule.arithmetic.python_source(recipe.schedule)
    plan = SchedulerPlan("LambdaLR", "forced by the test", constants=source.constants, rate_function=source.function)
    check_contract(recipe, _module(emit_torch(recipe, plan=plan), tmp_path, "forced"), torch,
                   window_steps=20, prefix_steps=100)
