"""The emitted PyTorch module reproduces the framework's lr at every optimizer step."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import FIXTURES, corpus_files, require_torch
from tests.convert.convert_contract import check_contract, import_emitted, load_recipe, step_real
from cfgtools.convert.plan import RefuseError, choose
from cfgtools.convert.torch_emitter import emit_torch
from cfgtools.errors import InputError
from cfgtools.schedule.model import ScheduleError


def _inputs() -> list[Path]:
    files = sorted((FIXTURES / "convert").glob("*"))
    files += sorted((FIXTURES / "darknet").glob("*.cfg"))
    files += sorted((FIXTURES / "caffe").glob("*.prototxt"))
    return files


def _convert(path: Path, tmp_path: Path, exact_momentum: bool = False):
    try:
        recipe = load_recipe(str(path))
    except (InputError, ScheduleError) as exc:
        pytest.skip(f"not convertible input (exit 2 case): {exc}")
    try:
        source = emit_torch(recipe, exact_momentum=exact_momentum)
    except RefuseError as exc:
        assert recipe.schedule.policy.kind == "random" or "NaN/inf" in str(exc)
        pytest.skip(f"refused: {exc}")
    out = tmp_path / "recipe_module.py"
    out.write_text(source, encoding="utf-8")
    return recipe, import_emitted(out), source


@pytest.mark.torch
@pytest.mark.parametrize("path", _inputs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_contract(path, tmp_path):
    torch = require_torch()
    recipe, module, _ = _convert(path, tmp_path)
    check_contract(recipe, module, torch)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["ca_step.prototxt", "ca_multistep_unsorted.prototxt", "dn_steps_equal.cfg"])
def test_exact_momentum_variant_keeps_the_schedule(name, tmp_path):
    torch = require_torch()
    recipe, module, source = _convert(FIXTURES / "convert" / name, tmp_path, exact_momentum=True)
    check_contract(recipe, module, torch, window_steps=20, prefix_steps=100)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["dn_steps_burnin.cfg", "dn_sgdr.cfg", "ca_step.prototxt", "ca_poly.prototxt",
                                  "dn_exp.cfg", "ca_multistep_sorted.prototxt"])
def test_start_iter_equals_skipping(name, tmp_path):
    torch = require_torch()
    recipe, module, _ = _convert(FIXTURES / "convert" / name, tmp_path)
    full = step_real(module, torch, 0, 260)
    for start in (1, 37, 99, 100, 101, 150, 199, 200):
        part = step_real(module, torch, start, 260 - start)
        np.testing.assert_allclose(part, full[start:], rtol=1e-12, atol=0)


@pytest.mark.torch
def test_builtins_are_chosen_where_exact():
    expected = {
        "dn_constant.cfg": "ConstantLR", "dn_step.cfg": "StepLR", "dn_steps_equal.cfg": "MultiStepLR",
        "ca_fixed.prototxt": "ConstantLR", "ca_step.prototxt": "StepLR", "ca_multistep_sorted.prototxt": "MultiStepLR",
        # exp and poly: LambdaLR on every torch release (their built-ins' resume path changed in torch)
        "dn_exp.cfg": "LambdaLR", "dn_poly_short.cfg": "LambdaLR", "ca_exp.prototxt": "LambdaLR",
        "ca_poly_short.prototxt": "LambdaLR",
        # float32 arithmetic near the end of a long poly, burn-in, unsorted/duplicate steps, SGDR: LambdaLR
        "ca_poly.prototxt": "LambdaLR", "dn_poly.cfg": "LambdaLR", "dn_steps_burnin.cfg": "LambdaLR",
        "ca_multistep_unsorted.prototxt": "LambdaLR", "dn_sgdr.cfg": "LambdaLR", "ca_inv.prototxt": "LambdaLR",
        "ca_sigmoid.prototxt": "LambdaLR", "dn_sigmoid.cfg": "LambdaLR",
    }
    for name, scheduler in expected.items():
        assert choose(load_recipe(str(FIXTURES / "convert" / name))).scheduler == scheduler, name


def test_start_iter_validation(tmp_path):
    torch = require_torch()
    _, module, _ = _convert(FIXTURES / "convert" / "ca_step.prototxt", tmp_path)
    opt = module.make_optimizer([torch.nn.Parameter(torch.zeros(1))])
    with pytest.raises(ValueError):
        module.make_scheduler(opt, start_iter=-1)
    with pytest.raises(TypeError):
        module.make_scheduler(opt, start_iter=1.5)


def _corpus() -> list[Path]:
    return corpus_files("darknet") + corpus_files("caffe")


@pytest.mark.torch
@pytest.mark.corpus
@pytest.mark.parametrize("path", _corpus() or [None], ids=lambda p: "absent" if p is None else f"{p.parent.name}/{p.name}")
def test_corpus_contract(path, tmp_path):
    if path is None:
        pytest.skip("shared corpus is absent")
    torch = require_torch()
    recipe, module, _ = _convert(path, tmp_path)
    check_contract(recipe, module, torch, window_steps=30, prefix_steps=200)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["dn_steps_burnin.cfg", "dn_sigmoid.cfg", "dn_poly.cfg", "dn_step.cfg", "dn_exp.cfg"])
@pytest.mark.parametrize("dialect,gpus", [("pjreddie", 1), ("alexeyab", 4)])
def test_dialect_and_gpus(name, dialect, gpus, tmp_path):
    torch = require_torch()
    recipe = load_recipe(str(FIXTURES / "convert" / name), dialect=dialect, gpus=gpus)
    out = tmp_path / "m.py"
    out.write_text(emit_torch(recipe), encoding="utf-8")
    module = import_emitted(out)
    if gpus != 1:
        assert module.BASE_LR == pytest.approx(recipe.schedule.base_lr * gpus, rel=1e-7)
    check_contract(recipe, module, torch, window_steps=30, prefix_steps=300)


@pytest.mark.torch
def test_pjreddie_negative_step_and_sigmoid_wrap(tmp_path):
    torch = require_torch()
    cfg = tmp_path / "neg.cfg"
    cfg.write_text("[net]\nbatch=1\nwidth=8\nheight=8\nchannels=1\nlearning_rate=0.1\nmax_batches=200\n"
                   "policy=steps\nsteps=50,-5,100\nscales=0.5,0.1,0.2\nburn_in=20\n")
    for dialect in ("pjreddie", "alexeyab"):
        recipe = load_recipe(str(cfg), dialect=dialect)
        out = tmp_path / f"m_{dialect}.py"
        out.write_text(emit_torch(recipe), encoding="utf-8")
        check_contract(recipe, import_emitted(out), torch, window_steps=30, prefix_steps=200)
