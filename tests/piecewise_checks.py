"""Checks shared by the tests of the piecewise schedule analysis and of both decompositions.

- :func:`assert_pieces_hold` evaluates every update of a piece (or windows of
  a long one) and checks the shape the piece claims;
- :func:`assert_matches_dense` compares the piecewise answers with the dense
  oracle over a whole range;
- :func:`assert_consistent_far` checks the piecewise answers of a range too
  long to evaluate densely: the reported updates and their neighbours, and
  dense windows around every piece boundary;
- ``darknet_schedules()`` / ``caffe_schedules()``: hypothesis strategies over
  every policy with awkward parameters (zeros, infinities, NaN, negative
  values, scales of 0 and above 1, unsorted steps).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.caffe.schedule import caffe_schedule
from cfgtools.schedule.analysis import (
    ALTERNATING,
    CONSTANT,
    NONDECREASING,
    NONINCREASING,
    PERIODIC,
    Piece,
    dense_extremes,
    dense_profile,
    piecewise_extremes,
    piecewise_profile,
)
from cfgtools.schedule.evaluate import evaluate
from cfgtools.schedule.model import (
    BurnIn,
    Constant,
    Exp,
    Inv,
    MultiStep,
    Poly,
    Schedule,
    Sgdr,
    Sigmoid,
    Step,
    Steps,
)

#: longest stretch evaluated update by update when checking a piece's shape
SHAPE_WINDOW = 4096
#: the largest range compared with the dense oracle
DENSE_LIMIT = 3_000_000
DEFAULT_FLOOR, DEFAULT_RISE = 1e-3, 2.0


def f32(x: float) -> float:
    return float(np.float32(x))


def rate(schedule: Schedule, update: int, resume=None) -> np.float32:
    return evaluate(schedule, np.asarray([update], dtype=np.int64), resume=resume)[0]


def warm_of(schedule: Schedule, first: int) -> int:
    """The first update after burn-in, as the LR rules compute it."""
    return max(first, schedule.burn_in.iterations) if schedule.burn_in is not None else first


# ----------------------------------------------------------------------------- shapes


def _windows(start: int, end: int) -> list[tuple[int, int]]:
    if end - start + 1 <= 2 * SHAPE_WINDOW:
        return [(start, end)]
    return [(start, start + SHAPE_WINDOW - 1), (end - SHAPE_WINDOW + 1, end)]


def assert_piece_holds(schedule: Schedule, piece: Piece, resume=None) -> None:
    """The rates of ``piece`` (all of them, or both ends of a long one) have its claimed shape."""
    if piece.shape == PERIODIC:
        _assert_periodic_holds(schedule, piece, resume)
        return
    for lo, hi in _windows(piece.start, piece.end):
        updates = np.arange(lo, hi + 1, dtype=np.int64)
        rates = evaluate(schedule, updates, resume=resume)
        if piece.shape == CONSTANT:
            assert np.isnan(rates).all() or (rates == rates[0]).all(), f"{piece}: not constant {rates[:5]}"
            continue
        assert piece.shape in (NONDECREASING, NONINCREASING, ALTERNATING), piece
        assert not np.isnan(rates).any(), f"{piece}: NaN in a {piece.shape} piece"
        blocks = (updates - piece.origin) // piece.width
        same_block = blocks[1:] == blocks[:-1]
        assert (rates[1:][same_block] == rates[:-1][same_block]).all(), f"{piece}: a block is not constant"
        if piece.shape == ALTERNATING:
            assert np.isfinite(rates).all() and (rates != 0).all(), f"{piece}: zero or infinite"
            signs = np.sign(rates[np.r_[True, ~same_block]])
            assert (signs[1:] == -signs[:-1]).all(), f"{piece}: the sign does not alternate"
            for parity in (0, 1):
                one_sign = np.abs(rates[blocks % 2 == parity])
                assert (one_sign[1:] <= one_sign[:-1]).all() or (one_sign[1:] >= one_sign[:-1]).all(), piece
            continue
        wrong = rates[1:] < rates[:-1] if piece.shape == NONDECREASING else rates[1:] > rates[:-1]
        assert not wrong.any(), f"{piece}: not {piece.shape} after update {updates[np.argmax(wrong)]}"


def _assert_periodic_holds(schedule: Schedule, piece: Piece, resume) -> None:
    first_period = (piece.start - piece.origin) // piece.period
    last_period = (piece.end - piece.origin) // piece.period
    for k in sorted({first_period, first_period + 1, first_period + 2, last_period - 1, last_period}):
        if not first_period <= k <= last_period:
            continue
        for inner in piece.inner:
            shift = k * piece.period
            lo, hi = max(piece.start, inner.start + shift), min(piece.end, inner.end + shift)
            if lo <= hi:
                moved = Piece(lo, hi, inner.shape, inner.width, inner.origin + shift)
                assert_piece_holds(schedule, moved, resume)
    # rate(u) == rate(u - period) on both ends of the piece
    for lo, hi in _windows(piece.start + piece.period, piece.end):
        updates = np.arange(lo, hi + 1, dtype=np.int64)
        now = evaluate(schedule, updates, resume=resume)
        before = evaluate(schedule, updates - piece.period, resume=resume)
        same = (now == before) | (np.isnan(now) & np.isnan(before))
        assert same.all(), f"{piece}: not periodic at {updates[np.argmin(same)]}"


def assert_pieces_hold(schedule: Schedule, pieces: list[Piece], first: int, last: int, resume=None) -> None:
    position = first
    for piece in pieces:
        assert piece.start == position, f"gap or overlap before {piece}"
        assert_piece_holds(schedule, piece, resume)
        position = piece.end + 1
    assert position == last + 1 or (last < first and not pieces)


# ----------------------------------------------------------------------------- answers


def assert_matches_dense(schedule: Schedule, pieces, first: int, last: int, warm: int | None = None,
                         floor: float = DEFAULT_FLOOR, rise: float = DEFAULT_RISE, resume=None) -> None:
    """Every answer of the piecewise analysis equals the dense one (and the pieces hold)."""
    warm = warm_of(schedule, first) if warm is None else warm
    expected = dense_profile(schedule, first, last, warm, floor, rise, resume=resume)
    got = piecewise_profile(schedule, pieces, first, last, warm, floor, rise, resume=resume)
    assert _same(got, expected), f"{schedule}\n{first}..{last} warm {warm}\npiecewise {got}\ndense     {expected}"
    expected_extremes = dense_extremes(schedule, first, last, resume=resume)
    got_extremes = piecewise_extremes(schedule, pieces, first, last, resume=resume)
    assert _same(got_extremes, expected_extremes), (
        f"{schedule}\n{first}..{last}\npiecewise {got_extremes}\ndense     {expected_extremes}")


def _same(a, b) -> bool:
    """Equal, with NaN equal to NaN (a dataclass compares its fields with ==)."""
    return a == b or repr(a) == repr(b)


def assert_consistent_far(schedule: Schedule, pieces, make_pieces, first: int, last: int,
                          floor: float = DEFAULT_FLOOR, rise: float = DEFAULT_RISE) -> None:
    """For ranges too long to evaluate densely: what the piecewise answers can be checked against.

    ``make_pieces(lo, hi)`` is the decomposition under test (for windows).
    """
    warm = warm_of(schedule, first)
    profile = piecewise_profile(schedule, pieces, first, last, warm, floor, rise)
    extremes = piecewise_extremes(schedule, pieces, first, last)
    assert extremes.count == last - first + 1
    if profile.first_zero is not None:
        assert rate(schedule, profile.first_zero) == 0
        if profile.first_zero > first:
            assert rate(schedule, profile.first_zero - 1) != 0
        assert rate(schedule, profile.zero_end) == 0
        if profile.zero_end < last:
            assert rate(schedule, profile.zero_end + 1) != 0
    for update, before, value in profile.rises:
        assert float(rate(schedule, update - 1)) == before and float(rate(schedule, update)) == value
        assert value > before * rise and value > 0
    assert profile.rise_count >= len(profile.rises)
    if profile.low_count:
        threshold = floor * profile.peak
        for update in (profile.first_low, profile.last_low):
            value = rate(schedule, update)
            assert np.isfinite(value) and value < np.float32(threshold)
        assert profile.last_low - profile.first_low + 1 >= profile.low_count
    if extremes.min is not None:
        assert float(rate(schedule, extremes.argmin)) == extremes.min
        assert float(rate(schedule, extremes.argmax)) == extremes.max
        if warm == first and extremes.max > 0:
            assert profile.peak == extremes.max
    if extremes.first_nan is not None:
        assert np.isnan(rate(schedule, extremes.first_nan))
    if extremes.first_inf is not None:
        assert np.isinf(rate(schedule, extremes.first_inf))
    # around every boundary: the pieces hold, and a window analysed on its own agrees with the dense pass
    boundaries = sorted({piece.start for piece in pieces} | {last})
    for boundary in boundaries[:50] + boundaries[-50:]:
        lo, hi = max(first, boundary - 300), min(last, boundary + 300)
        window = make_pieces(lo, hi)
        assert_pieces_hold(schedule, window, lo, hi)
        assert_matches_dense(schedule, window, lo, hi, warm=max(lo, warm), floor=floor, rise=rise)


# ----------------------------------------------------------------------------- random schedules

AWKWARD = [0.0, -0.0, math.inf, -math.inf, math.nan]
rates_st = st.one_of(
    st.sampled_from([0.001, 0.01, 0.1, 0.0013, 1.0]),
    st.sampled_from(AWKWARD + [-0.01, 1e-40, 3e38]),
    st.floats(min_value=1e-8, max_value=10.0),
).map(f32)
gammas = st.one_of(
    st.sampled_from([0.1, 0.5, 0.9, 0.99, 0.9999, 0.99999994, 1.0, 1.0000001, 1.5, 2.0, 3.0]),
    st.sampled_from(AWKWARD + [-0.5, -1.0, -2.0]),
    st.floats(min_value=0.0, max_value=4.0),
).map(f32)
powers = st.one_of(
    st.sampled_from([0.9, 4.0, 0.0, 1.0, 2.0, 3.0, 0.5, -1.0, -2.0, -0.5, -3.0, 1e-10, 5.0]),
    st.sampled_from([math.inf, -math.inf, math.nan]),
    st.floats(min_value=-6.0, max_value=6.0),
).map(f32)
scales = st.one_of(st.sampled_from([0.1, 0.5, 0.0, 1.0, 2.0, 10.0, -1.0, math.inf]), st.floats(0, 20)).map(f32)


def horizons(large: bool) -> st.SearchStrategy[int]:
    small = st.one_of(st.integers(1, 60), st.integers(1, 5000), st.integers(1, 200_000))
    return st.integers(DENSE_LIMIT, 2**31 - 1) if large else small


@st.composite
def darknet_schedules(draw, large: bool = False) -> Schedule:
    horizon = draw(horizons(large))
    dialect = draw(st.sampled_from(["alexeyab", "pjreddie"]))
    kind = draw(st.sampled_from(["constant", "step", "steps", "exp", "poly", "sigmoid", "sgdr"]))
    place = st.integers(-10, horizon + 10)
    if kind == "sgdr":
        dialect = "alexeyab"
        # darknet/rate.py lists every cycle up to the batch it evaluates: keep that list short
        cycles = st.integers(horizon // 100_000, horizon) if large else st.integers(1, 50) | st.integers(1, horizon)
        policy = Sgdr(cycle=draw(cycles),
                      mult=draw(st.sampled_from([1, 1, 2, 3])),
                      lr_min=draw(st.one_of(st.sampled_from([1e-5, 0.0, 0.1]).map(f32), rates_st)))
    elif kind == "constant":
        policy = Constant()
    elif kind == "step":
        policy = Step(step=draw(st.one_of(st.integers(1, 3), st.integers(1, max(1, horizon)), st.integers(-20, -1))),
                      gamma=draw(gammas))
    elif kind == "steps":
        steps = draw(st.lists(place, max_size=8))
        policy = Steps(steps=steps, scales=draw(st.lists(scales, min_size=len(steps), max_size=len(steps))))
    elif kind == "exp":
        policy = Exp(gamma=draw(gammas))
    elif kind == "poly":
        policy = Poly(power=draw(powers), max_iter=draw(st.sampled_from([horizon, horizon, 0]) | place))
    else:
        policy = Sigmoid(gamma=draw(st.sampled_from([0.01, -0.01, 0.001, 1.0, 0.0]).map(f32) | gammas),
                         step=draw(place))
    burn_in = None
    if draw(st.booleans()):
        burn_in = BurnIn(iterations=draw(st.integers(1, 3000) | st.integers(-10, -1) | st.just(horizon)),
                         power=draw(powers))
    return darknet_schedule(dialect=dialect, base_lr=draw(rates_st),
                    gpus=draw(st.sampled_from([1, 1, 4])), burn_in=burn_in, policy=policy, horizon=horizon)


@st.composite
def caffe_schedules(draw, large: bool = False) -> Schedule:
    horizon = draw(horizons(large))
    kind = draw(st.sampled_from(["constant", "step", "exp", "multistep", "inv", "poly", "sigmoid"]))
    place = st.integers(-5, horizon + 5)
    if kind == "constant":
        policy = Constant()
    elif kind == "step":
        policy = Step(step=draw(st.one_of(st.integers(1, 3), st.integers(1, max(1, horizon)), st.integers(-20, -1))),
                      gamma=draw(gammas))
    elif kind == "exp":
        policy = Exp(gamma=draw(gammas))
    elif kind == "multistep":
        policy = MultiStep(stepvalues=draw(st.lists(place, max_size=8)), gamma=draw(gammas))
    elif kind == "inv":
        gamma = draw(st.sampled_from([1e-4, -1e-4, 0.0, 1.0, -1.0, 3e38, -3e38]).map(f32) | gammas)
        policy = Inv(gamma=gamma, power=draw(powers))
    elif kind == "poly":
        policy = Poly(power=draw(powers), max_iter=draw(st.sampled_from([horizon, horizon, 0]) | place))
    else:
        policy = Sigmoid(gamma=draw(st.sampled_from([0.01, 0.001, 1.0, 0.0, -0.01]).map(f32) | gammas),
                         step=draw(place))
    return caffe_schedule(base_lr=draw(rates_st), policy=policy, horizon=horizon)


@st.composite
def analysed_ranges(draw, schedule: Schedule) -> tuple[int, int]:
    """A range of updates: usually the whole run, sometimes a part of it or beyond its end."""
    first = schedule.first_update + draw(st.sampled_from([0, 0, 0, 1]) | st.integers(0, 100))
    last = draw(st.sampled_from([schedule.last_update] * 3) | st.integers(first - 1, schedule.last_update + 200))
    return first, last


settings_st = st.tuples(
    st.sampled_from([DEFAULT_FLOOR, DEFAULT_FLOOR, 0.5, 2.0, 1e-30, 1e40]),
    st.sampled_from([DEFAULT_RISE, DEFAULT_RISE, 1.5, 1.0001, 10.0]),
)
