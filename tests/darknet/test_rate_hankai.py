"""hank-ai's get_current_rate (src-lib/darknet_network.cpp): float arithmetic, at most 1 ulp from AlexeyAB.

Every expected value is worked out here with numpy float32 from the reference's
description (darknet-hankai.md, C): C++ picks powf/expf for float arguments,
the double pow for pow(float, int), and M_PI in SGDR.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cfgtools.darknet.rate import rates
from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.schedule.model import BurnIn, Constant, Exp, Poly, Sgdr, Sigmoid, Step, Steps

f32 = np.float32


def powf(x, y) -> np.float32:
    """powf(float, float), correctly rounded (glibc's powf is)."""
    return f32(float(f32(x)) ** float(f32(y)))


def schedule(dialect, policy, lr=0.01, horizon=1000, burn_in=None):
    return darknet_schedule(dialect, float(f32(lr)), policy, horizon, burn_in=burn_in)


B = np.arange(0, 1001)


def ulps(a: np.ndarray, b: np.ndarray) -> int:
    """The largest distance in float32 steps between two arrays of finite floats."""
    ia = a.astype(np.float32).view(np.int32).astype(np.int64)
    ib = b.astype(np.float32).view(np.int32).astype(np.int64)
    return int(np.max(np.abs(ia - ib)))


@pytest.mark.parametrize("power", [0.5, 2.0, 4.0])
def test_poly_is_float_throughout(power):
    s = schedule("hankai", Poly(power=power, max_iter=1000))
    got = rates(s, B)
    for b in (1, 7, 250, 999, 1000):
        base = f32(f32(1) - f32(f32(b) / f32(1000)))
        assert got[b] == f32(f32(0.01) * powf(base, power)), b
    assert ulps(got, rates(schedule("alexeyab", Poly(power=power, max_iter=1000)), B)) <= 1


def test_burn_in_is_float_throughout():
    # reference: burnin_poly_p2 batch 1 is 0.2f*0.2f*0.01f in hank-ai, the double pow rounded once in AlexeyAB
    burn = BurnIn(iterations=5, power=2.0)
    s = schedule("hankai", Poly(power=2.0, max_iter=1000), burn_in=burn)
    got = rates(s, np.arange(0, 6))
    assert got[1] == f32(f32(f32(0.2) * f32(0.2)) * f32(0.01))
    for b in range(1, 5):
        assert got[b] == f32(f32(0.01) * powf(f32(f32(b) / f32(5)), 2.0))
    ab = rates(schedule("alexeyab", Poly(power=2.0, max_iter=1000), burn_in=burn), np.arange(0, 6))
    assert ab[1] == f32(float(f32(0.01)) * float(f32(0.2)) ** 2)
    assert ulps(got, ab) <= 1


def test_sigmoid_takes_expf():
    s = schedule("hankai", Sigmoid(gamma=1.0, step=1))  # the defaults gamma=1, step=1
    got = rates(s, np.arange(0, 40))
    for b in (0, 1, 2, 10, 39):
        e = f32(math.exp(float(f32(f32(1.0) * f32(b - 1)))))
        assert got[b] == f32(float(f32(0.01)) * (1.0 / (1.0 + float(e)))), b
    assert ulps(got, rates(schedule("alexeyab", Sigmoid(gamma=1.0, step=1)), np.arange(0, 40))) <= 1


@pytest.mark.parametrize("mult", [1, 2, 3])
def test_sgdr_uses_m_pi(mult):
    policy = Sgdr(cycle=8, mult=mult, lr_min=float(f32(1e-5)))
    got = rates(schedule("hankai", policy), np.arange(0, 200))
    lr, lr_min = f32(0.01), f32(1e-5)
    for b in (1, 5, 8, 9, 23, 100):
        start, cycle = 0, 8
        while start + cycle < b:
            start, cycle = start + cycle, cycle * mult
        phase = float(f32(b - start)) * math.pi / cycle
        expected = f32(float(lr_min) + 0.5 * float(f32(lr - lr_min)) * (1.0 + math.cos(phase)))
        assert got[b] == expected, b
    assert ulps(got, rates(schedule("alexeyab", policy), np.arange(0, 200))) <= 1


@pytest.mark.parametrize("policy", [
    Constant(), Step(step=100, gamma=float(f32(0.5))), Exp(gamma=float(f32(0.999))),
    Steps(steps=[100, 500], scales=[float(f32(0.1)), float(f32(0.1))]),
])
def test_other_policies_are_alexeyabs_to_the_bit(policy):
    # pow(float, int) is the double pow in C++ too; steps multiplies floats; constant is the rate
    assert np.array_equal(rates(schedule("hankai", policy), B), rates(schedule("alexeyab", policy), B))


def test_step_and_exp_values():
    got = rates(schedule("hankai", Step(step=100, gamma=float(f32(0.5)))), np.array([99, 100, 250]))
    assert got.tolist() == [f32(0.01), f32(float(f32(0.01)) * 0.5), f32(float(f32(0.01)) * 0.25)]
    got = rates(schedule("hankai", Exp(gamma=float(f32(0.999)))), np.array([3]))
    assert got[0] == f32(float(f32(0.01)) * float(f32(0.999)) ** 3)
