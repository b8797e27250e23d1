"""darknet's ``get_current_rate`` (src/network.c) cut into pieces of known shape.

``pieces(schedule, first, last)`` covers batch numbers ``first..last`` with
:class:`~cfgtools.schedule.analysis.Piece` objects for
``cfgtools.schedule.analysis.piecewise_profile``. The arithmetic is the one
``cfgtools.darknet.rate`` evaluates (reference: darknet.md section c), for the
AlexeyAB and the pjreddie fork:

- burn-in first, ``lr * pow((float)b / burn_in, power)`` while ``b < burn_in``:
  a power of a float32 quotient monotone in ``b``. In pjreddie a negative
  ``burn_in`` is a huge unsigned number: burn-in never ends, with a negative
  quotient (NaN for a non-integer power);
- ``constant``: one piece;
- ``step``: ``lr * pow(scale, b / step)``, a geometric staircase with blocks of
  ``|step|`` batches: one piece however small the step (pjreddie: a negative
  step is a huge unsigned divisor, so the exponent stays 0);
- ``steps``: the rate changes only where the walk in file order, which stops
  at the first step still in the future, passes a step: at the running maximum
  of the steps (pjreddie: a negative step never fires and blocks every later
  one). One constant piece per distinct firing point, whatever the scales
  (0, > 1, negative);
- ``exp``: ``lr * pow(gamma, b)``, a geometric staircase of width 1 (through
  float32 denormals to 0 for gamma < 1, to infinity for gamma > 1);
- ``poly``: ``lr * pow(1 - (float)b / max_batches, power)``: a power of a
  float32 base falling with ``b`` (zero at ``max_batches``, negative past it);
  ``max_batches`` 0 gives NaN at ``b = 0`` and one value after;
- ``sigmoid``: ``lr / (1 + exp(gamma * (b - step)))`` is monotone on each side
  of ``b = step`` (cut there: an infinite gamma gives NaN at ``b = step``
  only). pjreddie computes ``b - step`` in size_t: below the step it wraps to
  about 2^64, one value (0 for a positive gamma);
- ``sgdr`` (AlexeyAB): cosine cycles ``[0, c]``, ``(c, c + c*m]``, ... each
  monotone (falling from ``lr`` to ``learning_rate_min``, or rising when the
  minimum is above the rate). With ``sgdr_mult`` 1 every cycle after the first
  batch repeats ``1..c`` exactly (the phase depends on ``b - start`` only):
  one periodic piece, not ``max_batches / c`` pieces;
- ``random``: no shape (``rand()``): ``pieces`` returns None.
"""

from __future__ import annotations

import numpy as np

from cfgtools.darknet.refusals import no_sgdr_in_pjreddie, sgdr_never_ends
from cfgtools.schedule.analysis import Piece, constant, periodic
from cfgtools.schedule.decompose import Cutter, f32, sign
from cfgtools.schedule.model import Schedule


def pieces(schedule: Schedule, first: int, last: int) -> list[Piece] | None:
    """Pieces covering batch numbers ``first..last`` (``first >= 0``); None for ``policy=random``.

    Raises what ``cfgtools.darknet.rate.rates`` raises for schedules darknet
    cannot run (``step=0``; ``sgdr`` in pjreddie; an SGDR loop that never ends).
    """
    if schedule.framework != "darknet":
        raise ValueError(f"not a darknet schedule: {schedule.framework}")
    if schedule.is_random:
        return None
    if last < first:
        return []
    if first < 0:
        raise ValueError(f"darknet batch numbers are not negative: {first}")
    cutter = Cutter(schedule)
    with np.errstate(over="ignore"):  # learning_rate * ngpus stored in a float may overflow to inf
        lr = float(np.float32(np.float32(schedule.base_lr) * np.float32(schedule.gpus)))
    result: list[Piece] = []
    policy_from = first
    burn = schedule.burn_in
    if burn is not None and burn.iterations != 0:
        n = burn.iterations
        if n > 0:
            burn_end = min(last, n - 1)
            policy_from = max(first, n)
        elif schedule.dialect == "pjreddie":  # b < (size_t)burn_in: always
            burn_end = last
            policy_from = last + 1
        else:  # AlexeyAB: b < burn_in never holds for a negative burn_in
            burn_end = first - 1
        if first <= burn_end:
            n_float = np.float64(np.float32(n))

            def quotient(b: np.ndarray) -> np.ndarray:
                # (float)b / burn_in in float: a conversion and a division, both correctly
                # rounded, so monotone in b (rising for a positive burn_in)
                return f32(f32(b).astype(np.float64) / n_float)

            result += cutter.powers(first, burn_end, quotient, sign(n), float(burn.power), lr)
    if policy_from <= last:
        result += _policy_pieces(cutter, schedule, policy_from, last, lr)
    return result


def _policy_pieces(cutter: Cutter, schedule: Schedule, lo: int, hi: int, lr: float) -> list[Piece]:
    p = schedule.policy
    pjreddie = schedule.dialect == "pjreddie"
    kind = p.kind
    if kind == "constant":
        return [constant(lo, hi)]
    if kind == "step":
        if p.step == 0:
            raise ZeroDivisionError("darknet divides by step=0 (SIGFPE)")
        if pjreddie and p.step < 0:  # b / (size_t)step: the exponent is 0
            return [constant(lo, hi)]
        # exponent b / step (C division truncates; b >= 0): sign(step) * (b // |step|)
        return cutter.geometric(lo, hi, abs(p.step), lr, float(np.float32(p.gamma)), sign(p.step))
    if kind == "steps":
        return _steps_pieces(p.steps, pjreddie, lo, hi)
    if kind == "exp":
        return cutter.geometric(lo, hi, 1, lr, float(np.float32(p.gamma)), 1)
    if kind == "poly":
        return _poly_pieces(cutter, p.max_iter, float(np.float32(p.power)), lr, lo, hi)
    if kind == "sigmoid":
        return _sigmoid_pieces(cutter, p.step, float(np.float32(p.gamma)), pjreddie, lr, lo, hi)
    if kind == "sgdr":
        if pjreddie:
            raise no_sgdr_in_pjreddie()
        return _sgdr_pieces(cutter, p.cycle, p.mult, float(np.float32(p.lr_min)), lr, lo, hi)
    raise ValueError(f"darknet has no policy {kind!r}")


def _steps_pieces(steps: list[int], pjreddie: bool, lo: int, hi: int) -> list[Piece]:
    """Constant pieces between the batches where the walk over ``steps`` passes one more step."""
    fires = []
    reached = -np.inf
    for step in steps:
        if pjreddie and step < 0:  # (size_t)step: never <= b, and the walk stops there
            break
        reached = max(reached, step)  # step j fires once every step before it has
        fires.append(reached)
    cuts = sorted({int(b) for b in fires if lo < b <= hi})
    bounds = [lo] + cuts + [hi + 1]
    return [constant(a, b - 1) for a, b in zip(bounds, bounds[1:])]


def _poly_pieces(cutter: Cutter, max_batches: int, power: float, lr: float, lo: int, hi: int) -> list[Piece]:
    if max_batches == 0:
        # (float)b / 0: NaN at b = 0 (0/0), +inf after, so the base is -inf: one value
        return [constant(a, b) for a, b in ((lo, min(hi, 0)), (max(lo, 1), hi)) if a <= b]
    denominator = np.float64(np.float32(max_batches))

    def base(b: np.ndarray) -> np.ndarray:
        # 1 - (float)b / max_batches in float: correctly rounded steps, falling with b
        ratio = f32(f32(b).astype(np.float64) / denominator)
        return f32(1.0 - ratio.astype(np.float64))

    return cutter.powers(lo, hi, base, -sign(max_batches), power, lr)


def _sigmoid_pieces(cutter: Cutter, step: int, gamma: float, pjreddie: bool, lr: float, lo: int,
                    hi: int) -> list[Piece]:
    # (float)(b - step), gamma times it rounded to float, 1 + exp(.) and 1 / (.) are monotone
    # (exp assumed, see cfgtools.schedule.decompose): 1 / (1 + exp(gamma (b - step))) falls with b
    # for gamma > 0
    direction = -sign(gamma) * sign(lr)
    result: list[Piece] = []
    if pjreddie and step > 0 and lo < step:
        # size_t b - step wraps to 2^64 - (step - b), which rounds to the same float for every b < step
        result.append(constant(lo, min(hi, step - 1)))
        lo = step
    for a, b in ((lo, min(hi, step - 1)), (max(lo, step), min(hi, step)), (max(lo, step + 1), hi)):
        result += cutter.monotone(a, b, direction)
    return result


def _sgdr_pieces(cutter: Cutter, cycle: int, mult: int, lr_min: float, lr: float, lo: int,
                 hi: int) -> list[Piece]:
    """Cycles ``[0, c]``, ``(c, c + c*m]``, ...: ``lr_min + (lr - lr_min)/2 * (1 + cos(pi (b - start) / span))``.

    The phase grows with ``b`` inside a cycle (``(float)(b - start)`` times
    constants, correctly rounded) and stays below pi (3.14159265 < pi), where
    cos falls (cos assumed monotone, see cfgtools.schedule.decompose), so a
    cycle is monotone: falling when ``lr - lr_min`` (a float) is positive.
    """
    amplitude = float(np.float32(np.float32(lr) - np.float32(lr_min)))
    direction = -sign(amplitude)
    if cycle <= 0 or mult <= 0:
        if hi > max(cycle, 0):
            raise sgdr_never_ends(cycle, mult)
        return cutter.monotone(lo, hi, direction)  # batches 0..cycle: the first cycle only
    if mult == 1:
        # batch b >= 1 has phase ((b - 1) % cycle + 1) * pi / cycle: period ``cycle`` from batch 1 on.
        # The period is cut where it is first whole inside lo..hi or after it, never in burn-in.
        result = cutter.monotone(lo, min(hi, 0), direction)
        lo = max(lo, 1)
        if lo <= hi:
            origin = 1 + -(-(lo - 1) // cycle) * cycle
            inner = cutter.monotone(origin, origin + cycle - 1, direction)
            result.append(periodic(lo, hi, origin, cycle, inner))
        return result
    result = []
    start, span = 0, cycle
    cycle_first = 0
    while cycle_first <= hi:
        cycle_last = start + span
        a, b = max(lo, cycle_first), min(hi, cycle_last)
        result += cutter.monotone(a, b, direction)
        start, cycle_first, span = cycle_last, cycle_last + 1, span * mult
    return result
