"""The neutral recipe: validation and the helpers frameworks share to express each other's schedules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.conftest import FIXTURES
from cfgtools.loading import load, load_schedule
from cfgtools.plugin import RunOptions
from cfgtools.recipe import (
    OptimizerSpec,
    Recipe,
    float32_text,
    header_value,
    offset_text,
    shifted_exp_base,
    sigmoid_direction,
)

f32 = np.float32


def _recipe(name: str) -> Recipe:
    loaded = load(FIXTURES / "convert" / name)
    return loaded.framework.recipe(loaded, RunOptions())


def test_a_recipe_refuses_non_finite_numbers():
    recipe = _recipe("dn_step.cfg")
    with pytest.raises(ValueError, match="momentum is not a finite number"):
        OptimizerSpec(kind="sgd", momentum=math.inf)
    with pytest.raises(ValueError, match="base_lr is not a finite number"):
        Recipe(**{**recipe.__dict__, "schedule": recipe.schedule.model_copy(update={"base_lr": math.nan})})
    with pytest.raises(ValueError, match="not a constant name"):
        OptimizerSpec(kind="adam", labels={"eps": ("eps; import os", "eps")})


def test_eps_per_update_batch_needs_the_update_batch():
    recipe = _recipe("ca_exp.prototxt")  # Caffe does not know its update batch
    optimizer = recipe.optimizer.model_copy(update={"eps_per_update_batch": True})
    with pytest.raises(ValueError, match="update batch is unknown"):
        Recipe(**{**recipe.__dict__, "optimizer": optimizer})


def test_text_helpers():
    assert [offset_text(n) for n in (-2, 0, 1)] == [" - 2", "", " + 1"]
    assert float32_text(0.1) == "0.1" and float32_text(10.0) == "10" and float32_text(3.125e-08) == "3.125e-08"
    with pytest.raises(ValueError):
        float32_text(1e39)  # beyond FLT_MAX: no C float holds it
    assert header_value([1, 2.5, "x"]) == "1,2.5,x" and header_value(object()) == ""


def test_shifted_exp_base():
    # b' * g**i == b * g**(i + shift)
    assert shifted_exp_base(2.0, 0.5, 1) == (1.0, "x gamma")
    assert shifted_exp_base(2.0, 0.5, -2) == (8.0, "/ gamma^2")
    assert shifted_exp_base(2.0, 0.0, -1) is None


def test_sigmoid_direction_reads_each_frameworks_sign():
    # darknet: lr / (1 + exp(gamma (b - step))) decays for gamma > 0; Caffe's rises for gamma > 0
    assert sigmoid_direction(load_schedule(FIXTURES / "convert" / "dn_sigmoid.cfg")) == -1
    assert sigmoid_direction(load_schedule(FIXTURES / "convert" / "ca_sigmoid.prototxt")) == 1
