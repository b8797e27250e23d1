"""The scheduler choice: a built-in named in the framework's words, or a LambdaLR over its rate function."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import FIXTURES
from convert_contract import load_recipe
from cfgtools.convert.plan import RefuseError, choose
from cfgtools.recipe import Recipe
from cfgtools.schedule.model import Arithmetic, Sigmoid


@pytest.mark.parametrize("name,scheduler,kwargs", [
    ("dn_step.cfg", "StepLR", {"step_size": "STEP", "gamma": "SCALE"}),
    ("ca_step.prototxt", "StepLR", {"step_size": "STEPSIZE", "gamma": "GAMMA"}),
    ("dn_poly_short.cfg", "PolynomialLR", {"total_iters": "MAX_BATCHES", "power": "POWER"}),
    ("ca_poly_short.prototxt", "PolynomialLR", {"total_iters": "MAX_ITER", "power": "POWER"}),
    ("dn_steps_equal.cfg", "MultiStepLR", {"milestones": "MILESTONES", "gamma": "GAMMA"}),
])
def test_builtins_keep_the_frameworks_names(name, scheduler, kwargs):
    plan = choose(load_recipe(FIXTURES / "convert" / name))
    assert (plan.scheduler, plan.kwargs, plan.rate_function) == (scheduler, kwargs, "")
    assert set(kwargs.values()) <= {constant.name for constant in plan.constants}


def test_constructor_rules_per_builtin():
    # torch's constructor keeps the lr of ExponentialLR and PolynomialLR, and steps StepLR's
    assert choose(load_recipe(FIXTURES / "convert" / "dn_exp.cfg")).keeps_lr_at_construction
    assert choose(load_recipe(FIXTURES / "convert" / "ca_poly_short.prototxt")).keeps_lr_at_construction
    assert not choose(load_recipe(FIXTURES / "convert" / "ca_step.prototxt")).keeps_lr_at_construction


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
