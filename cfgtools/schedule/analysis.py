"""The learning-rate questions of the schedule rules, answered piece by piece.

The LR/RS rules ask a handful of questions about the rates of a run: the
first update whose rate is exactly 0 (and how long that run of zeros lasts),
the highest finite rate after burn-in, how many updates fall below a fraction
of it, where the rate rises by more than a factor from one update to the
next, and (for ``extremes``) the smallest and largest finite rates, the first
NaN and the first infinity.

Two ways to answer them, with identical results:

- ``dense_profile`` / ``dense_extremes`` evaluate every update (in chunks).
  Their cost grows with the number of updates; they are the test oracle.
- ``piecewise_profile`` / ``piecewise_extremes`` take the schedule cut into a
  short list of :class:`Piece` objects whose shape is known (constant,
  monotone, a monotone staircase, alternating in sign, periodic) and
  evaluate the framework's exact arithmetic
  (``cfgtools.schedule.evaluate.evaluate``) only at the updates that decide
  an answer: piece boundaries, and crossings found by searching a monotone
  piece. Their cost grows with the number of pieces, not updates.

This module knows no framework: each framework cuts its own schedules
(``cfgtools.darknet.pieces``, ``cfgtools.caffe.pieces``), because only it
knows its arithmetic's quirks. The analysis trusts the shapes it is given;
a wrong shape gives wrong answers, which is what the tests comparing both ways
are for.

Update numbers follow ``Schedule.first_update``/``last_update``: darknet's
update ``k`` uses ``rate(k)``, Caffe's uses ``lr(k)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Iterator, NamedTuple, Sequence

import numpy as np

from cfgtools.schedule.evaluate import evaluate, iter_chunks
from cfgtools.schedule.model import Schedule

#: rises kept with their numbers (the rest are only counted)
MAX_RISES = 3
#: a climb that stays within the base rate times (1 + this) may be a warm-up written as steps
CEILING_MARGIN = 1e-6

# The shapes a piece can have.
CONSTANT = "constant"
NONINCREASING = "nonincreasing"
NONDECREASING = "nondecreasing"
ALTERNATING = "alternating"
PERIODIC = "periodic"
#: shapes made of blocks of equal rates
_BLOCKWISE = (NONINCREASING, NONDECREASING, ALTERNATING)

#: points evaluated per round of a search (one call of the rate function per round)
_FANOUT = 32
#: the periodic expansion keeps this many leading periods explicit (see _expand)
_EXPLICIT_PERIODS = 3


# ----------------------------------------------------------------------------- results


@dataclass
class RateProfile:
    """What LR001, LR003 and LR004 need (the fields of ``cfgtools.lint.numeric.RateProfile``)."""

    first: int  #: first analysed update
    last: int  #: last analysed update (the goal, within the horizon)
    after_warm_up: int  #: first update after burn-in
    first_zero: int | None = None  #: first update whose rate is exactly 0
    zero_end: int | None = None  #: last update of that run of zeros
    peak: float = 0.0  #: highest finite rate after burn-in
    low_count: int = 0  #: updates after burn-in below floor_fraction * peak
    first_low: int | None = None
    last_low: int | None = None
    rises: list = field(default_factory=list)  #: (update, rate before, rate) of the first rises
    rise_count: int = 0

    @property
    def analysed_after_warm_up(self) -> int:
        return max(0, self.last - self.after_warm_up + 1)


@dataclass
class Extremes:
    """Smallest and largest finite rates (first update of each), first NaN, first infinity, count."""

    min: float | None = None
    argmin: int | None = None
    max: float | None = None
    argmax: int | None = None
    first_nan: int | None = None
    first_inf: int | None = None
    count: int = 0


def _rise_mask(before: np.ndarray, lr: np.ndarray, peak_before: np.ndarray, rise_factor: float,
               ceiling: float) -> np.ndarray:
    """Which updates are rises: ``lr`` (float32) above ``before * rise_factor`` (float64), positive.

    A first climb that has not decayed yet (``before`` is the highest rate so far)
    and stays within the base rate is a warm-up written with steps (e.g.
    ``steps=-1,100 scales=.1,10``): not a spike. ``lr <= ceiling`` compares a
    float32 array with a Python float, i.e. in float32.
    """
    with np.errstate(all="ignore"):
        jump = np.isfinite(before) & np.isfinite(lr) & (lr > before * rise_factor) & (lr > 0)
        jump &= ~((before >= peak_before) & (lr <= ceiling))
    return jump


def _is_low(lrs: np.ndarray, floor: float) -> np.ndarray:
    """Finite rates below ``floor`` (a float32 array compared with a Python float: in float32)."""
    with np.errstate(all="ignore"):  # a floor beyond the float32 range compares as infinity
        return np.isfinite(lrs) & (lrs < floor)


def _ceiling(schedule: Schedule) -> float:
    return schedule.base_lr * schedule.gpus * (1 + CEILING_MARGIN)


# ----------------------------------------------------------------------------- the dense oracle


def dense_profile(
    schedule: Schedule,
    first: int,
    last: int,
    warm: int,
    floor_fraction: float,
    rise_factor: float,
    resume: tuple[int, int] | None = None,
) -> RateProfile:
    """The profile of updates ``first..last`` (rises, peak and low rates from ``warm`` on), densely.

    Two chunked passes over every update: the algorithm the linter has used
    (``cfgtools.lint.numeric.rate_profile``), kept as the reference the
    piecewise analysis is tested against.
    """
    profile = RateProfile(first=first, last=last, after_warm_up=warm, rises=[])
    ceiling = _ceiling(schedule)
    previous, running_max, in_zero_run = None, -np.inf, False
    for iters, lrs in iter_chunks(schedule, first, last, resume=resume):
        # zeros: the first run of exact zeros
        if profile.zero_end is None:
            zero = lrs == 0
            if in_zero_run or profile.first_zero is None:
                if not in_zero_run and zero.any():
                    start = int(np.argmax(zero))
                    profile.first_zero, in_zero_run = int(iters[start]), True
                    zero, iters_z = zero[start:], iters[start:]
                else:
                    iters_z = iters
                if in_zero_run:
                    ends = np.flatnonzero(~zero)
                    if ends.size:
                        profile.zero_end, in_zero_run = int(iters_z[ends[0]]) - 1, False
        # after burn-in: the peak and the rises
        keep = iters >= warm
        if not keep.any():
            continue
        it, lr = iters[keep], lrs[keep]
        finite = np.where(np.isfinite(lr), lr, -np.inf)
        before = np.concatenate(([np.nan if previous is None else previous], lr[:-1]))
        peak_before = np.maximum.accumulate(np.concatenate(([running_max], finite[:-1])))
        jump = _rise_mask(before, lr, peak_before, rise_factor, ceiling)
        for index in np.flatnonzero(jump):
            profile.rise_count += 1
            if len(profile.rises) < MAX_RISES:
                profile.rises.append((int(it[index]), float(before[index]), float(lr[index])))
        previous = float(lr[-1])
        running_max = max(running_max, float(finite.max()))
    if in_zero_run:
        profile.zero_end = last
    profile.peak = max(running_max, 0.0)
    if profile.peak > 0:
        floor = floor_fraction * profile.peak
        for iters, lrs in iter_chunks(schedule, warm, last, resume=resume):
            mask = _is_low(lrs, floor)
            count = int(mask.sum())
            if count:
                hits = iters[mask]
                profile.low_count += count
                profile.first_low = int(hits[0]) if profile.first_low is None else profile.first_low
                profile.last_low = int(hits[-1])
    return profile


def dense_extremes(schedule: Schedule, first: int, last: int, resume: tuple[int, int] | None = None) -> Extremes:
    """Min and max of the finite rates (first update of each), first NaN and infinity, densely."""
    result = Extremes()
    for iters, lrs in iter_chunks(schedule, first, last, resume=resume):
        result.count += int(iters.size)
        nan = np.isnan(lrs)
        inf = np.isinf(lrs)
        if result.first_nan is None and nan.any():
            result.first_nan = int(iters[np.argmax(nan)])
        if result.first_inf is None and inf.any():
            result.first_inf = int(iters[np.argmax(inf)])
        finite = ~(nan | inf)
        if not finite.any():
            continue
        values = np.where(finite, lrs, np.inf)
        k = int(np.argmin(values))
        if result.min is None or values[k] < result.min:
            result.min, result.argmin = float(values[k]), int(iters[k])
        values = np.where(finite, lrs, -np.inf)
        k = int(np.argmax(values))
        if result.max is None or values[k] > result.max:
            result.max, result.argmax = float(values[k]), int(iters[k])
    return result


# ----------------------------------------------------------------------------- pieces


class Piece(NamedTuple):
    """Updates ``start..end`` (inclusive) whose rates have a known shape.

    ``shape`` is one of:

    - ``CONSTANT``: every rate compares equal to the first (zeros of either
      sign count as equal), or every rate is NaN;
    - ``NONINCREASING`` / ``NONDECREASING``: no NaN; the rate is the same on
      each block of ``width`` updates (blocks begin at ``origin + k * width``)
      and monotone from block to block, as IEEE comparisons order it
      (``width`` 1: every update is a block);
    - ``ALTERNATING``: blocks as above whose rates are finite, nonzero, of
      opposite signs from one block to the next, and monotone among the blocks
      of one sign (a negative ratio to a power: ``gamma < 0``);
    - ``PERIODIC``: ``rate(u) == rate(u - period)`` inside the piece; ``inner``
      are the (non-periodic) pieces of the period ``origin .. origin +
      period - 1``: shifted by any multiple of the period and cut to
      ``start..end``, they have their shapes there (the analysis evaluates
      rates inside ``start..end`` only).
    """

    start: int
    end: int
    shape: str
    width: int = 1
    origin: int = 0
    period: int = 0
    inner: tuple["Piece", ...] = ()

    @property
    def size(self) -> int:
        """How many updates the piece covers."""
        return self.end - self.start + 1


def constant(start: int, end: int) -> Piece:
    return Piece(start, end, CONSTANT)


def monotone(start: int, end: int, direction: float, width: int = 1, origin: int = 0) -> Piece:
    """A monotone piece: ``direction`` > 0 nondecreasing, < 0 nonincreasing, 0 constant."""
    if direction == 0 or start == end:
        return Piece(start, end, CONSTANT)
    if width == 1:
        origin = 0
    return Piece(start, end, NONDECREASING if direction > 0 else NONINCREASING, width=width, origin=origin)


def periodic(start: int, end: int, origin: int, period: int, inner: Sequence[Piece]) -> Piece:
    """A periodic piece; ``inner`` covers ``origin .. origin + period - 1`` exactly."""
    return Piece(start, end, PERIODIC, origin=origin, period=period, inner=tuple(inner))


def alternating(start: int, end: int, width: int = 1, origin: int = 0) -> Piece:
    """Blocks of ``width`` updates from ``origin`` on, changing sign from block to block."""
    return Piece(start, end, ALTERNATING if start < end else CONSTANT, width=width, origin=origin)


def _shifted(piece: Piece, offset: int) -> Piece:
    return piece._replace(start=piece.start + offset, end=piece.end + offset, origin=piece.origin + offset)


def _clipped(piece: Piece, lo: int, hi: int) -> Piece:
    if lo <= piece.start and piece.end <= hi:
        return piece
    return piece._replace(start=max(piece.start, lo), end=min(piece.end, hi))


def check_pieces(pieces: Sequence[Piece], first: int, last: int) -> None:
    """Raise ValueError unless ``pieces`` cover ``first..last`` in order, without gaps or overlaps."""
    position = first
    for piece in pieces:
        if piece.start != position or piece.end < piece.start:
            raise ValueError(f"pieces must cover {first}..{last} in order: {piece} does not start at {position}")
        if piece.shape == PERIODIC:
            _check_period(piece)
        elif piece.shape in _BLOCKWISE:
            if piece.width < 1:
                raise ValueError(f"block width must be positive: {piece}")
        elif piece.shape != CONSTANT:
            raise ValueError(f"unknown shape {piece.shape!r}")
        position = piece.end + 1
    if last < first and pieces:
        raise ValueError(f"no pieces for an empty range {first}..{last}")
    if last >= first and position != last + 1:
        raise ValueError(f"pieces must cover {first}..{last}: they end at {position - 1}")


def _check_period(piece: Piece) -> None:
    if piece.period < 1:
        raise ValueError(f"a period must be positive: {piece}")
    position = piece.origin
    for inner in piece.inner:
        if inner.shape == PERIODIC or inner.start != position or inner.end < inner.start:
            raise ValueError(f"the inner pieces of {piece} must cover one period in order")
        position = inner.end + 1
    if position != piece.origin + piece.period:
        raise ValueError(f"the inner pieces of {piece} must cover one period exactly")


# A pass walks a list of items: parts (below) in order, plus two markers a
# periodic piece expands into. ``_MARK`` precedes one full period whose effect
# every later full period repeats; ``_Repeat`` then stands for ``times`` more
# copies of it, each ``shift`` updates later. Runs of constant parts are then
# grouped into :class:`_Samples`.


class _Mark:
    pass


_MARK = _Mark()


@dataclass(frozen=True)
class _Repeat:
    times: int
    shift: int


#: A part is a pair ``(piece, lag)``: a non-periodic piece whose rates are those
#: ``lag`` updates earlier (0, or a later period's taken from an earlier one).
_Part = tuple


def _expand(pieces: Sequence[Piece], lo: int, hi: int) -> list:
    """The pass items for updates ``lo..hi``: parts, ``_MARK`` and ``_Repeat``.

    A periodic piece becomes its first ``_EXPLICIT_PERIODS`` periods (clipped),
    a repeat of the last of them, and its final period. Why three: the first
    may be cut by ``lo``; after the second (full) one every value of the
    period has been seen, so from the third on each period starts from the
    same state (same previous rate, same running maximum) and contributes the
    same rises, low rates and counts, shifted by the period; and a first run
    of zeros found in the first two periods ends by the third unless every
    rate is zero. The rates of a period after the first whole one are taken
    from that one, so the rate function is never asked about far updates
    (darknet's SGDR lists every cycle up to the update it evaluates).
    """
    items: list = []
    for piece in pieces:
        if piece.end < lo or piece.start > hi:
            continue
        piece = _clipped(piece, lo, hi)
        if piece.shape != PERIODIC:
            items.append((piece, 0))
            continue
        first_period = (piece.start - piece.origin) // piece.period
        last_period = (piece.end - piece.origin) // piece.period
        whole = first_period if piece.origin + first_period * piece.period == piece.start else first_period + 1
        if piece.origin + (whole + 1) * piece.period - 1 > piece.end:
            whole = None  # no whole period: rates are taken where they are
        repeats = max(0, last_period - first_period + 1 - _EXPLICIT_PERIODS - 1)
        explicit = range(first_period, last_period + 1)
        if repeats:
            explicit = [*range(first_period, first_period + _EXPLICIT_PERIODS), last_period]
        for n, period_index in enumerate(explicit):
            template = repeats and n == _EXPLICIT_PERIODS - 1
            if template:
                items.append(_MARK)
            offset = period_index * piece.period
            lag = 0 if whole is None else max(0, period_index - whole) * piece.period
            for inner in piece.inner:
                shifted = _shifted(inner, offset)
                if shifted.end >= piece.start and shifted.start <= piece.end:
                    items.append((_clipped(shifted, piece.start, piece.end), lag))
            if template:
                items.append(_Repeat(repeats, piece.period))
    return items


@dataclass
class _Samples:
    """Stretches ``starts[i]..ends[i]`` of one rate each, consecutive.

    A run of constant pieces: one sample per piece, since equal rates inside a
    piece change no answer.
    """

    starts: np.ndarray
    ends: np.ndarray
    values: np.ndarray  #: float32

    def lengths(self) -> np.ndarray:
        return self.ends - self.starts + 1


def _group(items: list, rates: "_Rates") -> list:
    """``items`` with each run of consecutive constant parts turned into one :class:`_Samples`.

    Evaluates, in one call, the first rate of every constant part and both end
    rates of every other part.
    """
    points = []
    for item in items:
        if type(item) is tuple:
            piece, lag = item
            points.append(piece.start - lag)
            if piece.shape != CONSTANT:
                points.append(piece.end - lag)
    rates.remember(points)
    known = rates.known
    grouped: list = []
    run: list[Piece] = []
    values: list = []

    def flush() -> None:
        if run:
            starts = np.fromiter((piece.start for piece in run), dtype=np.int64, count=len(run))
            ends = np.fromiter((piece.end for piece in run), dtype=np.int64, count=len(run))
            grouped.append(_Samples(starts, ends, np.asarray(values, dtype=np.float32)))
            run.clear()
            values.clear()

    for item in items:
        if type(item) is tuple and item[0].shape == CONSTANT:
            piece, lag = item
            run.append(piece)
            values.append(known[piece.start - lag])
        else:
            flush()
            grouped.append(item)
    flush()
    return grouped


# ----------------------------------------------------------------------------- evaluation helpers


class _Rates:
    """The schedule's rates at chosen updates; a few at a time are remembered (piece boundaries)."""

    #: larger requests (a level of the rise search) are evaluated without the memo
    MEMO_LIMIT = 64

    def __init__(self, schedule: Schedule, resume: tuple[int, int] | None):
        self.schedule = schedule
        self.resume = resume
        self.known: dict[int, np.float32] = {}

    def at(self, updates) -> np.ndarray:
        """float32 rates at ``updates`` (ints)."""
        updates = np.asarray(updates, dtype=np.int64)
        if updates.size > self.MEMO_LIMIT:
            return evaluate(self.schedule, updates, resume=self.resume)
        keys = updates.tolist()
        self.remember(keys)
        return np.asarray([self.known[u] for u in keys], dtype=np.float32)

    def remember(self, updates: list[int]) -> None:
        """Evaluate ``updates`` in one call and remember them all, however many."""
        missing = sorted({u for u in updates if u not in self.known})
        if missing:
            values = evaluate(self.schedule, np.asarray(missing, dtype=np.int64), resume=self.resume)
            self.known.update(zip(missing, values))


def first_true(lo: int, hi: int, test: Callable[[np.ndarray], np.ndarray]) -> int:
    """The smallest ``k`` in ``lo..hi`` where ``test`` holds, or ``hi + 1``.

    ``test`` maps an int64 array of indices to booleans and must be monotone
    (false, then true). The two ends are tried first (they are usually piece
    boundaries, already evaluated); then each round evaluates up to
    ``_FANOUT`` indices, so 2^31 indices take 7 rounds.
    """
    if lo > hi:
        return hi + 1
    at_ends = np.asarray(test(np.asarray([lo, hi], dtype=np.int64)), dtype=bool)
    if at_ends[0]:
        return lo
    if not at_ends[1]:
        return hi + 1
    found, lo, hi = hi, lo + 1, hi - 1
    while lo <= hi:
        count = hi - lo + 1
        if count <= _FANOUT:
            points = np.arange(lo, hi + 1, dtype=np.int64)
        else:
            points = lo + (np.arange(_FANOUT, dtype=np.int64) * (count - 1)) // (_FANOUT - 1)
        hits = np.asarray(test(points), dtype=bool)
        if not hits.any():
            return found
        j = int(np.argmax(hits))
        if j == 0:
            return int(points[0])
        found = int(points[j])
        lo, hi = int(points[j - 1]) + 1, found - 1
    return found


class _Blocks:
    """A blockwise part seen as its blocks ``first..last`` (block ``k`` starts at ``origin + k * width``)."""

    def __init__(self, part: _Part, rates: _Rates):
        piece, self.lag = part
        self.piece = piece
        self.rates = rates
        self.shape = piece.shape
        self.up = piece.shape == NONDECREASING
        self.first = (piece.start - piece.origin) // piece.width
        self.last = (piece.end - piece.origin) // piece.width

    def start_of(self, k):
        """The first update of block(s) ``k`` inside the piece."""
        nominal = self.piece.origin + np.asarray(k, dtype=np.int64) * self.piece.width
        return np.maximum(self.piece.start, nominal)

    def end_of(self, k):
        """The last update of block(s) ``k`` inside the piece."""
        nominal = self.piece.origin + (np.asarray(k, dtype=np.int64) + 1) * self.piece.width - 1
        return np.minimum(self.piece.end, nominal)

    def block_of(self, update: int) -> int:
        return (update - self.piece.origin) // self.piece.width

    def values(self, ks) -> np.ndarray:
        return self.rates.at(np.atleast_1d(self.start_of(ks)) - self.lag)

    def value(self, k: int) -> np.float32:
        return self.values([k])[0]

    def first_where(self, test: Callable[[np.ndarray], np.ndarray], lo: int | None = None,
                    hi: int | None = None, step: int = 1) -> int:
        """First block of ``lo, lo + step, ... <= hi`` whose rate passes ``test`` (monotone there).

        Returns the block after the last one tried when none passes.
        """
        lo = self.first if lo is None else lo
        hi = self.last if hi is None else hi
        j = first_true(0, (hi - lo) // step, lambda js: test(self.values(lo + step * js)))
        return lo + step * j

    def first_equal(self, k: int, lo: int, step: int = 1) -> int:
        """The first of blocks ``lo, lo + step, ..., k`` whose rate compares equal to block ``k``'s.

        Those blocks' rates are monotone; the block just before ``k`` is tried first.
        """
        value = self.value(k)
        if k == lo or self.value(k - step) != value:
            return k
        if self.value(lo) <= value:  # rising up to k
            return self.first_where(lambda v: v >= value, lo=lo, hi=k, step=step)
        return self.first_where(lambda v: v <= value, lo=lo, hi=k, step=step)

    def highest(self) -> tuple[int, np.float32] | None:
        """The last block (nondecreasing) or first block (nonincreasing) whose rate is not +inf."""
        if self.up:
            k = self.first_where(lambda v: v == np.inf) - 1
            return None if k < self.first else (k, self.value(k))
        k = self.first_where(lambda v: v != np.inf)
        return None if k > self.last else (k, self.value(k))

    def lowest(self) -> tuple[int, np.float32] | None:
        """The first block (nondecreasing) or last block (nonincreasing) whose rate is not -inf."""
        if self.up:
            k = self.first_where(lambda v: v != -np.inf)
            return None if k > self.last else (k, self.value(k))
        k = self.first_where(lambda v: v == -np.inf) - 1
        return None if k < self.first else (k, self.value(k))

    # -- alternating parts: the blocks of one sign, every other block

    def of_sign(self, positive: bool) -> tuple[int, int] | None:
        """The first and last block of the given sign (alternating part), or None."""
        k0 = self.first if (self.value(self.first) > 0) == positive else self.first + 1
        k1 = self.last if (self.value(self.last) > 0) == positive else self.last - 1
        return (k0, k1) if k0 <= k1 else None

    def updates_in(self, k0: int, k1: int) -> int:
        """How many updates the blocks ``k0, k0 + 2, ..., k1`` cover (the end blocks may be cut)."""
        width, origin = self.piece.width, self.piece.origin
        covered = ((k1 - k0) // 2 + 1) * width
        covered -= int(self.start_of(k0)) - (origin + k0 * width)
        covered -= origin + (k1 + 1) * width - 1 - int(self.end_of(k1))
        return covered

    def class_extremes(self, k0: int, k1: int) -> tuple[tuple[int, np.float32], tuple[int, np.float32]]:
        """``(block, rate)`` of the smallest and largest rate among blocks ``k0, k0 + 2, ..., k1``.

        Their rates are monotone, so the extremes are at the ends; each is
        reported at the first block comparing equal to it.
        """
        a = self.value(k0)
        k = self.first_equal(k1, k0, step=2)
        b = self.value(k)
        return ((k0, a), (k, b)) if a <= b else ((k, b), (k0, a))


def _finite_or_minus_inf(value) -> float:
    """The value the running maximum sees: non-finite rates count as -inf."""
    value = float(value)
    return value if math.isfinite(value) else -math.inf


# ----------------------------------------------------------------------------- the piecewise profile


def piecewise_profile(
    schedule: Schedule,
    pieces: Sequence[Piece],
    first: int,
    last: int,
    warm: int,
    floor_fraction: float,
    rise_factor: float,
    resume: tuple[int, int] | None = None,
) -> RateProfile:
    """The same :class:`RateProfile` as :func:`dense_profile`, from ``pieces`` covering ``first..last``.

    ``warm`` (the first update after burn-in) must not be before ``first``.
    The cost grows with the number of pieces (and periods' inner pieces), not
    with ``last - first``.
    """
    if warm < first:
        raise ValueError(f"warm ({warm}) must not be before first ({first})")
    check_pieces(pieces, first, last)
    profile = RateProfile(first=first, last=last, after_warm_up=warm, rises=[])
    if last < first:
        return profile
    rates = _Rates(schedule, resume)
    with np.errstate(all="ignore"):  # comparisons with thresholds beyond the float32 range
        _zero_run(profile, _group(_expand(pieces, first, last), rates), rates)
        if warm <= last:
            after = _group(_expand(pieces, warm, last), rates)
            running_max = _peak_and_rises(profile, after, rates, _ceiling(schedule), rise_factor)
            profile.peak = max(running_max, 0.0)
            if profile.peak > 0:
                _low_rates(profile, after, rates, floor_fraction * profile.peak)
    return profile


def _zero_run(profile: RateProfile, items: list, rates: _Rates) -> None:
    """``first_zero`` and ``zero_end``: the first run of exact zeros."""
    open_run = False
    for item in items:
        if isinstance(item, (_Mark, _Repeat)):
            # a repeated period changes nothing: if it holds a zero, the first run started in
            # the first two periods; still open after the third means every rate is zero
            continue
        if isinstance(item, _Samples):
            values, skip = item.values, 0
            if not open_run:
                zeros = np.flatnonzero(values == 0)
                if not zeros.size:
                    continue
                skip = int(zeros[0])
                profile.first_zero, open_run = int(item.starts[skip]), True
            ends = np.flatnonzero(values[skip:] != 0)
            if ends.size:
                profile.zero_end = int(item.starts[skip + ends[0]]) - 1
                return
            continue
        blocks = _Blocks(item, rates)
        if blocks.shape == ALTERNATING:  # no zero inside
            if open_run:
                profile.zero_end = blocks.piece.start - 1
                return
            continue
        if not open_run:
            start = _first_zero(blocks)
            if start is None:
                continue
            profile.first_zero, open_run = start, True
        else:
            start = blocks.piece.start
        end = _first_nonzero(blocks, start)
        if end is not None:
            profile.zero_end = end - 1
            return
    if open_run:
        profile.zero_end = profile.last


def _first_zero(blocks: _Blocks) -> int | None:
    # monotone: the zeros, if any, are the blocks from the first one on the far side of 0
    k = blocks.first_where((lambda v: v >= 0) if blocks.up else (lambda v: v <= 0))
    if k <= blocks.last and blocks.value(k) == 0:
        return int(blocks.start_of(k))
    return None


def _first_nonzero(blocks: _Blocks, start: int) -> int | None:
    """The first update at or after ``start`` whose rate is not 0 (monotone part)."""
    k0 = blocks.block_of(start)
    if blocks.value(k0) != 0:
        return start
    k = blocks.first_where((lambda v: v > 0) if blocks.up else (lambda v: v < 0), lo=k0)
    return int(blocks.start_of(k)) if k <= blocks.last else None


class _RiseState:
    """The running state of the rise search: the previous rate and the highest finite rate so far."""

    def __init__(self, profile: RateProfile, rise_factor: float, ceiling: float):
        self.profile = profile
        self.rise_factor = rise_factor
        self.ceiling = ceiling
        self.previous: float | None = None
        self.running_max = -math.inf

    def test(self, updates, before, lr, peak_before) -> None:
        """Count the rises among transitions into ``updates`` (in increasing order)."""
        before = np.asarray(before, dtype=np.float64)
        lr = np.asarray(lr, dtype=np.float32)
        jump = _rise_mask(before, lr, np.asarray(peak_before, dtype=np.float64), self.rise_factor, self.ceiling)
        hits = np.flatnonzero(jump)
        self.profile.rise_count += int(hits.size)
        for index in hits[: MAX_RISES - len(self.profile.rises)]:
            self.profile.rises.append((int(updates[index]), float(before[index]), float(lr[index])))

    def run(self, starts: np.ndarray, values: np.ndarray) -> None:
        """Consecutive stretches beginning at ``starts`` with one rate each (no rise inside a stretch)."""
        finite = np.where(np.isfinite(values), values, -np.inf)
        before = np.concatenate(([np.nan if self.previous is None else self.previous], values[:-1]))
        peak_before = np.maximum.accumulate(np.concatenate(([self.running_max], finite[:-1])))
        self.test(starts, before, values, peak_before)
        self.previous = float(values[-1])
        self.running_max = max(self.running_max, float(finite.max()))


def _peak_and_rises(profile: RateProfile, items: list, rates: _Rates, ceiling: float, rise_factor: float) -> float:
    """Fill ``rises``/``rise_count``; return the highest finite rate (-inf if none)."""
    state = _RiseState(profile, rise_factor, ceiling)
    mark = None
    for item in items:
        if item is _MARK:
            mark = (profile.rise_count, len(profile.rises))
        elif isinstance(item, _Repeat):
            count, kept = mark
            per_period = profile.rise_count - count
            template = profile.rises[kept:]
            profile.rise_count += per_period * item.times
            repeat = 1
            while template and repeat <= item.times and len(profile.rises) < MAX_RISES:
                for update, before, lr in template[: MAX_RISES - len(profile.rises)]:
                    profile.rises.append((update + repeat * item.shift, before, lr))
                repeat += 1
        elif isinstance(item, _Samples):
            state.run(item.starts, item.values)
        else:
            blocks = _Blocks(item, rates)
            if blocks.shape == ALTERNATING:
                _rises_alternating(state, blocks)
                continue
            value = blocks.value(blocks.first)
            if state.previous is not None:  # the transition into the piece
                state.test([blocks.piece.start], [state.previous], [value], [state.running_max])
            if blocks.up:
                _rises_nondecreasing(state, blocks)
            # nonincreasing: no rise inside, a rise needs lr > before * rise_factor >= before
            # (before > 0) or lr > 0 >= before
            highest = blocks.highest()
            if highest is not None:
                state.running_max = max(state.running_max, _finite_or_minus_inf(highest[1]))
            state.previous = float(blocks.value(blocks.last))
    return state.running_max


def _rises_nondecreasing(state: _RiseState, blocks: _Blocks) -> None:
    """The rises between consecutive blocks of a nondecreasing piece, by bisection.

    The transitions inside blocks ``a..b`` (into ``a+1 .. b``) hold no counted
    rise when, with ``P`` the highest rate before the piece:

    - ``rate(b) <= 0``: a rise needs a positive rate, and every rate is <= rate(b);
    - ``rate(a)`` is +inf: every later rate is +inf, not finite;
    - ``0 < rate(a)``, ``rate(b)`` finite and ``rate(b) <= rate(a) * rise_factor``:
      for ``a < k <= b``, ``rate(k) <= rate(b) <= rate(a) * f <= rate(k-1) * f``;
    - ``rate(a) >= P`` and ``rate(b) <= ceiling``: each ``before = rate(k-1) >=
      rate(a) >= P`` is the highest rate so far and each rate is within the
      ceiling, so every rise there is the excluded warm-up climb.

    Other intervals are halved; a climb by a factor of ``F`` over the piece
    leaves at most about ``log(F) / log(rise_factor)`` intervals per level
    (the factors of disjoint intervals multiply to at most ``F``), so the cost
    is bounded by the float32 range over ``log(rise_factor)``, times the
    depth (31 for 2^31 updates), whatever the number of updates.
    """
    before_piece = state.running_max
    a = np.asarray([blocks.first] if blocks.last > blocks.first else [], dtype=np.int64)
    b = np.asarray([blocks.last] if blocks.last > blocks.first else [], dtype=np.int64)
    candidates = [np.zeros(0, dtype=np.int64)]
    while a.size:
        low, high = blocks.values(a), blocks.values(b)
        low64 = low.astype(np.float64)
        done = (high <= 0) | (low == np.inf)
        done |= (0 < low) & np.isfinite(high) & (high.astype(np.float64) <= low64 * state.rise_factor)
        done |= (low64 >= before_piece) & (high <= state.ceiling)
        a, b = a[~done], b[~done]
        adjacent = b == a + 1
        candidates.append(b[adjacent])
        a, b = a[~adjacent], b[~adjacent]
        middle = (a + b) // 2
        a, b = np.concatenate((a, middle)), np.concatenate((middle, b))
    ks = np.unique(np.concatenate(candidates))
    if not ks.size:
        return
    lr = blocks.values(ks)
    before = blocks.values(ks - 1).astype(np.float64)
    peak_before = np.maximum(before_piece, np.where(np.isfinite(before), before, -np.inf))
    state.test(blocks.start_of(ks), before, lr, peak_before)


def _rises_alternating(state: _RiseState, blocks: _Blocks) -> None:
    """The transition into the piece and the rises between its blocks of alternating sign.

    Only a move from a negative to a positive block can be a rise (a rise needs
    a positive rate), and every such move is one (``before * rise_factor < 0 <
    lr``) unless it is the excluded warm-up climb, which needs ``before``, a
    negative rate, to be the highest rate so far: impossible once a positive
    block has passed. So the first blocks are tested one by one, enough to hold
    a positive block and ``MAX_RISES`` rises, and the moves into the positive
    blocks after them are only counted.
    """
    head_last = min(blocks.last, blocks.first + 2 * MAX_RISES + 2)
    head = np.arange(blocks.first, head_last + 1, dtype=np.int64)
    state.run(blocks.start_of(head), blocks.values(head))
    positive = blocks.of_sign(True)
    if positive is not None and head_last < blocks.last:
        k0, k1 = positive
        after_head = k0 + 2 * ((head_last - k0) // 2 + 1)  # the first positive block after the head
        if after_head <= k1:
            state.profile.rise_count += (k1 - after_head) // 2 + 1
        _, top = blocks.class_extremes(k0, k1)
        state.running_max = max(state.running_max, float(top[1]))
    state.previous = float(blocks.value(blocks.last))


def _low_rates(profile: RateProfile, items: list, rates: _Rates, floor: float) -> None:
    """``low_count``, ``first_low``, ``last_low``: finite rates below ``floor``."""
    mark = None

    def add(count: int, low_first: int, low_last: int) -> None:
        profile.low_count += count
        if profile.first_low is None or low_first < profile.first_low:
            profile.first_low = low_first
        profile.last_low = low_last if profile.last_low is None else max(profile.last_low, low_last)

    for item in items:
        if item is _MARK:
            mark = profile.low_count
        elif isinstance(item, _Repeat):
            per_period = profile.low_count - mark
            if per_period:
                profile.low_count += per_period * item.times
                profile.last_low += item.times * item.shift
        elif isinstance(item, _Samples):
            low = _is_low(item.values, floor)
            if low.any():
                add(int(item.lengths()[low].sum()), int(item.starts[low][0]), int(item.ends[low][-1]))
        else:
            blocks = _Blocks(item, rates)
            for k0, k1, step in _low_blocks(blocks, floor):
                add(blocks.updates_in(k0, k1) if step == 2 else int(blocks.end_of(k1) - blocks.start_of(k0)) + 1,
                    int(blocks.start_of(k0)), int(blocks.end_of(k1)))


def _low_blocks(blocks: _Blocks, floor: float) -> Iterator[tuple[int, int, int]]:
    """Blocks ``k0, k0 + step, ..., k1`` whose rates are finite and below ``floor``."""
    if blocks.shape == ALTERNATING:
        # the floor is positive (a fraction of a positive peak): every negative block is below it;
        # the positive blocks below it are a run at one end of theirs (their rates are monotone)
        negative = blocks.of_sign(False)
        if negative is not None:
            yield negative[0], negative[1], 2
        positive = blocks.of_sign(True)
        if positive is not None:
            k0, k1 = positive
            low_first, low_last = _is_low(blocks.values([k0, k1]), floor)
            if low_first:
                yield k0, (k1 if low_last else blocks.first_where(lambda v: ~(v < floor), k0, k1, 2) - 2), 2
            elif low_last:
                yield blocks.first_where(lambda v: v < floor, k0, k1, 2), k1, 2
        return
    # monotone: the finite rates below the floor are one run of blocks
    if blocks.up:  # -inf first, then rising: from the first finite block to the last one below
        k1 = blocks.first_where(lambda v: v != -np.inf)
        k2 = blocks.first_where(lambda v: ~(v < floor), lo=k1) - 1
    else:  # +inf first, then falling to -inf: from the first below the floor to the last finite
        k1 = blocks.first_where(lambda v: v < floor)
        k2 = blocks.first_where(lambda v: v == -np.inf, lo=k1) - 1
    if k1 <= k2:
        yield k1, k2, 1


# ----------------------------------------------------------------------------- piecewise extremes


def piecewise_extremes(
    schedule: Schedule, pieces: Sequence[Piece], first: int, last: int, resume: tuple[int, int] | None = None
) -> Extremes:
    """The same :class:`Extremes` as :func:`dense_extremes`, from ``pieces`` covering ``first..last``."""
    check_pieces(pieces, first, last)
    result = Extremes()
    if last < first:
        return result
    rates = _Rates(schedule, resume)
    mark = None
    with np.errstate(all="ignore"):
        for item in _group(_expand(pieces, first, last), rates):
            if item is _MARK:
                mark = result.count
            elif isinstance(item, _Repeat):  # repeated values: nothing new, nothing earlier
                result.count += (result.count - mark) * item.times
            elif isinstance(item, _Samples):
                _samples_extremes(result, item)
            else:
                result.count += item[0].size
                blocks = _Blocks(item, rates)
                found = _alternating_extremes(blocks) if blocks.shape == ALTERNATING else _monotone_extremes(blocks)
                for kind, update, value in found:
                    _merge(result, kind, update, value)
    return result


def _merge(result: Extremes, kind: str, update: int, value) -> None:
    """Fold one candidate into ``result``; earlier candidates win ties, as in the dense pass."""
    if kind == "nan":
        result.first_nan = update if result.first_nan is None else result.first_nan
    elif kind == "inf":
        result.first_inf = update if result.first_inf is None else result.first_inf
    elif kind == "min":
        if result.min is None or value < result.min:
            result.min, result.argmin = float(value), update
    elif result.max is None or value > result.max:
        result.max, result.argmax = float(value), update


def _samples_extremes(result: Extremes, samples: _Samples) -> None:
    values, starts = samples.values, samples.starts
    result.count += int(samples.lengths().sum())
    nan = np.isnan(values)
    inf = np.isinf(values)
    if nan.any():
        _merge(result, "nan", int(starts[np.argmax(nan)]), None)
    if inf.any():
        _merge(result, "inf", int(starts[np.argmax(inf)]), None)
    finite = ~(nan | inf)
    if finite.any():
        k = int(np.argmin(np.where(finite, values, np.inf)))
        _merge(result, "min", int(starts[k]), values[k])
        k = int(np.argmax(np.where(finite, values, -np.inf)))
        _merge(result, "max", int(starts[k]), values[k])


def _monotone_extremes(blocks: _Blocks) -> Iterator[tuple[str, int, np.float32 | None]]:
    """Candidates ``(kind, update, rate)`` of a monotone piece."""
    # infinities sit at the ends: -inf first and +inf last when rising, the reverse when falling
    if np.isinf(blocks.value(blocks.first)):
        yield "inf", blocks.piece.start, None
    else:
        k = blocks.first_where((lambda v: v == np.inf) if blocks.up else (lambda v: v == -np.inf))
        if k <= blocks.last:
            yield "inf", int(blocks.start_of(k)), None
    early, late = (blocks.lowest(), blocks.highest()) if blocks.up else (blocks.highest(), blocks.lowest())
    if early is None or not np.isfinite(early[1]):
        return  # no finite rate: the blocks run from one infinity straight to the other
    # ``early`` is the first finite block, ``late`` the last one; an extreme's first update is the
    # first block comparing equal to it (the sign of a zero is that block's)
    k_late, late_value = late
    k_first = blocks.first_equal(k_late, early[0])
    yield ("min" if blocks.up else "max"), int(blocks.start_of(early[0])), early[1]
    yield ("max" if blocks.up else "min"), int(blocks.start_of(k_first)), blocks.value(k_first)


def _alternating_extremes(blocks: _Blocks) -> Iterator[tuple[str, int, np.float32]]:
    """Candidates of an alternating piece: the extremes of each sign (no tie across signs)."""
    for positive in (True, False):
        found = blocks.of_sign(positive)
        if found is not None:
            (k_min, smallest), (k_max, largest) = blocks.class_extremes(*found)
            yield "min", int(blocks.start_of(k_min)), smallest
            yield "max", int(blocks.start_of(k_max)), largest


# ----------------------------------------------------------------------------- the entry points


def profile(schedule: Schedule, first: int, last: int, warm: int, floor_fraction: float, rise_factor: float,
            resume: tuple[int, int] | None = None) -> RateProfile:
    """The rate profile of ``first..last``: by pieces when the schedule's arithmetic can cut it, else densely."""
    pieces = schedule.arithmetic.pieces(schedule, first, last, resume)
    if pieces is None:
        return dense_profile(schedule, first, last, warm, floor_fraction, rise_factor, resume)
    return piecewise_profile(schedule, pieces, first, last, warm, floor_fraction, rise_factor, resume)


def extremes(schedule: Schedule, first: int | None = None, last: int | None = None,
             resume: tuple[int, int] | None = None) -> Extremes:
    """Min, max, first NaN and first infinity of ``first..last`` (default: every update of a run)."""
    first = schedule.first_update if first is None else first
    last = schedule.last_update if last is None else last
    pieces = schedule.arithmetic.pieces(schedule, first, last, resume)
    if pieces is None:
        return dense_extremes(schedule, first, last, resume)
    return piecewise_extremes(schedule, pieces, first, last, resume)
