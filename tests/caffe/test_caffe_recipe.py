"""Caffe's training recipe in neutral terms, and other frameworks' schedules expressed as a solver.

Expected values are worked out by hand from the Caffe reference (the solver types'
ComputeUpdateValue and their constructor checks, GetLearningRate) and the neutral
model's definitions.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import FIXTURES
from cfgtools.caffe.recipe import caffe_recipe, express, write_solver
from cfgtools.errors import InputError
from cfgtools.loading import load, load_schedule
from cfgtools.plugin import RunOptions
from cfgtools.schedule.model import Constant, Exp, MultiStep, Sigmoid, Step

f32 = np.float32


def _recipe(tmp_path, text: str):
    path = tmp_path / "solver.prototxt"
    path.write_text(text)
    return caffe_recipe(load(path), RunOptions())


def test_adadelta_recipe(tmp_path):
    recipe = _recipe(tmp_path, 'base_lr: 1.0\nlr_policy: "fixed"\nmax_iter: 10\ntype: "AdaDelta"\n'
                               'momentum: 0.95\ndelta: 1e-6\niter_size: 4\nnet: "train.prototxt"\n')
    o = recipe.optimizer
    # AdaDelta: Caffe's momentum is rho, delta is eps; the lr is inside the history for every solver
    assert (o.kind, o.momentum, o.eps, o.momentum_rule) == ("adadelta", float(f32(0.95)), float(f32(1e-6)), "inside")
    assert o.labels["rho"] == ("RHO", "momentum (AdaDelta's rho)")
    assert (recipe.backward_passes, recipe.update_batch) == (4, None)
    assert [(k.key, k.value, k.origin, k.sets) for k in recipe.header[:5]] == [
        ("base_lr", "1", "file line 1", "base_lr"),
        ("lr_policy", "fixed", "file line 2", ""),
        ("max_iter", "10", "file line 3", "horizon"),
        ("iter_size", "4", "file line 7", "backward_passes"),
        ("type", "AdaDelta", "file line 4", ""),
    ]
    assert recipe.reference_text == {"net": "train.prototxt"}


@pytest.mark.parametrize("text,problem", [
    ('type: "AdaGrad"\nmomentum: 0.9\n', "AdaGrad with momentum 0.8999999761581421: Caffe refuses"),
    ('type: "Foo"\n', "unknown solver type (Caffe aborts with 'Unknown solver type'"),
    ('type: "RMSProp"\nrms_decay: 1.0\n', "rms_decay 1.0 is outside [0, 1): Caffe refuses"),
    ("iter_size: 0\n", "iter_size 0: Caffe runs no forward/backward pass per update"),
    ('weight_decay: 0.1\nregularization_type: "L3"\n', "regularization_type is neither L1 nor L2"),
])
def test_what_caffe_would_refuse_at_run_time(tmp_path, text, problem):
    recipe = _recipe(tmp_path, 'base_lr: 0.1\nlr_policy: "fixed"\nmax_iter: 10\n' + text)
    assert any(p.startswith(problem) for p in recipe.problems), recipe.problems
    assert recipe.backward_passes >= 1


def test_nesterov_without_momentum_is_sgd(tmp_path):
    recipe = _recipe(tmp_path, 'base_lr: 0.1\nlr_policy: "fixed"\nmax_iter: 10\ntype: "Nesterov"\n')
    assert recipe.optimizer.kind == "sgd"
    assert recipe.notes == ["Nesterov with momentum 0 is plain SGD"]


def test_a_file_caffe_refuses_is_one_located_error(tmp_path):
    with pytest.raises(InputError) as error:
        _recipe(tmp_path, 'base_lr: 0.1\nlr_policy: "fixed"\n  warmup_iter: 5\n')
    assert (error.value.line, error.value.column) == (3, 3)
    assert error.value.message == "BVLC Caffe refuses the file: SolverParameter has no field 'warmup_iter'"


# ---------------------------------------------------------------------------
# another framework's schedule as Caffe's


def _expressed(tmp_path, text: str):
    path = tmp_path / "net.cfg"
    path.write_text("[net]\nbatch=1\nwidth=8\nheight=8\nchannels=1\nlearning_rate=0.1\nmax_batches=400\n" + text)
    return express(load_schedule(path))


def test_darknet_steps_become_multistep_one_iteration_earlier():
    # darknet's batch b is Caffe's iter_ b - 1: steps 100, 250, 400 are stepvalue 99, 249, 399
    expression = express(load_schedule(FIXTURES / "convert" / "dn_steps_equal.cfg"))
    candidate = expression.candidates[0]
    assert candidate.schedule.policy == MultiStep(stepvalues=[99, 249, 399], gamma=float(f32(0.1)))
    assert candidate.label == "multistep with stepvalue = step - 1"


def test_a_step_reached_by_the_first_update_is_folded_into_base_lr(tmp_path):
    expression = _expressed(tmp_path, "policy=steps\nsteps=1,100\nscales=0.5,0.25\n")
    candidate = next(c for c in expression.candidates if c.schedule.policy.kind == "multistep")
    assert candidate.schedule.base_lr == float(f32(f32(0.1) * f32(0.5)))
    assert candidate.schedule.policy.stepvalues == [99]


def test_step_one_is_exp_and_step_is_unrolled(tmp_path):
    # darknet step=1: rate(b) = lr * scale^b = (lr * scale) * scale^(b - 1)
    expression = _expressed(tmp_path, "policy=step\nstep=1\nscale=0.99\n")
    first = expression.candidates[0]
    assert first.schedule.policy == Exp(gamma=float(f32(0.99)))
    assert first.schedule.base_lr == float(f32(float(f32(0.1)) * float(f32(0.99))))
    expression = _expressed(tmp_path, "policy=step\nstep=150\nscale=0.5\n")
    assert expression.candidates[0].schedule.policy.stepvalues == [149, 299]
    assert expression.candidates[-1].schedule.policy == Step(step=150, gamma=0.5)  # unshifted, approximate


def test_sigmoid_direction_decides(tmp_path):
    # darknet writes a rising sigmoid with gamma < 0; Caffe's rises with gamma > 0
    rising = _expressed(tmp_path, "policy=sigmoid\ngamma=-0.05\nstep=200\n")
    assert rising.candidates[0].schedule.policy == Sigmoid(gamma=float(f32(0.05)), step=199)
    decaying = _expressed(tmp_path, "policy=sigmoid\ngamma=0.05\nstep=200\n")
    assert [c.schedule.policy for c in decaying.candidates] == [Constant()]
    assert decaying.notes == ("the source's sigmoid decays; BVLC Caffe requires gamma >= 0 (a rising sigmoid)",)


def test_burn_in_makes_every_candidate_approximate(tmp_path):
    expression = _expressed(tmp_path, "policy=constant\nburn_in=10\n")
    assert expression.notes == ("burn_in=10: Caffe has no warm-up policy",)
    assert [c.label for c in expression.candidates] == ["fixed"]  # offered, and found inexact by the caller


def test_write_solver_from_darknet_adam():
    loaded = load(FIXTURES / "convert" / "dn_adam.cfg")  # batch 32, subdivisions 2, eps 1e-6
    recipe = loaded.framework.recipe(loaded, RunOptions())
    written = write_solver(recipe, express(recipe.schedule).candidates[0].schedule)
    lines = written.text.splitlines()
    assert 'type: "Adam"' in lines and "momentum: 0.9" in lines and "momentum2: 0.99" in lines
    # darknet's eps is on the update summed over 32 images: Caffe's delta is eps / 32
    assert "delta: 3.125e-08  # darknet's eps / images per update" in lines
    assert written.problems == ()


def test_write_solver_keeps_l1_and_clipping():
    loaded = load(FIXTURES / "convert" / "ca_inv.prototxt")
    recipe = loaded.framework.recipe(loaded, RunOptions())
    lines = write_solver(recipe, load_schedule(FIXTURES / "convert" / "ca_step.prototxt")).text.splitlines()
    assert lines[-2:] == ['regularization_type: "L1"', "clip_gradients: 10"]
    assert lines[1:5] == ["base_lr: 0.1", 'lr_policy: "step"', "stepsize: 70", "gamma: 0.1"]
