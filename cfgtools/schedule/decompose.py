"""Shapes both frameworks' schedules are made of, for their decompositions into pieces.

``cfgtools.darknet.pieces`` and ``cfgtools.caffe.pieces`` cut a schedule into
:class:`~cfgtools.schedule.analysis.Piece` objects; the formulas they share
(a rate times a power of a float32 quantity that is monotone in the update,
a geometric staircase) are cut here. Every claim of monotonicity rests on:

- proved: IEEE addition, subtraction, multiplication, division and the
  conversions between int, float and double are correctly rounded, hence
  monotone (``x <= y`` implies ``x op c <= y op c``, with ``c >= 0`` for
  products and quotients); so are the roundings of a double to float;
- assumed: the libm functions (double ``pow``, ``exp``, ``cos``; ``powf``,
  ``expf``) are monotone where the mathematical function is. A correctly
  rounded function is; numpy's vectorised ``exp``/``pow`` are not (they differ
  from glibc's by an ulp for a few percent of arguments). Why it holds in
  practice: the arguments are float32 values or integers, and two consecutive
  distinct ones move the exact result by far more than an ulp of double unless
  the function is nearly flat there, and then the final rounding to float32
  gives equal rates (a float32 step is 2^29 double ulps). The tests compare
  every piece with dense evaluation (corpus, fixtures, random schedules).

Where the rate can be NaN, the NaN updates of a monotone stretch are at one of
its ends (the arithmetic makes NaN only as ``0 * inf``, ``inf - inf`` or a
power of a NaN-free base at the end of the range), and are split off as a
constant piece by evaluating the rate, never assumed.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from cfgtools.schedule.analysis import Piece, alternating, constant, first_true, monotone, periodic
from cfgtools.schedule.evaluate import evaluate
from cfgtools.schedule.model import Schedule


def f32(x) -> np.ndarray:
    """Round doubles to float32, as C does when it stores a double in a float (overflowing to inf)."""
    with np.errstate(over="ignore"):
        return np.asarray(x, dtype=np.float64).astype(np.float32)


def sign(x: float) -> int:
    """-1, 0 or 1 (0 for zeros of either sign and for NaN)."""
    return (x > 0) - (x < 0)


def is_integer(x: float) -> bool:
    return math.isfinite(x) and x == math.floor(x)


def is_odd_integer(x: float) -> bool:
    """``pow(-a, x)`` is negative: an odd integer (floats beyond 2^53 are all even)."""
    return is_integer(x) and abs(x) < 2**53 and int(x) % 2 == 1


class Cutter:
    """Cuts stretches of one schedule into pieces, evaluating its rate where a boundary must be found."""

    def __init__(self, schedule: Schedule, resume: tuple[int, int] | None = None):
        self.schedule = schedule
        self.resume = resume

    def rates(self, updates) -> np.ndarray:
        return evaluate(self.schedule, np.asarray(updates, dtype=np.int64), resume=self.resume)

    def first_update(self, lo: int, hi: int, test: Callable[[np.ndarray], np.ndarray]) -> int:
        """The first update in ``lo..hi`` whose rate passes ``test`` (monotone), or ``hi + 1``."""
        return first_true(lo, hi, lambda updates: test(self.rates(updates)))

    # ------------------------------------------------------------------ NaN at the ends

    def split_nan(self, lo: int, hi: int, build: Callable[[int, int], list[Piece]]) -> list[Piece]:
        """``build(lo, hi)``, with NaN rates at either end split off as constant pieces.

        The caller knows that the NaN updates of ``lo..hi``, if any, are a prefix
        or a suffix (so NaN at both ends means NaN everywhere).
        """
        if lo > hi:
            return []
        at_lo, at_hi = np.isnan(self.rates([lo, hi]))
        if at_lo and at_hi:
            return [constant(lo, hi)]
        if at_lo:
            boundary = self.first_update(lo, hi, lambda v: ~np.isnan(v))
            return [constant(lo, boundary - 1)] + build(boundary, hi)
        if at_hi:
            boundary = self.first_update(lo, hi, np.isnan)
            return build(lo, boundary - 1) + [constant(boundary, hi)]
        return build(lo, hi)

    def monotone(self, lo: int, hi: int, direction: float, width: int = 1, origin: int = 0) -> list[Piece]:
        """A stretch whose non-NaN rates are monotone (``direction``) and whose NaN rates are at an end."""
        return self.split_nan(lo, hi, lambda a, b: [monotone(a, b, direction, width, origin)])

    # ------------------------------------------------------------------ rate * pow(base, exponent)

    def powers(
        self,
        lo: int,
        hi: int,
        base_of: Callable[[np.ndarray], np.ndarray],
        base_direction: int,
        exponent: float,
        lr: float,
    ) -> list[Piece]:
        """Rates ``lr * pow(base(u), exponent)`` (rounded to float32, through any monotone steps).

        ``base_of`` maps updates to the float32 base, NaN-free and monotone in the
        update with ``base_direction``. Darknet's burn-in and poly, Caffe's poly
        and inv have this form. The base is cut where its sign changes:

        - base > 0: ``pow`` is monotone in the base (rising for a positive
          exponent, falling for a negative one; NaN for a NaN exponent except at
          base 1, which is at an end of this stretch in every use);
        - base == 0: the base is the same zero throughout: constant;
        - base < 0 and finite: ``pow`` of a negative number is NaN for a
          non-integer exponent, else ``+-|base|^exponent`` (infinite exponents
          act as even integers);
        - base == -inf: one value throughout: constant.
        """
        if lo > hi:
            return []
        if exponent == 0 or math.isnan(lr) or base_direction == 0:
            # pow(x, 0) is 1 for every x, NaN included; a NaN rate stays NaN; a fixed base gives one value
            return [constant(lo, hi)]

        def boundary(test):
            return first_true(lo, hi, lambda updates: test(base_of(updates)))

        if base_direction > 0:  # -inf, negative, zero, positive
            cuts = [boundary(lambda x: x > -np.inf), boundary(lambda x: x >= 0), boundary(lambda x: x > 0)]
            stretches = [("minus_inf", lo, cuts[0] - 1), ("negative", cuts[0], cuts[1] - 1),
                         ("zero", cuts[1], cuts[2] - 1), ("positive", cuts[2], hi)]
        else:  # positive, zero, negative, -inf
            cuts = [boundary(lambda x: x <= 0), boundary(lambda x: x < 0), boundary(lambda x: x == -np.inf)]
            stretches = [("positive", lo, cuts[0] - 1), ("zero", cuts[0], cuts[1] - 1),
                         ("negative", cuts[1], cuts[2] - 1), ("minus_inf", cuts[2], hi)]
        growth = sign(exponent)  # of pow in |base|; 0 (NaN exponent): NaN except at base 1
        result: list[Piece] = []
        for name, a, b in stretches:
            if a > b:
                continue
            if name in ("zero", "minus_inf"):
                result.append(constant(a, b))
            elif name == "positive":
                result += self.monotone(a, b, base_direction * growth * sign(lr))
            elif not (is_integer(exponent) or math.isinf(exponent)):
                result.append(constant(a, b))  # pow(negative, non-integer) is NaN
            else:
                parity = -1 if is_odd_integer(exponent) else 1
                # |base| grows where the base falls
                result += self.monotone(a, b, -base_direction * growth * parity * sign(lr))
        return result

    # ------------------------------------------------------------------ lr * pow(gamma, +-k)

    def geometric(self, lo: int, hi: int, width: int, lr: float, gamma: float, exponent_sign: int) -> list[Piece]:
        """Rates ``(float)(lr * pow(gamma, exponent_sign * k))`` on blocks ``k = u // width``.

        darknet ``step``/``exp`` and Caffe ``step``/``exp`` (``width`` 1 for exp).
        With ``gamma >= +0`` (or +inf) the power is monotone in ``k``: one
        (staircase) piece however small ``width`` is, NaN split off at the end
        where ``lr`` is 0 or infinite. A negative ``gamma`` alternates the sign.
        """
        if lo > hi:
            return []
        if exponent_sign == 0 or gamma == 1 or math.isnan(lr):
            return [constant(lo, hi)]
        if not math.copysign(1.0, gamma) < 0:  # gamma >= +0, +inf or NaN
            # pow(NaN, 0) = 1 and NaN otherwise: block 0, then NaN (split off)
            growth = 0 if math.isnan(gamma) else (1 if gamma > 1 else -1)
            return self.monotone(lo, hi, growth * exponent_sign * sign(lr), width, 0)
        return self._alternating(lo, hi, width, lr, gamma)

    def _alternating(self, lo: int, hi: int, width: int, lr: float, gamma: float) -> list[Piece]:
        """``gamma <= -0``: the sign flips from block to block while the magnitude is monotone.

        ``gamma == -1`` repeats two values. Otherwise the magnitude reaches 0 or
        infinity (or the rate becomes NaN) and stays there; before that, one
        alternating piece. ``pow(gamma, n)`` has the sign of ``(-1)^n`` and
        ``|gamma|^n`` changes by at least a float32 step per block, far more than
        pow's error, so the blocks of one sign are monotone. Caffe rejects a
        negative gamma since 2017; darknet accepts a negative ``scale``.
        """

        def two_blocks(a: int, b: int) -> list[Piece]:
            origin = a // width * width
            return [periodic(a, b, origin, 2 * width, [constant(origin, origin + width - 1),
                                                        constant(origin + width, origin + 2 * width - 1)])]

        if gamma == -1:
            return two_blocks(lo, hi)
        saturated = self.first_update(lo, hi, lambda v: ~np.isfinite(v) | (v == 0))
        result = [alternating(lo, saturated - 1, width)] if saturated > lo else []
        # zeros of either sign compare equal (constant); infinities alternate (two blocks)
        result += self.split_nan(
            saturated, hi,
            lambda a, b: [constant(a, b)] if self.rates([a])[0] == 0 else two_blocks(a, b),
        )
        return result
