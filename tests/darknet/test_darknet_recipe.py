"""darknet's training recipe in neutral terms, and other frameworks' schedules expressed as a [net].

Expected values are worked out by hand from the darknet reference (parse_net_options,
get_current_rate, the update rule) and the neutral model's definitions.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import FIXTURES
from cfgtools.darknet.recipe import darknet_recipe, express, write_net
from cfgtools.loading import load, load_schedule
from cfgtools.plugin import RunOptions
from cfgtools.schedule.model import Constant, Exp, Poly, Sigmoid, Steps

f32 = np.float32


def _recipe(tmp_path, text: str, gpus: int = 1, dialect: str = "alexeyab"):
    path = tmp_path / "net.cfg"
    path.write_text(text)
    return darknet_recipe(load(path, {"darknet": dialect}), RunOptions(gpus=gpus))


ADAM = """[net]
batch=64
subdivisions=3
width=32
height=32
channels=3
learning_rate=0.001
adam=1
B2=0.99
max_batches=100
policy=constant
foo=1
"""


def test_adam_recipe(tmp_path):
    recipe = _recipe(tmp_path, ADAM)
    o = recipe.optimizer
    assert (o.kind, o.momentum_rule, o.eps_per_update_batch) == ("adam", "outside", True)
    # B1 default 0.9, B2 as written, AlexeyAB's eps default 1e-6: all stored in C floats
    assert (o.beta1, o.beta2, o.eps) == (float(f32(0.9)), float(f32(0.99)), float(f32(1e-6)))
    assert o.weight_decay == float(f32(0.0001))  # decay default
    # mini-batch = 64 // 3 = 21; an update consumes 21 x 3 images in 3 backward passes
    assert (recipe.update_batch, recipe.backward_passes) == (63, 3)
    assert o.labels["eps"] == ("EPS", "eps (darknet scale)")
    assert recipe.reference_text == {"unknown [net] key foo": "1"}


def test_header_keys_say_where_each_value_comes_from(tmp_path):
    recipe = _recipe(tmp_path, ADAM, gpus=2)
    header = [(k.key, k.value, k.origin, k.sets) for k in recipe.header]
    assert header[:5] == [
        ("learning_rate", "0.00100000005", "file line 7", "base_lr"),
        ("gpus", "x 2", "--gpus 2", "base_lr"),
        ("policy", "constant", "file line 11", ""),
        ("max_batches", "100", "file line 10", "horizon"),
        ("subdivisions", "3", "file line 3", "backward_passes"),
    ]
    assert ("B2", "0.99000001", "file line 9", "") in header
    assert "momentum" not in {k.key for k in recipe.header}  # a default is not listed
    # learning_rate x 2 GPUs, in a C float
    assert recipe.base_lr == float(f32(f32(0.001) * f32(2)))


def test_sgd_recipe_and_problems(tmp_path):
    recipe = _recipe(tmp_path, "[net]\nbatch=8\nsubdivisions=0\nwidth=8\nheight=8\nchannels=1\n"
                               "learning_rate=0.1\nmomentum=0.8\nmax_batches=10\npolicy=Steps\n")
    o = recipe.optimizer
    assert (o.kind, o.momentum, o.momentum_rule) == ("sgd", float(f32(0.8)), "outside")
    assert recipe.backward_passes == 1
    assert any("subdivisions=0" in problem for problem in recipe.problems)
    assert recipe.notes == ["policy 'Steps' is unknown to darknet (alexeyab): it trains with constant"]


# ---------------------------------------------------------------------------
# another framework's schedule as darknet's


def _first(path: str):
    expression = express(load_schedule(FIXTURES / "convert" / path))
    return expression.candidates[0], expression.notes


def test_caffe_multistep_becomes_steps_one_batch_later():
    # stepvalue 300,100,200,0: current_step_ advances at 300, 301, 302, 303; darknet's b = iter_ + 1
    candidate, _ = _first("ca_multistep_unsorted.prototxt")
    assert candidate.schedule.policy == Steps(steps=[301, 302, 303, 304], scales=[float(f32(0.5))] * 4)
    assert candidate.schedule.base_lr == float(f32(0.1))


def test_caffe_step_is_unrolled_within_the_horizon():
    # stepsize 70 over iter_ 0..399: rate x gamma at 70, 140, ..., 350
    candidate, _ = _first("ca_step.prototxt")
    assert candidate.schedule.policy.steps == [71, 141, 211, 281, 351]


def test_caffe_exp_divides_the_base_rate_by_gamma():
    # Caffe's lr(b - 1) = base * gamma^(b - 1) = (base / gamma) * gamma^b
    candidate, _ = _first("ca_exp.prototxt")
    assert candidate.schedule.policy == Exp(gamma=float(f32(0.99)))
    assert candidate.schedule.base_lr == float(f32(float(f32(0.01)) / float(f32(0.99))))
    assert candidate.label == "exp with learning_rate / gamma"


def test_caffe_rising_sigmoid_needs_a_negative_gamma_in_darknet():
    candidate, _ = _first("ca_sigmoid.prototxt")  # gamma 0.05, stepsize 150
    assert candidate.schedule.policy == Sigmoid(gamma=-float(f32(0.05)), step=151)


def test_what_darknet_cannot_express():
    candidate, notes = _first("ca_inv.prototxt")
    assert candidate.schedule.policy == Constant() and "closest" in candidate.label
    assert notes == ("darknet has no policy like the source's inv",)
    candidate, notes = _first("ca_poly.prototxt")
    assert candidate.schedule.policy == Poly(power=float(f32(0.9)), max_iter=40000)
    assert candidate.label == "poly (unshifted)" and "shift cannot be expressed" in notes[0]


def test_write_net():
    path = FIXTURES / "convert" / "ca_step.prototxt"
    loaded = load(path)
    recipe = loaded.framework.recipe(loaded, RunOptions())
    written = write_net(recipe, express(recipe.schedule).candidates[0].schedule)
    assert written.problems == ()
    body = written.text.splitlines()
    assert body[0].startswith("# Caffe's SGD keeps the lr inside the momentum history")
    assert body[body.index("[net]"):] == [
        "[net]", "subdivisions=2", "max_batches=400", "learning_rate=0.1", "policy=steps",
        "steps=71,141,211,281,351", "scales=0.1,0.1,0.1,0.1,0.1", "momentum=0.9", "decay=0.0001",
    ]


@pytest.mark.parametrize("name,problem", [
    ("ca_exp.prototxt", "the optimizer 'AdaGrad' has no darknet equivalent"),
    ("ca_inv.prototxt", "L1 regularization has no darknet equivalent"),
    ("ca_inv.prototxt", "gradient clipping has no darknet equivalent"),
])
def test_write_net_says_what_darknet_cannot(name, problem):
    loaded = load(FIXTURES / "convert" / name)
    recipe = loaded.framework.recipe(loaded, RunOptions())
    written = write_net(recipe, express(recipe.schedule).candidates[0].schedule)
    assert any(p.startswith(problem) for p in written.problems)
