"""Caffe's schedules cut into pieces (cfgtools.caffe.pieces), checked against the dense evaluation.

Expected numbers are worked out here from caffe.md section 2 (float32
parameters; double pow for step/exp/multistep; powf/expf for inv/poly/sigmoid),
never taken from the code under test. (Not called test_pieces.py: pytest
cannot collect two test modules of the same name in these package-less
test folders.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, corpus_files
from tests.piecewise_checks import (
    analysed_ranges,
    assert_consistent_far,
    assert_matches_dense,
    assert_pieces_hold,
    caffe_schedules,
    rate,
    settings_st,
)
from cfgtools.caffe.schedule import caffe_schedule
from cfgtools.caffe.pieces import advance_times, pieces
from cfgtools.errors import InputError
from cfgtools.schedule.analysis import (
    ALTERNATING,
    CONSTANT,
    NONDECREASING,
    NONINCREASING,
    piecewise_extremes,
    piecewise_profile,
)
from cfgtools.loading import load_schedule
from cfgtools.schedule.model import Exp, Inv, MultiStep, Poly, Schedule, ScheduleError, Sigmoid, Step
from cfgtools.frameworks import recognise
from cfgtools.sources import read_source

f32 = np.float32


def ca(policy, base_lr=0.01, horizon=1000) -> Schedule:
    return caffe_schedule(base_lr=float(f32(base_lr)), policy=policy, horizon=horizon)


def cut(schedule: Schedule, first: int = 0, last: int | None = None, resume=None):
    last = schedule.last_update if last is None else last
    found = pieces(schedule, first, last, resume=resume)
    assert_pieces_hold(schedule, found, first, last, resume=resume)
    return found


def spans(found) -> list[tuple[int, int, str]]:
    return [(p.start, p.end, p.shape) for p in found]


def profile_of(schedule: Schedule, found, first=0, last=None):
    last = schedule.last_update if last is None else last
    return piecewise_profile(schedule, found, first, last, first, 1e-3, 2.0)


# ----------------------------------------------------------------------------- multistep


def test_unsorted_stepvalues_fire_on_consecutive_iterations():
    # stepvalue 300, 100, 200: nothing until 300, then one step at 300, 301 and 302 (caffe.md section 2)
    assert advance_times([300, 100, 200], None) == [300, 301, 302]
    schedule = ca(MultiStep(stepvalues=[300, 100, 200], gamma=0.1))
    found = cut(schedule)
    assert [(p.start, p.end) for p in found] == [(0, 299), (300, 300), (301, 301), (302, 999)]
    assert rate(schedule, 302) == f32(float(f32(0.01)) * float(f32(0.1)) ** 3)
    assert_matches_dense(schedule, found, 0, 999)


def test_stepvalue_zero_counts_at_the_first_iteration():
    schedule = ca(MultiStep(stepvalues=[0, 500], gamma=0.1))
    found = cut(schedule)
    assert [(p.start, p.end) for p in found] == [(0, 499), (500, 999)]
    assert rate(schedule, 0) == f32(float(f32(0.01)) * float(f32(0.1)))


def test_a_restored_index_moves_from_where_the_snapshot_left_it():
    # restored at iteration 250 with current_step 1: stepvalue[1] = 100 is passed at 250, [2] at 251
    assert advance_times([300, 100, 200], (250, 1)) == [250, 251]
    schedule = ca(MultiStep(stepvalues=[300, 100, 200], gamma=0.1))
    found = cut(schedule, 250, 999, resume=(250, 1))
    assert [(p.start, p.end) for p in found] == [(250, 250), (251, 999)]
    assert_matches_dense(schedule, found, 250, 999, resume=(250, 1))
    assert advance_times([300, 100, 200], (40, 3)) == []  # past the end: the index never moves


# ----------------------------------------------------------------------------- step and exp


def test_stepsize_one_over_ten_million_iterations_is_one_piece():
    schedule = ca(Step(step=1, gamma=0.9), horizon=10_000_000)
    found = cut(schedule)
    assert spans(found) == [(0, 9_999_999, NONINCREASING)]
    profile = profile_of(schedule, found)
    assert profile.first_zero is not None and profile.zero_end == 9_999_999
    assert_consistent_far(schedule, found, lambda a, b: pieces(schedule, a, b), 0, 9_999_999)


def test_exp_half_reaches_zero_at_iteration_147():
    # caffe.md section 2: base_lr 0.1, gamma 0.5 runs through denormals and is exactly 0 from iter 147
    lr = float(f32(0.1))
    schedule = ca(Exp(gamma=0.5), base_lr=0.1, horizon=200)
    found = cut(schedule)
    assert spans(found) == [(0, 199, NONINCREASING)]
    zero = next(i for i in range(200) if f32(lr * 0.5**i) == 0)
    assert zero == 147
    profile = profile_of(schedule, found)
    assert (profile.first_zero, profile.zero_end) == (147, 199)
    assert rate(schedule, 146) == f32(2.0**-149)
    assert_matches_dense(schedule, found, 0, 199)


def test_step_gamma_zero():
    # pow(0, 0) = 1: base_lr for the first stepsize iterations, exactly 0 after
    schedule = ca(Step(step=100, gamma=0.0))
    found = cut(schedule)
    profile = profile_of(schedule, found)
    assert (profile.first_zero, profile.zero_end) == (100, 999)
    assert_matches_dense(schedule, found, 0, 999)


def test_a_negative_gamma_alternates_until_the_rate_underflows():
    lr = float(f32(0.01))
    schedule = ca(Exp(gamma=-0.5), horizon=400)
    found = cut(schedule)
    assert spans(found) == [(0, found[0].end, ALTERNATING), (found[0].end + 1, 399, CONSTANT)]
    # lr * (-0.5)^i is exact in double; it rounds to a zero (of either sign) below 2^-150
    zero = next(i for i in range(400) if f32(lr * 0.5**i) == 0)
    profile = profile_of(schedule, found)
    assert (profile.first_zero, profile.zero_end) == (zero, 399)
    # every move from a negative rate (odd i) to a positive one (even i) is a rise
    assert profile.rise_count == len(range(2, zero, 2))
    assert profile.rises[0] == (2, float(f32(-lr / 2)), float(f32(lr / 4)))
    # below 1e-3 of the peak (lr at 0): every negative rate and the small positive ones
    low = [i for i in range(400) if f32(lr * (-0.5) ** i) < f32(1e-3 * lr)]
    assert (profile.low_count, profile.first_low, profile.last_low) == (len(low), low[0], low[-1])
    assert_matches_dense(schedule, found, 0, 399)


def test_a_negative_gamma_close_to_minus_one_over_2_31_iterations():
    schedule = ca(Exp(gamma=-0.9999), horizon=2**31 - 1)
    found = cut(schedule)
    assert [p.shape for p in found] == [ALTERNATING, CONSTANT]
    profile = profile_of(schedule, found)
    assert profile.rise_count == (profile.first_zero - 1) // 2  # into every even iteration from 2 on
    assert_consistent_far(schedule, found, lambda a, b: pieces(schedule, a, b), 0, 2**31 - 2)


# ----------------------------------------------------------------------------- poly, inv, sigmoid


def test_poly_over_ten_million_iterations_is_one_falling_piece():
    max_iter = 10_000_000
    schedule = ca(Poly(power=float(f32(0.9)), max_iter=max_iter), horizon=max_iter)
    found = cut(schedule)
    assert spans(found) == [(0, max_iter - 1, NONINCREASING)]
    extremes = piecewise_extremes(schedule, found, 0, max_iter - 1)
    # the last rate used: base_lr * powf(1 - (float)(max_iter-1) / (float)max_iter, power)
    base = f32(1.0 - float(f32(float(f32(max_iter - 1)) / float(f32(max_iter)))))
    last = f32(float(f32(0.01)) * float(f32(float(base) ** float(f32(0.9)))))
    assert (extremes.min, extremes.argmin) == (last, max_iter - 1)
    assert (extremes.max, extremes.argmax) == (f32(0.01), 0)
    assert_consistent_far(schedule, found, lambda a, b: pieces(schedule, a, b), 0, max_iter - 1)


def test_poly_past_max_iter_is_nan_for_a_fractional_power():
    schedule = ca(Poly(power=0.5, max_iter=100), horizon=100)
    found = cut(schedule, 0, 150)
    assert [p.shape for p in found] == [NONINCREASING, CONSTANT, CONSTANT]
    assert piecewise_extremes(schedule, found, 0, 150).first_nan == 101
    assert_matches_dense(schedule, found, 0, 150)


def test_inv_with_a_negative_gamma_crosses_zero():
    # 1 + gamma * iter reaches 0 at iter 1000 and is negative after: powf(negative, -0.75) is NaN
    schedule = ca(Inv(gamma=-0.001, power=0.75), horizon=2000)
    found = cut(schedule)
    assert [p.shape for p in found] == [NONDECREASING, CONSTANT, CONSTANT]
    extremes = piecewise_extremes(schedule, found, 0, 1999)
    x = np.float32(1.0 + float(f32(float(f32(-0.001)) * 1000)))
    assert x == 0 and extremes.first_inf == 1000 and extremes.first_nan == 1001
    assert_matches_dense(schedule, found, 0, 1999)


def test_inv_rising_power():
    schedule = ca(Inv(gamma=1e-4, power=-2.0), horizon=100_000)
    found = cut(schedule)
    assert spans(found) == [(0, 99_999, NONDECREASING)]
    for rise in (2.0, 1.0001):
        assert_matches_dense(schedule, found, 0, 99_999, rise=rise)


def test_sigmoid_centre_spans_several_iterations_beyond_2_24():
    step = 2**25 + 1  # (float)stepsize == 2^25, as are (float)iter for iter 2^25 - 1 .. 2^25 + 2
    schedule = ca(Sigmoid(gamma=0.001, step=step), horizon=2**25 + 100)
    found = pieces(schedule, 2**25 - 100, 2**25 + 99)
    equal = [i for i in range(2**25 - 100, 2**25 + 100) if f32(i) == f32(step)]
    assert (found[1].start, found[1].end) == (equal[0], equal[-1])
    assert_pieces_hold(schedule, found, 2**25 - 100, 2**25 + 99)
    assert_matches_dense(schedule, found, 2**25 - 100, 2**25 + 99)


def test_what_caffe_cannot_run():
    with pytest.raises(ZeroDivisionError):
        pieces(ca(Step(step=0, gamma=0.5)), 0, 10)
    with pytest.raises(ValueError):
        pieces(ca(Step(step=1, gamma=0.5)), -1, 10)


# ----------------------------------------------------------------------------- every fixture, the corpus


def solver_fixtures() -> list[Path]:
    return sorted(FIXTURES.rglob("*.prototxt"))


@pytest.mark.parametrize("path", solver_fixtures(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture(path):
    try:
        schedule = load_schedule(path)
    except (InputError, ScheduleError, ValueError):
        pytest.skip("not a solver Caffe can run")
    found = pieces(schedule, schedule.first_update, schedule.last_update)
    assert_pieces_hold(schedule, found, schedule.first_update, schedule.last_update)
    assert_matches_dense(schedule, found, schedule.first_update, schedule.last_update)


@pytest.mark.corpus
def test_every_corpus_solver():
    files = corpus_files("caffe")
    if not files:
        pytest.skip("shared corpus (next to the repository) is absent")
    compared = 0
    for path in files:
        if getattr(recognise(read_source(path)), "name", None) != "caffe":
            continue
        schedule = load_schedule(path)
        found = pieces(schedule, schedule.first_update, schedule.last_update)
        assert_matches_dense(schedule, found, schedule.first_update, schedule.last_update)
        compared += 1
    assert compared > 30


# ----------------------------------------------------------------------------- random schedules


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), setting=settings_st)
def test_random_schedules_match_the_dense_evaluation(data, setting):
    schedule = data.draw(caffe_schedules())
    first, last = data.draw(analysed_ranges(schedule))
    resume = None
    if schedule.policy.kind == "multistep" and data.draw(st.booleans()):
        resume = (data.draw(st.integers(0, schedule.horizon)), data.draw(st.integers(-1, 9)))
        first = max(first, resume[0])
    try:
        found = pieces(schedule, first, last, resume=resume)
    except ZeroDivisionError:
        return
    assert_pieces_hold(schedule, found, first, last, resume=resume)
    floor, rise = setting
    assert_matches_dense(schedule, found, first, last, floor=floor, rise=rise, resume=resume)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedule=caffe_schedules(large=True))
def test_random_schedules_up_to_2_31_iterations(schedule):
    first, last = 0, schedule.last_update
    try:
        found = pieces(schedule, first, last)
    except ZeroDivisionError:
        return
    assert_pieces_hold(schedule, found, first, last)
    assert_consistent_far(schedule, found, lambda a, b: pieces(schedule, a, b), first, last)
