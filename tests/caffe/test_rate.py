"""Caffe SGDSolver<float>::GetLearningRate, including multistep's stateful rule and resume.

Expected values are worked out by hand or with numpy following section 2 of
the Caffe reference (double pow for step/exp/multistep; float powf/expf for
inv/poly/sigmoid), never by calling the code under test.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from cfgtools.caffe.rate import multistep_index
from cfgtools.caffe.schedule import caffe_schedule
from cfgtools.loading import load_schedule
from cfgtools.schedule.evaluate import evaluate
from cfgtools.schedule.model import Constant, Exp, Inv, MultiStep, Poly, Schedule, ScheduleError, Sigmoid, Step

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "caffe"
f32 = np.float32


def caffe(policy, base_lr=0.1, horizon=100) -> Schedule:
    return caffe_schedule(float(f32(base_lr)), policy, horizon)


def lr(schedule, iters, resume=None):
    return evaluate(schedule, np.asarray(iters), resume=resume)


def test_fixed():
    assert lr(caffe(Constant(), 0.01), [0, 5]).tolist() == [float(f32(0.01))] * 2


def test_step_integer_division_double_pow():
    s = caffe(Step(step=10, gamma=float(f32(0.1))))
    g = float(f32(0.1))
    b = float(f32(0.1))
    expected = [f32(b * g ** k) for k in (0, 0, 1, 1, 3)]  # 0//10, 9//10, 10//10, 19//10, 34//10
    assert lr(s, [0, 9, 10, 19, 34]).tolist() == [float(e) for e in expected]


def test_step_gamma_unset_gives_zero_after_first_step():
    s = caffe(Step(step=10, gamma=0.0))  # gamma omitted -> 0
    assert lr(s, [0, 9]).tolist() == [float(f32(0.1))] * 2  # pow(0, 0) = 1
    assert lr(s, [10, 11, 99]).tolist() == [0.0, 0.0, 0.0]


def test_exp_gamma_half_underflows_to_zero_at_147():
    s = caffe(Exp(gamma=0.5), 0.1, 150)
    out = lr(s, [145, 146, 147, 148])
    # 0.1f * 2^-145 = 2.24e-45 -> nearest float is 2 * 2^-149 = 2.8026e-45;
    # 0.1f * 2^-146 = 1.12e-45 -> 2^-149 = 1.4013e-45; 0.1f * 2^-147 = 5.6e-46 < half of 2^-149 -> 0
    assert out[0] == f32(2 * 2.0 ** -149)
    assert out[1] == f32(2.0 ** -149)
    assert out[2] == 0.0 and out[3] == 0.0


def test_exp_gamma_unset():
    assert lr(caffe(Exp(gamma=0.0)), [0, 1, 2]).tolist() == [float(f32(0.1)), 0.0, 0.0]


def test_inv_float_arithmetic():
    s = caffe(Inv(gamma=float(f32(0.0001)), power=float(f32(0.75))), 0.01)
    i = np.arange(0, 100)
    x = (np.float32(1.0) + np.float32(0.0001) * i.astype(np.float32)).astype(np.float32)
    p = np.power(x.astype(np.float64), -np.float64(f32(0.75))).astype(np.float32)  # powf
    expected = (f32(0.01) * p).astype(np.float32)
    assert np.array_equal(lr(s, i), expected)


def test_multistep_unsorted_drops_on_three_consecutive_iterations():
    s = caffe(MultiStep(stepvalues=[300, 100, 200], gamma=float(f32(0.1))), 0.1, 400)
    out = lr(s, np.arange(400))
    drops = np.flatnonzero(np.diff(out)) + 1
    assert drops.tolist() == [300, 301, 302]
    assert out[299] == f32(0.1)
    b, g = float(f32(0.1)), float(f32(0.1))
    assert out[300] == f32(b * g) and out[301] == f32(b * g * g) and out[302] == f32(b * g ** 3)


def test_multistep_repeated_and_zero_values():
    s = caffe(MultiStep(stepvalues=[0, 50, 50, 50], gamma=0.5), 1.0, 100)
    out = lr(s, [0, 49, 50, 51, 52, 99])
    # 0 counts at iter 0; the three 50s advance one per iteration: 50, 51, 52
    assert out.tolist() == [0.5, 0.5, 0.25, 0.125, 0.0625, 0.0625]


def test_multistep_index_matches_a_literal_loop():
    rng = np.random.default_rng(3)
    for _ in range(50):
        values = rng.integers(0, 40, size=rng.integers(0, 6)).tolist()
        i0 = int(rng.integers(0, 30))
        c0 = int(rng.integers(0, len(values) + 2))
        # the stateful rule, written out
        cs, expected = c0, []
        for it in range(i0, 60):
            if cs < len(values) and it >= values[cs]:
                cs += 1
            expected.append(cs)
        got = multistep_index(values, np.arange(i0, 60), resume=(i0, c0))
        assert got.tolist() == expected, (values, i0, c0)


def test_multistep_resume_keeps_restored_index():
    # reference §4: A={50,150} snapshotted at 100 with current_step 1; resumed into B={120,130,180}
    b_sched = caffe(MultiStep(stepvalues=[120, 130, 180], gamma=0.5), 0.1, 200)
    out = lr(b_sched, [100, 119, 120, 129, 130, 179, 180], resume=(100, 1))
    h = float(f32(0.1))
    assert out.tolist() == [float(f32(h * 0.5))] * 4 + [float(f32(h * 0.25))] * 2 + [float(f32(h * 0.125))]
    fresh = lr(b_sched, [100, 120])
    assert fresh.tolist() == [float(f32(0.1)), float(f32(h * 0.5))]


def test_poly_float_division_and_power_unset_is_constant():
    s = caffe(Poly(power=float(f32(0.9)), max_iter=100), 0.01)
    i = np.arange(100)
    x = (np.float32(1) - i.astype(np.float32) / np.float32(100)).astype(np.float32)
    expected = (f32(0.01) * np.power(x.astype(np.float64), np.float64(f32(0.9))).astype(np.float32)).astype(np.float32)
    assert np.array_equal(lr(s, i), expected)
    assert lr(s, [100]).tolist() == [0.0]
    flat = caffe(Poly(power=0.0, max_iter=100), 0.01)
    assert set(lr(flat, i).tolist()) == {float(f32(0.01))}


def test_poly_past_max_iter_nan_and_zero_max_iter():
    s = caffe(Poly(power=0.5, max_iter=10))
    assert math.isnan(lr(s, [11])[0])
    z = caffe(Poly(power=1.0, max_iter=0))
    out = lr(z, [0, 1])
    assert math.isnan(out[0]) and out[1] == -math.inf  # 1 - 1/0 = -inf; powf(-inf, 1) = -inf


def test_sigmoid_float_expf():
    s = caffe(Sigmoid(gamma=float(f32(0.1)), step=50), 0.1)
    assert lr(s, [50])[0] == f32(f32(0.1) * f32(0.5))
    # iter 40: -0.1f * (40 - 50) = 1.0000000149f; expf; 1/(1+e)
    u = f32(-f32(0.1) * f32(-10))
    e = f32(math.exp(float(u)))
    q = f32(f32(1) / f32(f32(1) + e))
    assert lr(s, [40])[0] == f32(f32(0.1) * q)
    zero_gamma = caffe(Sigmoid(gamma=0.0, step=50), 0.1)
    assert lr(zero_gamma, [0, 99]).tolist() == [float(f32(f32(0.1) * f32(0.5)))] * 2


def test_fixtures_load_and_unknown_policy(tmp_path):
    pytest.importorskip("cfgtools.caffe.solver")

    s = load_schedule(FIX / "policy_multistep.prototxt")
    assert s.policy == MultiStep(stepvalues=[300, 100, 200], gamma=float(f32(0.1)))
    assert s.first_update == 0 and s.last_update == 399
    exp = load_schedule(FIX / "policy_exp.prototxt")
    assert lr(exp, [146, 147]).tolist() == [float(f32(2.0 ** -149)), 0.0]
    for name in ("fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid"):
        assert load_schedule(FIX / f"policy_{name}.prototxt").framework == "caffe"
    bad = tmp_path / "bad.prototxt"
    bad.write_text('base_lr: 0.1\nlr_policy: "cosine"\nmax_iter: 10\n')
    with pytest.raises(ScheduleError, match="Unknown learning rate policy: cosine") as info:
        load_schedule(bad)
    assert info.value.format().startswith(f"{bad}:2:")
    empty = tmp_path / "empty.prototxt"
    empty.write_text("base_lr: 0.1\nmax_iter: 10\n")
    with pytest.raises(ScheduleError, match="Unknown learning rate policy: $|Unknown learning rate policy: '"):
        load_schedule(empty)


# ----------------------------------------------------------------------------- the facts the neutral planner asks


def test_arithmetic_facts():
    sigmoid = caffe_schedule(0.01, Sigmoid(gamma=0.01, step=100), 1000)
    arithmetic = sigmoid.arithmetic
    assert not arithmetic.gpu_multiplier and not arithmetic.unsigned_iterations(sigmoid)
    # caffe.md section 2: base_lr / (1 + expf(-gamma (iter - stepsize))): a positive gamma rises
    lrs = evaluate(sigmoid, np.asarray([50, 150]))
    assert arithmetic.sigmoid_sign == -1 and lrs[0] < lrs[1]
    step = caffe_schedule(0.01, Step(step=10, gamma=0.5), 100)
    assert [arithmetic.setting_key(step, name) for name in ("base_lr", "horizon", "step", "gamma", "stepvalues")] \
        == ["base_lr", "max_iter", "stepsize", "gamma", "stepvalue"]
    # the CHECKs of GetLearningRate (BVLC since c23b3563): gamma >= 0, stepsize > 0
    assert (arithmetic.lowest(step, "gamma"), arithmetic.lowest(step, "step")) == (0.0, 1)
    assert (arithmetic.lowest(sigmoid, "gamma"), arithmetic.lowest(sigmoid, "step")) == (0.0, 1)
    assert arithmetic.lowest(caffe_schedule(0.01, Poly(power=1.0, max_iter=10), 10), "power") is None  # none
