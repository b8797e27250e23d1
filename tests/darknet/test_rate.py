"""darknet get_current_rate, both forks.

Every expected value is written out by hand or recomputed here with numpy
following docs section c of the darknet reference (float32 parameters, double
pow/exp/cos, float32 result) -- never by calling the code under test.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from cfgtools.darknet.document import read_cfg
from cfgtools.darknet.net import read_net
from cfgtools.darknet.schedule import darknet_schedule, schedule_from_net
from cfgtools.loading import load_schedule
from cfgtools.schedule.analysis import dense_extremes, extremes
from cfgtools.schedule.evaluate import all_updates, evaluate, first_index_where, iter_chunks
from cfgtools.schedule.model import BurnIn, Schedule, ScheduleError, Sgdr, Sigmoid, Steps

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "darknet"
f32 = np.float32


def net_schedule(body: str, dialect: str = "alexeyab", gpus: int = 1) -> Schedule:
    text = "[net]\nwidth=32\nheight=32\nchannels=3\n" + body
    return schedule_from_net(read_net(read_cfg(text, "t.cfg", dialect)), gpus=gpus, source="t.cfg")


def rate(schedule: Schedule, b: int) -> float:
    return float(evaluate(schedule, np.array([b]))[0])


# --- burn-in ----------------------------------------------------------------------------------

def test_burn_in_power_4_starts_at_zero_and_hands_over_at_burn_in():
    s = load_schedule(FIX / "policy_constant.cfg")  # lr 0.001, burn_in 10, power 4
    assert s.burn_in == BurnIn(iterations=10, power=4.0)
    assert rate(s, 0) == 0.0  # pow(0/10, 4) = 0
    lr = f32(0.001)
    # b=1: (float)1/10 = 0.1f; 0.001f * pow(0.1f, 4) in double, then float
    expected = f32(float(lr) * float(f32(0.1)) ** 4)
    assert rate(s, 1) == expected
    assert abs(float(expected) - 1e-7) < 1e-13
    # b=5: 0.5^4 = 1/16 exactly -> 0.001f / 16
    assert rate(s, 5) == f32(float(lr) / 16)
    assert rate(s, 10) == lr  # b == burn_in: the policy takes over (constant)
    assert rate(s, 9) < lr


def test_burn_in_applies_before_steps_and_gpu_multiplier_scales_it():
    s = net_schedule("learning_rate=0.001\nburn_in=1000\npower=4\npolicy=steps\nsteps=400000,450000\n"
                     "scales=.1,.1\nmax_batches=500500\n", gpus=4)
    lr4 = f32(f32(0.001) * 4)  # learning_rate *= ngpus (float)
    assert rate(s, 0) == 0.0
    assert rate(s, 500) == f32(float(lr4) * 0.5 ** 4)  # 0.5f exact
    assert rate(s, 1000) == lr4
    assert rate(s, 400000) == f32(lr4 * f32(0.1))


def test_gpus_4_on_fixture_cli_path():
    s = load_schedule(FIX / "policy_step.cfg", gpus=4)  # lr 0.1, step 10, scale 0.5
    lr4 = f32(f32(0.1) * f32(4))
    assert rate(s, 1) == lr4
    assert rate(s, 10) == f32(float(lr4) * 0.5)


# --- step ---------------------------------------------------------------------------------------

def test_step_uses_integer_division():
    s = load_schedule(FIX / "policy_step.cfg")  # lr 0.1, step 10, scale 0.5
    lr = float(f32(0.1))
    for b, k in [(0, 0), (9, 0), (10, 1), (19, 1), (20, 2), (39, 3), (40, 4)]:  # b // 10
        assert rate(s, b) == f32(lr * 0.5 ** k), b


def test_step_zero_is_a_crash():
    with pytest.raises(ScheduleError, match="SIGFPE"):
        net_schedule("policy=step\nstep=0\nmax_batches=10\n")


# --- steps --------------------------------------------------------------------------------------

def test_steps_fire_exactly_at_b_equal_step_with_scale_above_one():
    s = load_schedule(FIX / "policy_steps.cfg")  # lr .001 steps 20,30,40 scales .1,.1,10 burn_in 10
    lr = f32(0.001)
    p1 = f32(lr * f32(0.1))
    p2 = f32(p1 * f32(0.1))
    p3 = f32(p2 * f32(10))  # float accumulated: scale 10 raises the rate
    assert [rate(s, b) for b in (19, 20, 29, 30, 39, 40, 50)] == [lr, p1, p1, p2, p2, p3, p3]
    assert p3 > p2


def test_steps_unsorted_stop_at_first_future_step():
    s = net_schedule("learning_rate=1\npolicy=steps\nsteps=15,5\nscales=.5,.1\nmax_batches=30\n")
    half = f32(0.5)
    # b=5..14: steps[0]=15 is still in the future, so the loop returns before scale .1
    assert rate(s, 4) == 1.0
    assert rate(s, 5) == 1.0
    assert rate(s, 14) == 1.0
    assert rate(s, 15) == f32(half * f32(0.1))  # both fire together at 15


def test_scale_zero_makes_rate_zero_forever():
    s = net_schedule("learning_rate=0.01\npolicy=steps\nsteps=10,20\nscales=0,10\nmax_batches=30\n")
    assert rate(s, 9) == f32(0.01)
    assert rate(s, 10) == 0.0
    assert rate(s, 30) == 0.0  # 0 * 10 stays 0


def test_negative_steps_ab_apply_from_zero_pj_block_forever():
    body = "learning_rate=1\npolicy=steps\nsteps=-5,10\nscales=.5,.5\nmax_batches=30\n"
    ab = net_schedule(body, "alexeyab")
    pj = net_schedule(body, "pjreddie")
    assert rate(ab, 0) == 0.5  # -5 <= 0
    assert rate(ab, 10) == 0.25
    # PJ: (size_t)-5 is 2^64-5 > b: the loop returns lr at once, step 10 never fires either
    assert [rate(pj, b) for b in (0, 10, 30)] == [1.0, 1.0, 1.0]


def test_steps_missing_scales_is_an_error():
    with pytest.raises(ScheduleError, match="steps and scales"):
        net_schedule("policy=steps\nsteps=10\nmax_batches=30\n")
    with pytest.raises(ScheduleError, match="segfault"):
        net_schedule("policy=steps\nsteps=10,20\nscales=.1\nmax_batches=30\n")


# --- exp ----------------------------------------------------------------------------------------

def test_exp_double_pow():
    s = load_schedule(FIX / "policy_exp.cfg")  # lr 0.1 gamma 0.9
    b = np.arange(0, 31)
    expected = (np.float64(f32(0.1)) * np.power(np.float64(f32(0.9)), b.astype(np.float64))).astype(np.float32)
    assert np.array_equal(evaluate(s, b), expected)
    assert rate(s, 1) == f32(float(f32(0.1)) * float(f32(0.9)))


# --- poly ---------------------------------------------------------------------------------------

def test_poly_exactly_zero_at_max_batches_and_nan_past_it():
    s = load_schedule(FIX / "policy_poly.cfg")  # lr .01, max_batches 20, power 0.5
    assert s.last_update == 20
    assert rate(s, 20) == 0.0  # 1 - 20f/20 = 0 -> pow(0, .5) = 0
    assert math.isnan(rate(s, 21))  # 1 - 21/20 < 0 -> pow(negative, 0.5) = NaN
    # b=10: 1 - 0.5f = 0.5f; sqrt(0.5) * 0.01f
    assert rate(s, 10) == f32(float(f32(0.01)) * math.sqrt(0.5))
    # b=1: (float)1/20 = 0.05f; 1 - 0.05f in float
    x = f32(f32(1) - f32(f32(1) / f32(20)))
    assert rate(s, 1) == f32(float(f32(0.01)) * math.pow(float(x), 0.5))


def test_poly_max_batches_zero_nan_then_inf():
    s = net_schedule("policy=poly\npower=4\n")  # max_batches missing -> 0
    assert math.isnan(rate(s, 0))  # 0f/0 = NaN
    assert rate(s, 1) == math.inf  # 1 - inf = -inf; pow(-inf, 4) = inf


# --- sigmoid ------------------------------------------------------------------------------------

def test_sigmoid_ab_logistic_and_pj_wraps_below_step():
    body = "learning_rate=0.1\npolicy=sigmoid\ngamma=0.5\nstep=20\nmax_batches=40\n"
    ab, pj = net_schedule(body), net_schedule(body, "pjreddie")
    lr = float(f32(0.1))
    assert rate(ab, 20) == f32(lr * 0.5)  # exp(0) = 1
    # b=10: gamma*(b-step) = 0.5f * -10 = -5f (float multiply); 1/(1+exp(-5))
    assert rate(ab, 10) == f32(lr / (1 + math.exp(-5.0)))
    # pjreddie: size_t b - step wraps to ~1.8e19 for b < step: exp overflows, rate exactly 0
    assert [rate(pj, b) for b in (0, 1, 19)] == [0.0, 0.0, 0.0]
    assert rate(pj, 20) == rate(ab, 20)
    assert rate(pj, 30) == f32(lr / (1 + math.exp(5.0)))


def test_sigmoid_fixture():
    s = load_schedule(FIX / "policy_sigmoid.cfg")  # lr .1 gamma .5 step 20
    b = np.arange(0, 41)
    x = (np.float32(0.5) * (b - 20).astype(np.float32)).astype(np.float64)
    expected = (np.float64(f32(0.1)) * (1.0 / (1.0 + np.exp(x)))).astype(np.float32)
    assert np.array_equal(evaluate(s, b), expected)


# --- random -------------------------------------------------------------------------------------

def test_random_is_seeded_chunk_independent_and_bounded():
    s = load_schedule(FIX / "policy_random.cfg")  # lr .01 power 2
    assert s.is_random
    whole = evaluate(s, np.arange(1, 21))
    parts = np.concatenate([lr for _, lr in iter_chunks(s, 1, 20, chunk=3)])
    assert np.array_equal(whole, parts)
    assert np.all((whole >= 0) & (whole <= f32(0.01)))
    other = load_schedule(FIX / "policy_random.cfg", seed=7)
    assert not np.array_equal(whole, evaluate(other, np.arange(1, 21)))


# --- sgdr ---------------------------------------------------------------------------------------

def test_sgdr_boundary_belongs_to_old_cycle_and_is_exactly_lr_min():
    s = load_schedule(FIX / "policy_sgdr.cfg")  # lr .1, cycle 8, mult 2, lr_min .001
    assert s.policy == Sgdr(cycle=8, mult=2, lr_min=float(f32(0.001)))
    lr_min = f32(0.001)
    for b in (8, 24, 56):  # cycles [0,8], (8,24], (24,56]
        assert rate(s, b) == lr_min
    amp = float(f32(f32(0.1) - lr_min))

    def by_hand(b, start, cycle):
        return f32(float(lr_min) + 0.5 * amp * (1 + math.cos(float(b - start) * 3.14159265 / cycle)))

    assert rate(s, 0) == f32(0.1)
    assert rate(s, 4) == by_hand(4, 0, 8)
    assert rate(s, 9) == by_hand(9, 8, 16)  # restarts near lr
    assert rate(s, 25) == by_hand(25, 24, 32)
    assert rate(s, 9) > f32(0.09)


def test_sgdr_mult_one_and_pj_has_no_sgdr():
    s = darknet_schedule("alexeyab", 1.0, Sgdr(cycle=5, mult=1, lr_min=0.0), 100)
    assert [rate(s, b) for b in (5, 10, 95)] == [0.0, 0.0, 0.0]
    pj = net_schedule("policy=sgdr\nmax_batches=10\n", "pjreddie")
    assert pj.policy.kind == "constant"  # PJ: unknown policy -> constant


# --- evaluation helpers --------------------------------------------------------------------------

def test_chunks_every_and_helpers():
    s = load_schedule(FIX / "policy_steps.cfg")
    iters, lrs = all_updates(s)
    assert iters[0] == 1 and iters[-1] == 50 and len(lrs) == 50
    got = list(iter_chunks(s, 0, 50, every=7, chunk=2))
    assert np.array_equal(np.concatenate([i for i, _ in got]), np.arange(0, 51, 7))
    assert first_index_where(s, lambda it, lr: lr < f32(0.001) * 0.5, start=11) == 20
    e = dense_extremes(s, 1, 50)
    assert e == extremes(s)  # the same answer by pieces
    assert e.max == float(f32(0.001))  # burn-in ends at 10; the later x10 only restores 0.0001
    assert e.argmax == 10 and e.argmin == 1 and e.count == 50


def test_pj_negative_burn_in_never_ends():
    s = darknet_schedule("pjreddie", 1.0, Steps(steps=[], scales=[]), 10, burn_in=BurnIn(iterations=-4, power=2.0))
    # b < (size_t)-4 always: lr * pow((float)b / -4, 2)
    assert rate(s, 2) == f32(0.25)
    ab = s.model_copy(update={"dialect": "alexeyab"})
    assert rate(ab, 2) == 1.0


def test_sigmoid_model_direct_pj_negative_gamma_keeps_lr():
    s = darknet_schedule("pjreddie", 1.0, Sigmoid(gamma=-1.0, step=10), 20)
    assert rate(s, 0) == 1.0  # exp(-1.8e19) = 0


def test_sgdr_with_equal_cycles_costs_nothing_far_out():
    # cycle 3, mult 1: cycles [0,3], (3,6], ... ; batch 3k+1 is one third into a cycle:
    # lr_min + 0.5*(lr - lr_min)*(1 + cos(pi/3)) = 0.75 with lr 1, lr_min 0 (cos(pi/3) = 0.5)
    s = darknet_schedule("alexeyab", 1.0, Sgdr(cycle=3, mult=1, lr_min=0.0), 2**31 - 1)
    far = 3 * 700_000_000 + 1  # a whole cycle table this long would need gigabytes
    assert [rate(s, b) for b in (0, 3, 4, far, far + 2)] == [1.0, 0.0, 0.75, 0.75, 0.0]


# ----------------------------------------------------------------------------- the facts the neutral planner asks


def test_arithmetic_facts_of_both_forks():
    ab = net_schedule("policy=sigmoid\ngamma=0.01\nstep=100\nmax_batches=1000\n")
    pj = net_schedule("policy=sigmoid\ngamma=0.01\nstep=100\nmax_batches=1000\n", "pjreddie")
    arithmetic = ab.arithmetic
    assert arithmetic.gpu_multiplier  # train_detector multiplies learning_rate by ngpus
    # reference c.6: lr / (1 + exp(gamma (b - step))): a positive gamma decays; checked on the rates
    assert arithmetic.sigmoid_sign == 1 and rate(ab, 50) > rate(ab, 150)
    # pjreddie's batch number is a size_t: below the step the sigmoid is exactly 0 (reference c.6)
    assert arithmetic.unsigned_iterations(pj) and not arithmetic.unsigned_iterations(ab) and rate(pj, 50) == 0.0
    step = net_schedule("policy=step\nstep=100\nscale=.5\nmax_batches=1000\n")
    keys = {name: arithmetic.setting_key(step, name) for name in ("base_lr", "horizon", "gamma", "burn_in_power",
                                                                  "power", "lr_min", "cycle")}
    assert keys == {"base_lr": "learning_rate", "horizon": "max_batches", "gamma": "scale", "burn_in_power": "power",
                    "power": "power", "lr_min": "learning_rate_min", "cycle": "sgdr_cycle"}
    assert arithmetic.setting_key(ab, "gamma") == "gamma"  # sigmoid and exp read gamma=
    assert arithmetic.lowest(ab, "gamma") is None  # darknet checks no parameter

