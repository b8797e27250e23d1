"""The scheduler choice: a built-in named in the framework's words, or a LambdaLR over its rate function."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import FIXTURES
from tests.convert.convert_contract import load_recipe
from cfgtools.convert import plan
from cfgtools.convert.plan import RefuseError, choose
from cfgtools.recipe import Recipe
from cfgtools.schedule.model import Arithmetic, Sigmoid


@pytest.mark.parametrize("name,scheduler,kwargs", [
    ("dn_step.cfg", "StepLR", {"step_size": "STEP", "gamma": "SCALE"}),
    ("ca_step.prototxt", "StepLR", {"step_size": "STEPSIZE", "gamma": "GAMMA"}),
    ("dn_steps_equal.cfg", "MultiStepLR", {"milestones": "MILESTONES", "gamma": "GAMMA"}),
])
def test_builtins_keep_the_frameworks_names(name, scheduler, kwargs):
    plan = choose(load_recipe(FIXTURES / "convert" / name))
    assert (plan.scheduler, plan.kwargs, plan.rate_function) == (scheduler, kwargs, "")
    assert set(kwargs.values()) <= {constant.name for constant in plan.constants}


@pytest.mark.parametrize("name", ["dn_exp.cfg", "ca_exp.prototxt", "dn_poly_short.cfg", "ca_poly_short.prototxt"])
def test_exp_and_poly_are_a_lambda_on_every_torch(name):
    # ExponentialLR's and PolynomialLR's constructors on torch's resume path changed in
    # pytorch/pytorch#149312: the same emitted code would be one step off on an older torch
    assert choose(load_recipe(FIXTURES / "convert" / name)).scheduler == "LambdaLR"


def test_a_horizon_too_long_to_compare_gets_the_exact_formula(monkeypatch):
    monkeypatch.setattr(plan, "MAX_COMPARED_UPDATES", 10)  # ca_step: max_iter 1000
    chosen = choose(load_recipe(FIXTURES / "convert" / "ca_step.prototxt"))
    assert chosen.scheduler == "LambdaLR" and "too long to compare" in chosen.why


def test_lambda_carries_the_frameworks_rate_function():
    plan = choose(load_recipe(FIXTURES / "convert" / "dn_steps_burnin.cfg"))
    assert plan.scheduler == "LambdaLR" and plan.why.startswith("burn-in")
    assert plan.rate_function.startswith("def framework_rate(b):")
    assert {c.name for c in plan.constants} == {"BURN_IN", "BURN_IN_POWER", "STEPS", "SCALES"}


class _NoSource(Arithmetic):
    """An arithmetic with no Python source of its rate function (the protocol's default)."""

    first_update = 0

    def rates(self, schedule, iterations, resume=None):
        return np.full(len(iterations), 0.5, dtype=np.float32)


def test_no_builtin_and_no_source_is_refused():
    recipe = load_recipe(FIXTURES / "convert" / "ca_sigmoid.prototxt")
    schedule = recipe.schedule.model_copy(update={"arithmetic": _NoSource(), "policy": Sigmoid(gamma=0.0, step=1)})
    with pytest.raises(RefuseError, match="Caffe gives no exact Python source of its rate function"):
        choose(Recipe(**{**recipe.__dict__, "schedule": schedule}))


def test_random_is_refused():
    with pytest.raises(RefuseError, match="not deterministic"):
        choose(load_recipe(FIXTURES / "convert" / "dn_random.cfg"))


def test_a_mismatch_is_measured_against_the_peak_rate():
    reference = np.array([1e-15, 2.0, 4.0, 4.0])  # a burn-in's first update is near 0
    candidate = np.array([1.0, 2.5, 4.0, 4.0])
    found = plan.mismatch(4, lambda a, b: reference[a:b], lambda a, b: candidate[a:b], chunk=3)
    # two updates differ; the largest difference, 1.0 - 1e-15, is at update 1: a quarter of the peak 4.0
    assert (found.updates, found.horizon, found.at) == (2, 4, 1)
    assert found.of_peak == pytest.approx(0.25)
    assert "differs at 2 of 4 updates, by up to 25% of the peak rate (update 1)" == found.describe()
