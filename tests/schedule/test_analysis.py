"""The piecewise analysis (cfgtools.schedule.analysis) against hand-worked answers and the dense oracle.

Pieces here are written by hand or cut from densely evaluated rates by a
decomposer in this file, so the analysis is tested apart from the
frameworks' decompositions (tests/darknet/test_darknet_pieces.py,
tests/caffe/test_caffe_pieces.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.piecewise_checks import analysed_ranges, assert_matches_dense, caffe_schedules, darknet_schedules, settings_st
from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.caffe.schedule import caffe_schedule
from cfgtools.schedule.analysis import (
    MAX_RISES,
    Piece,
    check_pieces,
    constant,
    dense_extremes,
    dense_profile,
    first_true,
    monotone,
    periodic,
    piecewise_extremes,
    piecewise_profile,
)
from cfgtools.schedule.evaluate import evaluate
from cfgtools.schedule.model import BurnIn, Schedule, Sgdr, Steps

f32 = np.float32
H31 = 2**31 - 1
SGDR_PI = 3.14159265  # darknet's constant (darknet.md section c, SGDR)


def darknet(policy, base_lr=0.01, horizon=1000, burn_in=None, dialect="alexeyab") -> Schedule:
    return darknet_schedule(dialect=dialect, base_lr=float(f32(base_lr)), burn_in=burn_in,
                    policy=policy, horizon=horizon)


def steps(values, scales_, **kwargs) -> Schedule:
    return darknet(Steps(steps=values, scales=[float(f32(s)) for s in scales_]), **kwargs)


def both(schedule, pieces, first, last, warm, floor=1e-3, rise=2.0):
    profile = piecewise_profile(schedule, pieces, first, last, warm, floor, rise)
    assert profile == dense_profile(schedule, first, last, warm, floor, rise)
    return profile


# ----------------------------------------------------------------------------- hand-worked answers


def test_yolov4_like_schedule():
    lr = f32(0.0013)
    schedule = steps([400000, 450000], [0.1, 0.1], base_lr=0.0013, horizon=500_500,
                     burn_in=BurnIn(iterations=1000, power=4.0))
    pieces = [monotone(1, 999, +1), constant(1000, 399_999), constant(400_000, 449_999), constant(450_000, 500_500)]
    profile = both(schedule, pieces, 1, 500_500, 1000)
    assert (profile.first_zero, profile.rise_count, profile.rises) == (None, 0, [])
    assert profile.peak == lr
    # lr * 0.1 * 0.1 = 1.3e-5 stays above 1e-3 * peak = 1.3e-6
    assert profile.low_count == 0 and profile.first_low is None
    extremes = piecewise_extremes(schedule, pieces, 1, 500_500)
    assert extremes == dense_extremes(schedule, 1, 500_500)
    # burn-in at b = 1: lr * ((float)1 / 1000)^4, rounded to float
    assert extremes.min == f32(float(lr) * float(f32(1 / 1000)) ** 4) and extremes.argmin == 1
    assert (extremes.max, extremes.argmax, extremes.count) == (lr, 1000, 500_500)


def test_scale_zero_leaves_zeros_to_the_end():
    schedule = steps([100, 200], [0.1, 0.0])
    profile = both(schedule, [constant(1, 99), constant(100, 199), constant(200, 1000)], 1, 1000, 1)
    assert (profile.first_zero, profile.zero_end) == (200, 1000)
    # the zeros are below 1e-3 of the peak (the base rate at update 1)
    assert profile.peak == f32(0.01)
    assert (profile.low_count, profile.first_low, profile.last_low) == (801, 200, 1000)


def test_a_warm_up_written_with_steps_is_not_a_rise_but_a_jump_above_the_base_rate_is():
    lr = f32(0.01)
    warm_up = steps([-1, 100], [0.1, 10])  # 0.001 until 100, then about 0.01
    assert both(warm_up, [constant(1, 99), constant(100, 1000)], 1, 1000, 1).rise_count == 0
    spike = steps([100, 200], [0.1, 100])
    profile = both(spike, [constant(1, 99), constant(100, 199), constant(200, 1000)], 1, 1000, 1)
    tenth = f32(lr * f32(0.1))
    assert profile.rises == [(200, float(tenth), float(f32(tenth * f32(100))))]
    assert profile.rise_count == 1


def sgdr_rate(lr: float, lr_min: float, phase_steps: np.ndarray, cycle: int) -> np.ndarray:
    """lr_min + (lr - lr_min)/2 (1 + cos((float)(b - start) * 3.14159265 / cycle)), float result."""
    amplitude = float(f32(f32(lr) - f32(lr_min)))
    phase = phase_steps.astype(np.float32).astype(np.float64) * SGDR_PI / cycle
    return (float(f32(lr_min)) + 0.5 * amplitude * (1 + np.cos(phase))).astype(np.float32)


def test_sgdr_cycles_over_2_31_updates_as_one_periodic_piece():
    cycle, lr, lr_min = 100, 0.01, 0.0
    schedule = darknet(Sgdr(cycle=cycle, mult=1, lr_min=lr_min), base_lr=lr, horizon=H31)
    pieces = [periodic(1, H31, 1, cycle, [monotone(1, cycle, -1)])]
    profile = piecewise_profile(schedule, pieces, 1, H31, 1, 1e-3, 2.0)
    one_cycle = sgdr_rate(lr, lr_min, np.arange(1, cycle + 1), cycle)
    # cos(3.14159265) rounds to -1: the last batch of every cycle is exactly lr_min = 0
    assert (profile.first_zero, profile.zero_end) == (cycle, cycle)
    assert profile.peak == one_cycle[0]
    # every restart (batch k*cycle + 1) jumps from 0 to the top
    assert profile.rise_count == (H31 - 1) // cycle
    assert profile.rises == [(k * cycle + 1, 0.0, float(one_cycle[0])) for k in range(1, MAX_RISES + 1)]
    low_per_cycle = np.flatnonzero(one_cycle < f32(1e-3 * float(one_cycle[0])))
    full, partial = divmod(H31, cycle)
    assert profile.low_count == full * low_per_cycle.size + np.count_nonzero(low_per_cycle < partial)
    assert profile.first_low == 1 + low_per_cycle[0]
    in_partial = low_per_cycle[low_per_cycle < partial]
    if in_partial.size:
        assert profile.last_low == full * cycle + 1 + in_partial[-1]
    else:
        assert profile.last_low == (full - 1) * cycle + 1 + low_per_cycle[-1]
    extremes = piecewise_extremes(schedule, pieces, 1, H31)
    assert (extremes.min, extremes.argmin, extremes.max, extremes.argmax) == (0.0, cycle, one_cycle[0], 1)
    assert extremes.count == H31


def test_periodic_piece_equals_dense_over_many_periods_and_a_cut_start():
    cycle = 37
    schedule = darknet(Sgdr(cycle=cycle, mult=1, lr_min=0.02), base_lr=0.01, horizon=5000)  # rising cycles
    for first, warm in ((1, 1), (1, 60), (50, 50)):
        pieces = [periodic(first, 5000, 1, cycle, [monotone(1, cycle, +1)])]
        for rise in (2.0, 1.0001, 1.5):
            both(schedule, pieces, first, 5000, warm, rise=rise)
        assert piecewise_extremes(schedule, pieces, first, 5000) == dense_extremes(schedule, first, 5000)


def test_empty_range():
    schedule = steps([10], [0.1])
    profile = piecewise_profile(schedule, [], 5, 4, 5, 1e-3, 2.0)
    assert profile == dense_profile(schedule, 5, 4, 5, 1e-3, 2.0)
    assert piecewise_extremes(schedule, [], 5, 4).count == 0


@pytest.mark.parametrize("pieces", [
    [constant(1, 5), constant(7, 10)],  # gap
    [constant(1, 6), constant(6, 10)],  # overlap
    [constant(1, 9)],  # short
    [constant(2, 10)],  # late start
    [Piece(1, 10, "wavy")],
    [periodic(1, 10, 1, 4, [constant(1, 3)])],  # inner does not cover the period
    [periodic(1, 10, 1, 0, [])],
])
def test_pieces_must_cover_the_range(pieces):
    with pytest.raises(ValueError):
        check_pieces(pieces, 1, 10)


def test_warm_before_first_is_refused():
    with pytest.raises(ValueError, match="warm"):
        piecewise_profile(steps([10], [0.1]), [constant(1, 10)], 1, 10, 0, 1e-3, 2.0)


def test_first_true_finds_the_boundary_in_few_rounds():
    calls = []

    def test(points):
        calls.append(len(points))
        return points >= 1_234_567_890

    assert first_true(0, H31, test) == 1_234_567_890
    assert len(calls) <= 9 and max(calls) <= 32
    assert first_true(0, 10, lambda p: p >= 0) == 0
    assert first_true(0, 10, lambda p: p > 10) == 11
    assert first_true(5, 4, lambda p: p > 0) == 5


# ----------------------------------------------------------------------------- against the dense pass


def cut_densely(schedule: Schedule, first: int, last: int) -> list[Piece]:
    """Maximal runs of the evaluated rates that are constant, nondecreasing or nonincreasing.

    Written apart from the frameworks' decompositions: it looks at the rates only.
    """
    rates = evaluate(schedule, np.arange(first, last + 1, dtype=np.int64)).tolist()
    pieces, start = [], 0
    while start < len(rates):
        end = start
        if math.isnan(rates[start]):
            while end + 1 < len(rates) and math.isnan(rates[end + 1]):
                end += 1
            pieces.append(constant(first + start, first + end))
        else:
            direction = 0
            while end + 1 < len(rates) and not math.isnan(rates[end + 1]):
                step = (rates[end + 1] > rates[end]) - (rates[end + 1] < rates[end])
                if step and direction and step != direction:
                    break
                direction = direction or step
                end += 1
            pieces.append(monotone(first + start, first + end, direction))
        start = end + 1
    return pieces


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), framework=st.sampled_from(["darknet", "caffe"]), setting=settings_st)
def test_piecewise_equals_dense_on_densely_cut_pieces(data, framework, setting):
    strategy = darknet_schedules() if framework == "darknet" else caffe_schedules()
    schedule = data.draw(strategy.filter(lambda s: s.horizon <= 3000))
    first, last = data.draw(analysed_ranges(schedule))
    pieces = cut_densely(schedule, first, last) if last >= first else []
    floor, rise = setting
    warm = data.draw(st.integers(first, max(first, last + 1)))
    assert_matches_dense(schedule, pieces, first, last, warm=warm, floor=floor, rise=rise)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), setting=settings_st)
def test_one_constant_piece_per_update(data, setting):
    schedule = data.draw(caffe_schedules().filter(lambda s: s.horizon <= 2000))
    first, last = data.draw(analysed_ranges(schedule))
    floor, rise = setting
    singles = [constant(u, u) for u in range(first, last + 1)]
    assert_matches_dense(schedule, singles, first, last, floor=floor, rise=rise)


def test_rises_in_a_long_nondecreasing_piece_are_found_without_evaluating_every_update():
    from cfgtools.schedule.model import Exp

    # lr * 1.5^b climbs from 1e-30 to infinity in about 240 updates; with factor 1.2 every update rises
    schedule = caffe_schedule(base_lr=float(f32(1e-30)), policy=Exp(gamma=1.5), horizon=H31)
    profile = piecewise_profile(schedule, [monotone(0, H31 - 1, +1)], 0, H31 - 1, 0, 1e-3, 1.2)
    with np.errstate(over="ignore"):
        values = [float(f32(float(f32(1e-30)) * 1.5**b)) for b in range(400)]
    finite = [b for b in range(1, 400) if math.isfinite(values[b]) and values[b] > 0]
    # the excluded climb: each rate is the highest so far, but only while within the base rate
    within = [b for b in finite if values[b] <= float(f32(float(f32(1e-30)) * (1 + 1e-6)))]
    expected = [b for b in finite if b not in within and values[b] > values[b - 1] * 1.2]
    assert profile.rise_count == len(expected)
    assert [r[0] for r in profile.rises] == expected[:MAX_RISES]
