"""Caffe's ``SGDSolver<float>::GetLearningRate`` (src/caffe/solvers/sgd_solver.cpp), vectorised.

``rates(schedule, iterations)`` gives the float the solver computes at each
``iter_`` (the update with 0-based index ``k`` uses ``iter_ = k``). The types
follow the float instantiation that ``caffe train`` uses:

- ``base_lr``, ``gamma``, ``power`` are float; ``iter_``, ``stepsize``,
  ``stepvalue[]``, ``max_iter`` and ``current_step_`` are int;
- ``step``, ``exp`` and ``multistep`` call ``pow(float, int)``, which C++
  promotes to the double ``pow``: ``(float)(base_lr * pow(gamma, n))`` in double;
- ``inv``, ``poly`` and ``sigmoid`` are float arithmetic with ``powf``/``expf``
  (``(float)iter_ / (float)max_iter`` is a float division). ``powf``/``expf``
  are taken as the correctly rounded float of the double function, which is
  what glibc's implementations return (their error is below 0.52 ulp);
- ``step`` uses ``iter_ / stepsize`` in C integer division.

``multistep`` is stateful: at each iteration, ``if (current_step_ < n &&
iter_ >= stepvalue[current_step_]) current_step_++`` runs before the rate is
computed, so the index advances at most once per iteration and only the value at
the current index is compared. The advance times have a closed form: starting
from index ``c0`` at iteration ``i0``, index ``j`` is passed at
``t_j = max(stepvalue[j], t_{j-1} + 1)`` (``t_{c0} = max(stepvalue[c0], i0)``),
i.e. ``t_j - j`` is a running maximum; ``current_step(i)`` is ``c0`` plus the
number of ``t_j <= i``.

Resuming (reference: Solver::Restore) restores ``iter_`` and ``current_step_``
from the .solverstate and takes every other parameter from the (possibly
edited) solver; only multistep depends on the restored index. Pass
``resume=(iter0, current_step0)``; iterations before ``iter0`` are evaluated
with the index held at ``current_step0``.

numpy is imported inside the functions: reading a solver (``cfgtools show``)
builds schedules without evaluating them and must not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cfgtools.caffe.rate_source import rate_source
from cfgtools.schedule.model import Arithmetic, RateSource, Schedule

if TYPE_CHECKING:
    import numpy as np


def _f32(x) -> np.ndarray:
    import numpy as np  # lazy: see the module docstring

    return np.asarray(x, dtype=np.float64).astype(np.float32)


def _powf(base: np.ndarray, exponent) -> np.ndarray:
    """``powf`` of float32 arguments, correctly rounded."""
    import numpy as np  # lazy: see the module docstring

    return _f32(np.power(np.asarray(base, dtype=np.float64), np.float64(exponent)))


def double_pow_rate(base_lr: float, gamma: float, n: np.ndarray) -> np.ndarray:
    """``(float)((double)base_lr * pow((double)gamma, (double)n))``."""
    import numpy as np  # lazy: see the module docstring

    return _f32(np.float64(np.float32(base_lr)) * np.power(np.float64(np.float32(gamma)), n.astype(np.float64)))


def multistep_index(stepvalues, iterations: np.ndarray, resume: tuple[int, int] | None = None) -> np.ndarray:
    """``current_step_`` after the multistep check at each iteration (closed form of the stateful rule)."""
    import numpy as np  # lazy: see the module docstring

    i = np.asarray(iterations, dtype=np.int64)
    v = np.asarray(stepvalues, dtype=np.int64)
    i0, c0 = resume if resume is not None else (0, 0)
    if c0 >= len(v) or c0 < 0:
        # Caffe compares stepvalue[current_step_] only while current_step_ < size;
        # a negative restored index (only from a corrupt state) would read out of bounds
        return np.full(i.shape, c0, dtype=np.int64)
    rest = v[c0:]
    j = np.arange(len(rest), dtype=np.int64)
    u = rest - j
    u[0] = max(u[0], i0)
    times = np.maximum.accumulate(u) + j
    return c0 + np.searchsorted(times, i, side="right")


#: neutral schedule parameter -> the SolverParameter field that sets it
SETTING_KEYS = {"base_lr": "base_lr", "horizon": "max_iter", "max_iter": "max_iter", "power": "power",
                "gamma": "gamma", "step": "stepsize", "stepvalues": "stepvalue"}
#: (policy, parameter) -> the smallest value BVLC accepts: GetLearningRate CHECKs gamma >= 0 and
#: stepsize > 0 at the first update (src/caffe/solvers/sgd_solver.cpp, since commit c23b3563)
CHECKED_MINIMUMS = {("step", "step"): 1, ("step", "gamma"): 0.0, ("exp", "gamma"): 0.0, ("inv", "gamma"): 0.0,
                    ("multistep", "gamma"): 0.0, ("sigmoid", "gamma"): 0.0, ("sigmoid", "step"): 1}


class CaffeArithmetic(Arithmetic):
    """``SGDSolver<float>::GetLearningRate``; a checkpoint restores multistep's ``current_step_``."""

    first_update = 0  # update k (0-based) uses lr(k)
    iteration_name = "iter_"
    rate_function = "GetLearningRate()"
    # sigmoid: base_lr * 1/(1 + expf(-gamma * (iter - stepsize))): a positive gamma rises
    sigmoid_sign = -1

    def rates(self, schedule: Schedule, iterations: Any, resume: tuple[int, Any] | None = None) -> np.ndarray:
        return rates(schedule, iterations, resume=resume)

    def python_source(self, schedule: Schedule) -> RateSource:
        return rate_source(schedule)

    def state_after(self, schedule: Schedule, updates: int) -> int:
        """``current_step_`` saved in a .solverstate after ``updates`` updates (what resume restores)."""
        return restored_step(schedule, updates)

    def pieces(self, schedule: Schedule, first: int, last: int, resume: tuple[int, Any] | None = None) -> Any:
        from cfgtools.caffe import pieces  # lazy: it imports numpy, which reading a solver does not need

        return pieces.pieces(schedule, first, last, resume)

    def setting_key(self, schedule: Schedule, parameter: str) -> str:
        return SETTING_KEYS.get(parameter, parameter)

    def lowest(self, schedule: Schedule, parameter: str) -> float | None:
        return CHECKED_MINIMUMS.get((schedule.policy.kind, parameter))


#: the arithmetic every Caffe schedule carries
ARITHMETIC = CaffeArithmetic()


def restored_step(schedule: Schedule, updates: int) -> int:
    """Caffe's ``current_step_`` after ``updates`` updates under ``schedule``.

    ``step`` recomputes and saves ``iter / stepsize`` at each update, multistep
    advances its index; the other policies leave it at 0.
    """
    import numpy as np  # lazy: see the module docstring

    policy = schedule.policy
    if updates < 1:
        return 0
    if policy.kind == "step":
        return (updates - 1) // policy.step
    if policy.kind != "multistep":
        return 0
    return int(multistep_index(policy.stepvalues, np.asarray([updates - 1]))[0])


def rates(schedule: Schedule, iterations, resume: tuple[int, int] | None = None) -> np.ndarray:
    """``GetLearningRate()`` at each ``iter_`` in ``iterations`` (float32 array).

    ``resume=(iter0, current_step0)`` evaluates a run restored from a snapshot
    taken at ``iter0`` (only multistep uses the restored index).
    """
    import numpy as np  # lazy: see the module docstring

    with np.errstate(all="ignore"):
        return _rates(schedule, np.asarray(iterations, dtype=np.int64), resume)


def _rates(schedule: Schedule, i: np.ndarray, resume: tuple[int, int] | None) -> np.ndarray:
    import numpy as np  # lazy: see the module docstring

    p = schedule.policy
    base_lr = np.float32(schedule.base_lr)
    kind = p.kind
    if kind == "constant":  # lr_policy "fixed"
        return np.full(i.shape, base_lr, dtype=np.float32)
    if kind == "step":
        if p.step == 0:
            raise ZeroDivisionError("Caffe divides by stepsize=0")
        n = np.sign(i) * np.sign(p.step) * (np.abs(i) // abs(p.step))  # C truncation
        return double_pow_rate(base_lr, p.gamma, n)
    if kind == "exp":
        return double_pow_rate(base_lr, p.gamma, i)
    if kind == "multistep":
        return double_pow_rate(base_lr, p.gamma, multistep_index(p.stepvalues, i, resume))
    if kind == "inv":
        x = _f32(1.0 + _f32(np.float64(np.float32(p.gamma)) * _f32(i).astype(np.float64)).astype(np.float64))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return _f32(np.float64(base_lr) * _powf(x, -np.float32(p.power)).astype(np.float64))
    if kind == "poly":
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio = _f32(_f32(i).astype(np.float64) / np.float64(np.float32(p.max_iter)))
            x = _f32(1.0 - ratio.astype(np.float64))
            return _f32(np.float64(base_lr) * _powf(x, np.float32(p.power)).astype(np.float64))
    if kind == "sigmoid":
        t = _f32(_f32(i).astype(np.float64) - np.float64(np.float32(p.step)))
        u = _f32(-np.float64(np.float32(p.gamma)) * t.astype(np.float64))
        with np.errstate(over="ignore"):
            e = _f32(np.exp(u.astype(np.float64)))
        d = _f32(1.0 + e.astype(np.float64))
        q = _f32(1.0 / d.astype(np.float64))
        return _f32(np.float64(base_lr) * q.astype(np.float64))
    raise ValueError(f"Caffe has no lr_policy for {kind!r}")
