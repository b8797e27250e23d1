"""The emitted ``framework_rate`` of each fork (darknet/rate_source.py) against the fork's arithmetic (darknet/rate.py).

tests/darknet/test_rate_hankai.py works hank-ai's float arithmetic out by hand;
here the standard-library source that ``convert --to torch`` emits must give the
same float32 at every batch, for hank-ai (powf, expf, M_PI) as for AlexeyAB.
"""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest

from cfgtools.darknet.rate import DarknetArithmetic, rates
from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.schedule.model import BurnIn, Poly, Sgdr, Sigmoid

f32 = np.float32
B = range(0, 401)


def _c_float(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


def emitted(schedule):
    """``framework_rate`` of the schedule's source, run with C float rounding, C pow and C exp."""
    source = DarknetArithmetic().python_source(schedule)
    namespace = {"math": math, "_f32": _c_float, "_pow": math.pow, "_exp": math.exp,
                 "BASE_LR": float(f32(schedule.base_lr))}
    namespace.update({constant.name: constant.value for constant in source.constants})
    exec(source.function, namespace)  # our own emitted text, built from numbers only
    return namespace["framework_rate"], source.function


POLICIES = [
    (Poly(power=0.5, max_iter=400), BurnIn(iterations=50, power=2.0)),
    (Poly(power=4.0, max_iter=400), BurnIn(iterations=7, power=4.0)),
    (Sigmoid(gamma=float(f32(0.05)), step=200), None),
    (Sgdr(cycle=8, mult=1, lr_min=float(f32(1e-5))), BurnIn(iterations=3, power=1.0)),
    (Sgdr(cycle=8, mult=2, lr_min=float(f32(1e-5))), None),
]


@pytest.mark.parametrize("dialect", ["alexeyab", "hankai"])
@pytest.mark.parametrize("policy,burn_in", POLICIES, ids=lambda p: type(p).__name__ if p else "no_burn_in")
def test_emitted_rate_is_the_forks_arithmetic_to_the_bit(dialect, policy, burn_in):
    schedule = darknet_schedule(dialect, float(f32(0.01)), policy, 400, burn_in=burn_in)
    framework_rate, _ = emitted(schedule)
    want = rates(schedule, np.asarray(B))
    got = np.asarray([f32(framework_rate(b)) for b in B])
    assert np.array_equal(got, want), int(np.argmax(got != want))


def test_hankai_source_names_its_float_functions():
    _, poly = emitted(darknet_schedule("hankai", 0.01, Poly(power=2.0, max_iter=400), 400))
    assert "_f32(BASE_LR * _f32(_pow(base, POWER)))" in poly and "darknet (hank-ai)" in poly
    _, sgdr = emitted(darknet_schedule("hankai", 0.01, Sgdr(cycle=8, mult=2, lr_min=0.0), 400))
    assert f"* {math.pi!r} / cycle  # M_PI" in sgdr
    _, sgdr_ab = emitted(darknet_schedule("alexeyab", 0.01, Sgdr(cycle=8, mult=2, lr_min=0.0), 400))
    assert "* 3.14159265 / cycle" in sgdr_ab


def test_where_the_forks_differ_the_emitted_rates_differ_too():
    # 0.01f * 0.2f^2: hank-ai squares in float (0.2f * 0.2f rounded), AlexeyAB in double (rounded once)
    burn = BurnIn(iterations=5, power=2.0)
    hank, _ = emitted(darknet_schedule("hankai", float(f32(0.01)), Poly(power=2.0, max_iter=1000), 1000, burn_in=burn))
    ab, _ = emitted(darknet_schedule("alexeyab", float(f32(0.01)), Poly(power=2.0, max_iter=1000), 1000,
                                     burn_in=burn))
    assert f32(hank(1)) == f32(f32(f32(0.2) * f32(0.2)) * f32(0.01))
    assert f32(ab(1)) == f32(float(f32(0.01)) * float(f32(0.2)) ** 2)
