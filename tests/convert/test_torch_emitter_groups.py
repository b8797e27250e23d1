"""The emitted module of a YOLOv5/ultralytics recipe, run step by step with torch.

Every group's lr and momentum and the step flag of the emitted scheduler are
compared, at every iteration of a run, with cfgtools' own columns
(``cfgtools schedule``) and with the replica of the upstream training loop
written in tests/ultralytics/test_schedule.py (a real torch optimizer, a real
LambdaLR, the warm-up with ``np.interp``).
"""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import numpy as np
import pytest
from pyflakes.api import check as pyflakes_check
from pyflakes.reporter import Reporter

from cfgtools.convert.torch_emitter import emit_torch
from cfgtools.ultralytics.rate import ARITHMETIC, schedule_for_run
from cfgtools.ultralytics.recipe import build_recipe
from cfgtools.ultralytics.schedule import TrainingConfig
from cfgtools.ultralytics.versions import VERSIONS
from tests.ultralytics.test_schedule import config, run_loop

NB = 37
CASES = {
    "defaults": dict(),
    "cos_lr": dict(cos_lr=True),
    "warmup_0": dict(warmup_epochs=0.0),
    "large_nbs_over_batch": dict(batch=3),  # accumulate ramps 1 -> 21
    "adam": dict(optimizer="Adam", lr0=0.001),
}


def recipe_for(version: str, cfg: dict, weight_decay: float = 0.0005):
    schedule = schedule_for_run(TrainingConfig(**cfg), VERSIONS[version], NB, "test.yaml")
    return build_recipe(schedule, weight_decay, (), [], "test.yaml")


def load_module(source: str, directory: Path, name: str):
    path = directory / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny_model(torch):
    """A conv with bias, a BatchNorm2d, a LayerNorm and a linear layer: every kind of parameter."""
    return torch.nn.Sequential(torch.nn.Conv2d(1, 2, 1), torch.nn.BatchNorm2d(2), torch.nn.Flatten(),
                               torch.nn.LayerNorm(2), torch.nn.Linear(2, 1, bias=False))


def momentum_of(group) -> float:
    return float(group["momentum"] if "momentum" in group else group["betas"][0])


def emitted_run(module, torch, iterations: int, start: int = 0):
    """(lr per group, momentum per group, step flag) at each iteration, stepping the optimizer for real."""
    model = tiny_model(torch)
    optimizer = module.make_optimizer(model)
    scheduler = module.make_scheduler(optimizer, start_iter=start)
    lrs, momenta, steps = [], [], []
    for _ in range(start, iterations):
        lrs.append([float(g["lr"]) for g in optimizer.param_groups])
        momenta.append([momentum_of(g) for g in optimizer.param_groups])
        stepped = scheduler.optimizer_steps()
        steps.append(bool(stepped))
        model(torch.randn(2, 1, 1, 1)).sum().backward()
        if stepped:
            optimizer.step()
            optimizer.zero_grad()
        scheduler.step()
    return np.array(lrs), np.array(momenta), steps


@pytest.mark.torch
@pytest.mark.parametrize("version", sorted(VERSIONS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_emitted_scheduler_matches_the_columns_and_the_upstream_loop(torch_module, version, case, tmp_path):
    cfg = config(epochs=12, **CASES[case])
    recipe = recipe_for(version, cfg)
    source = emit_torch(recipe)
    module = load_module(source, tmp_path, "emitted")
    iterations = cfg["epochs"] * NB
    lrs, momenta, steps = emitted_run(module, torch_module, iterations)

    columns = ARITHMETIC.columns(recipe.schedule, np.arange(iterations))
    expected_lr = np.stack([columns[f"lr_pg{g}"] for g in range(3)], axis=1)
    expected_momentum = np.stack([columns[f"momentum_pg{g}"] for g in range(3)], axis=1)
    np.testing.assert_allclose(lrs, expected_lr, rtol=1e-9, atol=0)
    np.testing.assert_allclose(momenta, expected_momentum, rtol=1e-9, atol=0)
    assert steps == columns["step"].astype(bool).tolist()

    trace = run_loop(torch_module, version, cfg, NB)
    np.testing.assert_allclose(lrs, np.array(trace.lr), rtol=1e-9, atol=0)
    np.testing.assert_allclose(momenta, np.array(trace.momentum), rtol=1e-9, atol=0)
    assert steps == trace.step


@pytest.mark.torch
@pytest.mark.parametrize("version", ["yolov5-7.0", "ultralytics-8.0", "ultralytics-8.3"])
def test_start_iter_and_state_dicts_continue_the_run(torch_module, version, tmp_path):
    cfg = config(epochs=6, batch=8)
    module = load_module(emit_torch(recipe_for(version, cfg)), tmp_path, "emitted")
    iterations = cfg["epochs"] * NB
    whole = emitted_run(module, torch_module, iterations)
    for start in (1, 50, 2 * NB, 2 * NB + 5, iterations - 1):  # inside and after the warm-up (nw = 111)
        lrs, momenta, steps = emitted_run(module, torch_module, iterations, start)
        np.testing.assert_array_equal(lrs, whole[0][start:])
        np.testing.assert_array_equal(momenta, whole[1][start:])
        assert steps == whole[2][start:]
    optimizer = module.make_optimizer(tiny_model(torch_module))
    scheduler = module.make_scheduler(optimizer)
    for _ in range(77):
        scheduler.step()
    restored = module.make_scheduler(module.make_optimizer(tiny_model(torch_module)))
    restored.load_state_dict(scheduler.state_dict())
    assert restored.state_dict() == {"iteration": 77}
    assert [g["lr"] for g in restored.optimizer.param_groups] == [g["lr"] for g in optimizer.param_groups]
    with pytest.raises(ValueError, match=">= 0"):
        module.make_scheduler(optimizer, start_iter=-1)


def _group_names(module, torch) -> list[list[str]]:
    model = torch.nn.Module()
    model.conv = torch.nn.Conv2d(1, 2, 1)
    model.bn = torch.nn.BatchNorm2d(2)
    model.ln = torch.nn.LayerNorm(2)
    model.head = torch.nn.Module()
    model.head.logit_scale = torch.nn.Parameter(torch.zeros(1))
    model.head.bias_table = torch.nn.Parameter(torch.zeros(1))
    names = {id(p): name for name, p in model.named_parameters()}
    return [sorted(names[id(p)] for p in group) for group in module.parameter_groups(model)]


# by hand from each version's source (see cfgtools/ultralytics/recipe.py): groups in the optimizer's order
EXPECTED_GROUPS = {
    # BatchNorm2d weight / other .weight / .bias; LayerNorm's weight decays; other parameters are in no group
    "yolov5-5.0": [["bn.weight"], ["conv.weight", "ln.weight"], ["bn.bias", "conv.bias", "ln.bias"]],
    # by name: "bias" / a *Norm* layer's "weight" / everything else (bias_table and logit_scale decay)
    "yolov5-7.0": [["bn.bias", "conv.bias", "ln.bias"], ["conv.weight", "head.bias_table", "head.logit_scale"],
                   ["bn.weight", "ln.weight"]],
    # by full name: "bias" anywhere (bias_table too) / a *Norm* layer's parameter / everything else
    "ultralytics-8.0": [["bn.bias", "conv.bias", "head.bias_table", "ln.bias"], ["conv.weight", "head.logit_scale"],
                        ["bn.weight", "ln.weight"]],
    # ... and logit_scale without decay
    "ultralytics-8.3": [["bn.bias", "conv.bias", "head.bias_table", "ln.bias"], ["conv.weight"],
                        ["bn.weight", "head.logit_scale", "ln.weight"]],
    # 8.4: weights, norm weights, biases
    "ultralytics-latest": [["conv.weight"], ["bn.weight", "head.logit_scale", "ln.weight"],
                           ["bn.bias", "conv.bias", "head.bias_table", "ln.bias"]],
}


@pytest.mark.torch
@pytest.mark.parametrize("version", sorted(EXPECTED_GROUPS))
def test_parameter_groups_follow_the_version(torch_module, version, tmp_path):
    module = load_module(emit_torch(recipe_for(version, config())), tmp_path, "emitted")
    assert _group_names(module, torch_module) == EXPECTED_GROUPS[version]


@pytest.mark.torch
def test_weight_decay_per_group(torch_module, tmp_path):
    # batch 3: accumulate = round(64 / 3) = 21, decay 0.0005 * 3 * 21 / 64
    module = load_module(emit_torch(recipe_for("yolov5-7.0", config(batch=3))), tmp_path, "emitted")
    optimizer = module.make_optimizer(tiny_model(torch_module))
    assert isinstance(optimizer, torch_module.optim.SGD) and optimizer.defaults["nesterov"]
    decays = [g["weight_decay"] for g in optimizer.param_groups]
    assert decays[0] == 0.0 and decays[2] == 0.0
    assert decays[1] == pytest.approx(0.0005 * 3 * 21 / 64, rel=1e-15)
    # v6.1's AdamW: the groups added without a decay take AdamW's default 0.01 (train.py:168-173)
    module = load_module(emit_torch(recipe_for("yolov5-6.1", config(optimizer="AdamW"))), tmp_path, "adamw")
    optimizer = module.make_optimizer(tiny_model(torch_module))
    assert isinstance(optimizer, torch_module.optim.AdamW)
    assert [g["weight_decay"] for g in optimizer.param_groups] == [0.01, 0.0005, 0.01]
    assert optimizer.param_groups[0]["betas"] == (0.937, 0.999)


@pytest.mark.parametrize("version", sorted(VERSIONS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_emitted_modules_are_clean(version, case):
    source = emit_torch(recipe_for(version, config(**CASES[case])))
    out, err = io.StringIO(), io.StringIO()
    pyflakes_check(source, "emitted.py", Reporter(out, err))
    assert out.getvalue() + err.getvalue() == ""
    assert "import torch" in source and "lr_scheduler" not in source
