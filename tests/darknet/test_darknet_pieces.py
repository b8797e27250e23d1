"""darknet's schedules cut into pieces (cfgtools.darknet.pieces), checked against the dense evaluation.

Expected numbers are worked out here from darknet.md section c (float32
parameters, double pow/exp/cos, float result), never taken from the code
under test. (The module is not called test_pieces.py: pytest cannot collect
two test modules of the same name in these package-less test folders.)
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
    darknet_schedules,
    rate,
    settings_st,
    warm_of,
)
from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.darknet.pieces import pieces
from cfgtools.errors import InputError
from cfgtools.schedule.analysis import (
    CONSTANT,
    NONDECREASING,
    NONINCREASING,
    PERIODIC,
    piecewise_extremes,
    piecewise_profile,
)
from cfgtools.loading import load_schedule
from cfgtools.schedule.model import (
    BurnIn,
    Constant,
    Exp,
    Poly,
    Random,
    Schedule,
    ScheduleError,
    Sgdr,
    Sigmoid,
    Step,
    Steps,
)
from cfgtools.frameworks import recognise
from cfgtools.sources import read_source

f32 = np.float32
H31 = 2**31 - 1


def dn(policy, base_lr=0.01, horizon=1000, burn_in=None, dialect="alexeyab", gpus=1) -> Schedule:
    return darknet_schedule(dialect=dialect, base_lr=float(f32(base_lr)), gpus=gpus,
                    burn_in=burn_in, policy=policy, horizon=horizon)


def steps_policy(values, scales) -> Steps:
    return Steps(steps=values, scales=[float(f32(s)) for s in scales])


def cut(schedule: Schedule, first: int = 1, last: int | None = None):
    last = schedule.horizon if last is None else last
    found = pieces(schedule, first, last)
    assert_pieces_hold(schedule, found, first, last)
    return found


def spans(found) -> list[tuple[int, int, str]]:
    return [(p.start, p.end, p.shape) for p in found]


def profile_of(schedule: Schedule, found, first: int = 1, last: int | None = None, floor=1e-3, rise=2.0):
    last = schedule.horizon if last is None else last
    return piecewise_profile(schedule, found, first, last, warm_of(schedule, first), floor, rise)


def first_where(values, predicate) -> int:
    return next(i for i, v in enumerate(values) if predicate(v))


# ----------------------------------------------------------------------------- burn-in and steps


def test_burn_in_then_steps_is_four_pieces():
    schedule = dn(steps_policy([400000, 450000], [0.1, 0.1]), base_lr=0.0013, horizon=500_500,
                  burn_in=BurnIn(iterations=1000, power=4.0))
    found = cut(schedule)
    assert spans(found) == [(1, 999, NONDECREASING), (1000, 399_999, CONSTANT), (400_000, 449_999, CONSTANT),
                            (450_000, 500_500, CONSTANT)]
    assert_matches_dense(schedule, found, 1, 500_500)


def test_unsorted_steps_wait_for_the_first_listed_one():
    # steps=15,5: the walk stops at 15 until batch 15, then both scales apply at once
    schedule = dn(steps_policy([15, 5], [0.1, 0.1]), horizon=40)
    found = cut(schedule)
    assert spans(found) == [(1, 14, CONSTANT), (15, 40, CONSTANT)]
    assert rate(schedule, 15) == f32(f32(f32(0.01) * f32(0.1)) * f32(0.1))
    assert_matches_dense(schedule, found, 1, 40)


@pytest.mark.parametrize("dialect, expected", [
    ("pjreddie", [(1, 9), (10, 40)]),  # (size_t)-5 is huge: it and 20 never fire
    ("alexeyab", [(1, 9), (10, 19), (20, 40)]),  # -5 fires with 10 (the walk reaches it there)
])
def test_negative_step(dialect, expected):
    schedule = dn(steps_policy([10, -5, 20], [0.5, 0.5, 0.5]), horizon=40, dialect=dialect)
    found = cut(schedule)
    assert [(p.start, p.end) for p in found] == expected
    assert_matches_dense(schedule, found, 1, 40)


def test_scales_above_one_and_zero():
    lr = f32(0.01)
    schedule = dn(steps_policy([10, 20, 30], [3, 0, 5]), horizon=100)
    found = cut(schedule)
    profile = profile_of(schedule, found)
    # x3 above the base rate is a rise; then 0 forever (0 * 5 = 0)
    assert profile.rises == [(10, float(lr), float(f32(lr * f32(3))))]
    assert (profile.first_zero, profile.zero_end) == (20, 100)
    assert_matches_dense(schedule, found, 1, 100)


# ----------------------------------------------------------------------------- step and exp


def test_step_of_one_batch_is_one_staircase_over_2_31_batches():
    lr = f32(0.01)
    schedule = dn(Step(step=1, gamma=0.5), horizon=H31)
    found = cut(schedule, 1, H31)
    assert spans(found) == [(1, H31, NONINCREASING)]
    # lr * 0.5^b is exact in double; the float rounds to 0 below half the smallest denormal
    values = [f32(float(lr) * 0.5**b) for b in range(200)]
    zero = first_where(values, lambda v: v == 0)
    low = first_where(values, lambda v: v < f32(1e-3 * float(lr) * 0.5))  # the peak is rate(1) = lr/2
    profile = profile_of(schedule, found, 1, H31)
    assert (profile.first_zero, profile.zero_end) == (zero, H31)
    assert (profile.low_count, profile.first_low, profile.last_low) == (H31 - low + 1, low, H31)
    extremes = piecewise_extremes(schedule, found, 1, H31)
    assert (extremes.min, extremes.argmin, extremes.max, extremes.argmax) == (0.0, zero, values[1], 1)
    assert_consistent_far(schedule, found, lambda a, b: pieces(schedule, a, b), 1, H31)


def test_step_blocks_of_seven_rising_to_infinity():
    lr = f32(0.001)
    schedule = dn(Step(step=7, gamma=2.0), base_lr=0.001, horizon=10_000)
    found = cut(schedule, 1, 10_000)
    assert [(p.shape, p.width) for p in found] == [(NONDECREASING, 7)]
    with np.errstate(over="ignore"):
        overflow = first_where(range(10_000), lambda b: np.isinf(f32(float(lr) * 2.0 ** (b // 7))))
    assert piecewise_extremes(schedule, found, 1, 10_000).first_inf == overflow
    assert_matches_dense(schedule, found, 1, 10_000)


def test_exp_runs_through_denormals_to_zero():
    lr = f32(0.1)
    schedule = dn(Exp(gamma=0.5), base_lr=0.1, horizon=400)
    found = cut(schedule, 1, 400)
    assert spans(found) == [(1, 400, NONINCREASING)]
    zero = first_where(range(400), lambda b: f32(float(lr) * 0.5**b) == 0)
    profile = profile_of(schedule, found, 1, 400)
    assert (profile.first_zero, profile.zero_end) == (zero, 400)
    assert 0 < rate(schedule, zero - 1) < 2.0**-126  # the step before 0 is a denormal
    assert_matches_dense(schedule, found, 1, 400)


def test_exp_gamma_above_one_overflows_to_infinity():
    lr = f32(0.01)
    schedule = dn(Exp(gamma=2.0), horizon=300)
    found = cut(schedule, 1, 300)
    with np.errstate(over="ignore"):
        overflow = first_where(range(300), lambda b: np.isinf(f32(float(lr) * 2.0**b)))
    extremes = piecewise_extremes(schedule, found, 1, 300)
    assert extremes.first_inf == overflow and extremes.argmax == overflow - 1
    assert_matches_dense(schedule, found, 1, 300)


@pytest.mark.parametrize("gamma", [-0.5, -1.0, -2.0, -0.0])
def test_a_negative_scale_alternates(gamma):
    schedule = dn(Step(step=3, gamma=gamma), horizon=2000)
    assert_matches_dense(schedule, cut(schedule, 1, 2000), 1, 2000)


# ----------------------------------------------------------------------------- poly


def test_poly_power_zero_is_constant():
    schedule = dn(Poly(power=0.0, max_iter=1000))
    assert spans(cut(schedule)) == [(1, 1000, CONSTANT)]


def test_poly_without_max_batches():
    # (float)b / 0: NaN at b = 0, +inf after (darknet.md section c, POLY)
    schedule = dn(Poly(power=4.0, max_iter=0), horizon=0)
    found = cut(schedule, 0, 10)
    assert spans(found) == [(0, 0, CONSTANT), (1, 10, CONSTANT)]
    extremes = piecewise_extremes(schedule, found, 0, 10)
    assert (extremes.first_nan, extremes.first_inf, extremes.min) == (0, 1, None)


def test_poly_past_max_batches():
    fractional = dn(Poly(power=0.5, max_iter=1000))
    found = cut(fractional, 1, 1050)
    assert rate(fractional, 1000) == 0  # exactly 0 at max_batches
    assert piecewise_extremes(fractional, found, 1, 1050).first_nan == 1001  # pow(negative, 0.5)
    assert_matches_dense(fractional, found, 1, 1050)
    odd = dn(Poly(power=3.0, max_iter=1000))  # (negative)^3: negative rates, no NaN
    found = cut(odd, 1, 1050)
    extremes = piecewise_extremes(odd, found, 1, 1050)
    assert extremes.first_nan is None and extremes.argmin == 1050
    assert_matches_dense(odd, found, 1, 1050)


def test_poly_negative_power_rises_to_infinity_at_max_batches():
    schedule = dn(Poly(power=-1.0, max_iter=1000))
    found = cut(schedule)
    assert found[0].shape == NONDECREASING
    assert piecewise_extremes(schedule, found, 1, 1000).first_inf == 1000  # pow(0, -1)
    for rise in (2.0, 1.001):
        assert_matches_dense(schedule, found, 1, 1000, rise=rise)


# ----------------------------------------------------------------------------- sigmoid and sgdr


def test_sigmoid_pjreddie_is_zero_below_the_step():
    schedule = dn(Sigmoid(gamma=0.5, step=20), base_lr=0.1, horizon=40, dialect="pjreddie")
    found = cut(schedule)
    profile = profile_of(schedule, found)
    assert (profile.first_zero, profile.zero_end) == (1, 19)
    assert rate(schedule, 20) == f32(0.05)  # lr / (1 + exp(0))
    assert_matches_dense(schedule, found, 1, 40)
    alexeyab = dn(Sigmoid(gamma=0.5, step=20), base_lr=0.1, horizon=40)
    assert profile_of(alexeyab, cut(alexeyab)).first_zero is None


def test_sgdr_mult_1_is_one_periodic_piece_even_after_burn_in():
    cycle = 3000
    schedule = dn(Sgdr(cycle=cycle, mult=1, lr_min=float(f32(1e-5))), horizon=H31,
                  burn_in=BurnIn(iterations=1000, power=4.0))
    found = cut(schedule, 1, H31)
    assert [p.shape for p in found] == [NONDECREASING, PERIODIC]
    assert found[1].start == 1000 and found[1].period == cycle
    profile = profile_of(schedule, found, 1, H31)
    # a restart at every batch k*cycle + 1 after burn-in: from lr_min back to about lr
    first_restart = -(-(1000 - 1) // cycle) * cycle + 1
    assert profile.rise_count == (H31 - first_restart) // cycle + 1
    assert profile.rises[0][0] == first_restart
    assert_consistent_far(schedule, found, lambda a, b: pieces(schedule, a, b), 1, H31)


def test_sgdr_mult_2_is_one_piece_per_cycle():
    # cycles [0, 8], (8, 24], (24, 56], (56, 120] (darknet.md section c, SGDR)
    schedule = dn(Sgdr(cycle=8, mult=2, lr_min=float(f32(0.001))), base_lr=0.1, horizon=60)
    found = cut(schedule)
    assert [(p.start, p.end) for p in found] == [(1, 8), (9, 24), (25, 56), (57, 60)]
    assert all(p.shape == NONINCREASING for p in found)
    assert_matches_dense(schedule, found, 1, 60)


def test_what_darknet_cannot_run():
    assert pieces(dn(Random(power=2.0)), 1, 10) is None
    with pytest.raises(ZeroDivisionError):
        pieces(dn(Step(step=0, gamma=0.5)), 1, 10)
    with pytest.raises(ValueError):
        pieces(dn(Sgdr(cycle=8, mult=2, lr_min=0.0), dialect="pjreddie"), 1, 10)
    with pytest.raises(ValueError):
        pieces(dn(Sgdr(cycle=0, mult=2, lr_min=0.0)), 1, 10)
    assert pieces(dn(Constant()), 5, 4) == []


# ----------------------------------------------------------------------------- every fixture, the corpus


def darknet_fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*.cfg"))


@pytest.mark.parametrize("path", darknet_fixtures(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture(path):
    built = 0
    for dialect in ("alexeyab", "pjreddie"):
        for gpus in (1, 3):
            try:
                schedule = load_schedule(path, dialect=dialect, gpus=gpus)
            except (InputError, ScheduleError, ValueError):
                continue
            found = pieces(schedule, schedule.first_update, schedule.last_update)
            if found is None:
                assert schedule.is_random
                continue
            assert_pieces_hold(schedule, found, schedule.first_update, schedule.last_update)
            assert_matches_dense(schedule, found, schedule.first_update, schedule.last_update)
            built += 1
    if not built:
        pytest.skip("no schedule (not a darknet cfg, random, or darknet cannot run it)")


@pytest.mark.corpus
def test_every_corpus_cfg():
    files = corpus_files("darknet")
    if not files:
        pytest.skip("shared corpus (next to the repository) is absent")
    compared = 0
    for path in files:
        if getattr(recognise(read_source(path)), "name", None) != "darknet":
            continue
        dialect = "pjreddie" if "pjreddie" in path.parts else "alexeyab"
        schedule = load_schedule(path, dialect=dialect)
        found = pieces(schedule, schedule.first_update, schedule.last_update)
        if found is None:
            continue
        assert_matches_dense(schedule, found, schedule.first_update, schedule.last_update)
        compared += 1
    assert compared > 100


# ----------------------------------------------------------------------------- random schedules


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), setting=settings_st)
def test_random_schedules_match_the_dense_evaluation(data, setting):
    schedule = data.draw(darknet_schedules())
    first, last = data.draw(analysed_ranges(schedule))
    try:
        found = pieces(schedule, first, last)
    except (ZeroDivisionError, ValueError):  # what darknet/rate.py refuses too
        with pytest.raises((ZeroDivisionError, ValueError)):
            rate(schedule, last)
        return
    if found is None:
        return
    assert_pieces_hold(schedule, found, first, last)
    floor, rise = setting
    assert_matches_dense(schedule, found, first, last, floor=floor, rise=rise)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedule=darknet_schedules(large=True))
def test_random_schedules_up_to_2_31_batches(schedule):
    first, last = 1, schedule.horizon
    try:
        found = pieces(schedule, first, last)
    except (ZeroDivisionError, ValueError):
        return
    if found is None:
        return
    assert_pieces_hold(schedule, found, first, last)
    assert_consistent_far(schedule, found, lambda a, b: pieces(schedule, a, b), first, last)
