"""Caffe's ``SGDSolver<float>::GetLearningRate`` (src/caffe/solvers/sgd_solver.cpp) cut into pieces.

``pieces(schedule, first, last, resume=None)`` covers iterations
``first..last`` with :class:`~cfgtools.schedule.analysis.Piece` objects for
``cfgtools.schedule.analysis.piecewise_profile``. The arithmetic is the one
``cfgtools.caffe.rate`` evaluates (reference: caffe.md section 2):

- ``fixed``: one piece;
- ``step``: ``base_lr * pow(gamma, iter / stepsize)`` (double pow, integer
  division): a geometric staircase with blocks of ``stepsize`` iterations, one
  piece however small the step size;
- ``exp``: ``base_lr * pow(gamma, iter)``: a geometric staircase of width 1,
  through float32 denormals to exactly 0 for gamma < 1 (iteration 147 for
  gamma 0.5), to infinity for gamma > 1;
- ``multistep``: ``base_lr * pow(gamma, current_step_)`` where the index
  advances by at most one per iteration, comparing ``stepvalue[current_step_]``
  only. Starting from index ``c0`` at iteration ``i0`` (a restored
  ``.solverstate``, or 0 and 0), index ``j`` is passed at ``t_j =
  max(stepvalue[j], t_{j-1} + 1)`` with ``t_{c0} = max(stepvalue[c0], i0)``:
  one constant piece between consecutive ``t_j``;
- ``inv``: ``base_lr * powf(1 + gamma * (float)iter, -power)`` (float): a power
  of a float32 base monotone in the iteration (falling to 0 and below for a
  negative gamma; one value for gamma 0);
- ``poly``: ``base_lr * powf(1 - (float)iter / (float)max_iter, power)``: a
  power of a falling float32 base (0 at ``max_iter``, negative after it: NaN for
  a non-integer power); ``max_iter`` 0 gives NaN at iteration 0;
- ``sigmoid``: ``base_lr / (1 + expf(-gamma * ((float)iter - (float)stepsize)))``
  is monotone on each side of the iterations whose float equals
  ``(float)stepsize`` (several when stepsize > 2^24), cut there: an infinite
  gamma gives NaN at ``t == 0`` only.
"""

from __future__ import annotations

import math

import numpy as np

from cfgtools.schedule.analysis import Piece, constant, first_true
from cfgtools.schedule.decompose import Cutter, f32, sign
from cfgtools.schedule.model import Schedule


def pieces(
    schedule: Schedule, first: int, last: int, resume: tuple[int, int] | None = None
) -> list[Piece]:
    """Pieces covering iterations ``first..last`` (``first >= 0``).

    ``resume=(iter0, current_step0)``: a run restored from a snapshot (only
    multistep depends on it), as in ``cfgtools.schedule.evaluate.evaluate``.
    Raises ZeroDivisionError for ``step`` with stepsize 0, as the rate function does.
    """
    if schedule.framework != "caffe":
        raise ValueError(f"not a Caffe schedule: {schedule.framework}")
    if last < first:
        return []
    if first < 0:
        raise ValueError(f"Caffe iterations are not negative: {first}")
    cutter = Cutter(schedule, resume)
    p = schedule.policy
    lr = float(np.float32(schedule.base_lr))
    kind = p.kind
    if kind == "constant":
        return [constant(first, last)]
    if kind == "step":
        if p.step == 0:
            raise ZeroDivisionError("Caffe divides by stepsize=0")
        # iter / stepsize truncates toward zero; iter >= 0: sign(stepsize) * (iter // |stepsize|)
        return cutter.geometric(first, last, abs(p.step), lr, float(np.float32(p.gamma)), sign(p.step))
    if kind == "exp":
        return cutter.geometric(first, last, 1, lr, float(np.float32(p.gamma)), 1)
    if kind == "multistep":
        return _multistep_pieces(p.stepvalues, resume, first, last)
    if kind == "inv":
        return _inv_pieces(cutter, float(np.float32(p.gamma)), float(np.float32(p.power)), lr, first, last)
    if kind == "poly":
        return _poly_pieces(cutter, p.max_iter, float(np.float32(p.power)), lr, first, last)
    if kind == "sigmoid":
        return _sigmoid_pieces(cutter, p.step, float(np.float32(p.gamma)), lr, first, last)
    raise ValueError(f"Caffe has no lr_policy for {kind!r}")


def advance_times(stepvalues: list[int], resume: tuple[int, int] | None) -> list[int]:
    """The iterations at which ``current_step_`` is incremented (closed form of the stateful check).

    ``t_j - j`` is a running maximum of ``stepvalue[j] - j`` (the index moves at
    most once per iteration); a restored index outside ``0..len-1`` never moves
    (Caffe stops comparing at the end; a negative one comes only from a corrupt
    state).
    """
    i0, c0 = resume if resume is not None else (0, 0)
    if c0 < 0 or c0 >= len(stepvalues):
        return []
    times = []
    latest = -math.inf
    for j, value in enumerate(stepvalues[c0:]):
        earliest = max(value, i0) if j == 0 else value
        latest = max(latest + 1, earliest)
        times.append(int(latest))
    return times


def _multistep_pieces(stepvalues: list[int], resume: tuple[int, int] | None, lo: int, hi: int) -> list[Piece]:
    cuts = [t for t in advance_times(stepvalues, resume) if lo < t <= hi]
    bounds = [lo] + cuts + [hi + 1]
    return [constant(a, b - 1) for a, b in zip(bounds, bounds[1:])]


def _inv_pieces(cutter: Cutter, gamma: float, power: float, lr: float, lo: int, hi: int) -> list[Piece]:
    if not math.isfinite(gamma):
        # gamma * 0 is NaN at iteration 0; after it the base is one infinity (or NaN for a NaN gamma)
        return [constant(a, b) for a, b in ((lo, min(hi, 0)), (max(lo, 1), hi)) if a <= b]
    gamma64 = np.float64(gamma)

    def base(i: np.ndarray) -> np.ndarray:
        # 1.0f + gamma * (float)iter in float: correctly rounded steps, monotone in iter
        return f32(1.0 + f32(gamma64 * f32(i).astype(np.float64)).astype(np.float64))

    return cutter.powers(lo, hi, base, sign(gamma), -power, lr)


def _poly_pieces(cutter: Cutter, max_iter: int, power: float, lr: float, lo: int, hi: int) -> list[Piece]:
    if max_iter == 0:
        # (float)iter / 0: NaN at iteration 0 (0/0), +inf after, so the base is -inf: one value
        return [constant(a, b) for a, b in ((lo, min(hi, 0)), (max(lo, 1), hi)) if a <= b]
    denominator = np.float64(np.float32(max_iter))

    def base(i: np.ndarray) -> np.ndarray:
        # 1.0f - (float)iter / (float)max_iter in float: correctly rounded steps, falling with iter
        ratio = f32(f32(i).astype(np.float64) / denominator)
        return f32(1.0 - ratio.astype(np.float64))

    return cutter.powers(lo, hi, base, -sign(max_iter), power, lr)


def _sigmoid_pieces(cutter: Cutter, stepsize: int, gamma: float, lr: float, lo: int, hi: int) -> list[Piece]:
    center = np.float32(stepsize)
    # the iterations whose float is below, equal to, above (float)stepsize ((float)iter is monotone)
    equal_from = first_true(lo, hi, lambda i: f32(i) >= center)
    above_from = first_true(lo, hi, lambda i: f32(i) > center)
    # t = (float)iter - (float)stepsize and -gamma * t are correctly rounded, so monotone; expf
    # (assumed monotone, see cfgtools.schedule.decompose), 1 + e and 1 / d too: the rate rises
    # with iter for gamma > 0
    direction = sign(gamma) * sign(lr)
    result: list[Piece] = []
    for a, b in ((lo, equal_from - 1), (equal_from, above_from - 1), (above_from, hi)):
        result += cutter.monotone(a, b, direction)
    return result
