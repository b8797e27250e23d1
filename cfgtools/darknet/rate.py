"""darknet's ``get_current_rate`` (src/network.c), vectorised over batch numbers.

``rates(schedule, b)`` gives, for every batch number ``b`` (``get_current_batch``),
the float the function returns, for the AlexeyAB, pjreddie or hank-ai fork
(``schedule.dialect``). The C type rules are followed exactly:

- parameters are C ``float`` (``learning_rate``, ``scale``, ``scales[]``,
  ``gamma``, ``power``, ``learning_rate_min``) or ``int`` (``step``,
  ``steps[]``, ``burn_in``, ``max_batches``, ``sgdr_*``); the rate is
  ``learning_rate * ngpus`` stored in a float (the multiplier applies to
  everything, burn-in included; ``learning_rate_min`` is not multiplied);
- ``pow``/``exp``/``cos`` are the double libm functions; products with them
  are double; the returned value is rounded to float;
- ``(float)b / burn_in`` and ``1 - (float)b / max_batches`` are float
  arithmetic; ``b / step`` is integer division; the ``steps`` product is
  accumulated in a float;
- the batch number is ``int`` in AlexeyAB and ``size_t`` in pjreddie: there an
  int parameter compared with or subtracted from it is converted to an
  unsigned 64-bit number first (a negative step never fires and blocks every
  later one; ``b - step`` wraps for ``b < step`` in ``sigmoid``, so the rate is
  exactly 0 there when gamma > 0; a negative ``burn_in`` never ends).

Burn-in comes first for every policy: ``lr * pow((float)b / burn_in, power)``
while ``b < burn_in`` (``b = 0`` gives 0).

hank-ai (``get_current_rate``, src-lib/darknet_network.cpp) has AlexeyAB's text
compiled as C++, where ``pow(float, float)`` and ``exp(float)`` are the float
overloads: burn-in and ``poly`` are ``lr * powf(x, power)`` with every step in
float, ``sigmoid`` takes ``expf`` of the float exponent (the rest of it stays
double), ``random`` is ``lr * powf(u, power)``, and SGDR uses ``M_PI``.
``pow(float, int)`` is still the double ``pow`` (C++11 promotes it), so
``step``, ``exp``, ``steps`` and ``constant`` are AlexeyAB's to the bit. Where
the arithmetic differs the result differs from AlexeyAB's by at most 1 ulp.
hank-ai builds with ``-Ofast``; fused multiply-adds the compiler may form are
not modelled (the reference found hank-ai's traced rates to be this float
arithmetic, and 1 ulp from AlexeyAB's, on every policy).

``random`` is ``lr * pow(rand_uniform(0, 1), power)`` with libc ``rand()`` in
darknet, so it cannot be reproduced; here the uniform draw for batch ``b`` is
a fixed function of ``(seed, b)`` (float32 in [0, 1]), so any chunk of
batches gives the same values.

numpy is imported inside the functions: reading a cfg (``cfgtools show``)
builds schedules without evaluating them and must not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cfgtools.darknet import M_PI, SGDR_PI, SYNC_INTERVAL, in_alexeyab_family
from cfgtools.darknet.rate_source import rate_source
from cfgtools.darknet.refusals import no_sgdr_in_pjreddie, sgdr_never_ends
from cfgtools.schedule.model import Arithmetic, RateSource, Schedule, ScheduleError

if TYPE_CHECKING:
    import numpy as np

_U64 = 2**64


def _f32(x) -> np.ndarray:
    import numpy as np  # lazy: see the module docstring

    return np.asarray(x, dtype=np.float64).astype(np.float32)


def _unsigned(value: int) -> int:
    """An int converted to size_t (pjreddie's comparisons with the batch number)."""
    return value % _U64


def _uniform(seed: int, b: np.ndarray) -> np.ndarray:
    """A float32 in [0, 1] for each batch number: splitmix64 of (seed, b)."""
    import numpy as np  # lazy: see the module docstring

    with np.errstate(over="ignore"):
        z = b.astype(np.uint64) + np.uint64((seed * 0x9E3779B97F4A7C15) % _U64)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    # darknet: (float)rand() / RAND_MAX, RAND_MAX = 2^31 - 1
    r = (z >> np.uint64(33)).astype(np.float64)
    return _f32(_f32(r) / np.float32(2**31 - 1))


def _powf(base: np.ndarray, exponent) -> np.ndarray:
    """C++ ``pow(float, float)``: ``powf``, taken as the correctly rounded float of the double pow."""
    import numpy as np  # lazy: see the module docstring

    return _f32(np.power(np.asarray(base, dtype=np.float32).astype(np.float64), np.float64(np.float32(exponent))))


def _times(lr: np.float32, x: np.ndarray) -> np.ndarray:
    """``lr * x`` of two floats, in float (their double product is exact, so rounding it once is the float product)."""
    import numpy as np  # lazy: see the module docstring

    return _f32(np.float64(lr) * np.asarray(x, dtype=np.float32).astype(np.float64))


def _policy(schedule: Schedule, b: np.ndarray, lr: np.float32) -> np.ndarray:
    """The policy part of get_current_rate (after burn-in), as float32."""
    import numpy as np  # lazy: see the module docstring

    p = schedule.policy
    pj = schedule.dialect == "pjreddie"
    hank = schedule.dialect == "hankai"
    lr64 = np.float64(lr)
    kind = p.kind
    if kind == "constant":
        return np.full(b.shape, lr, dtype=np.float32)
    if kind == "step":
        step = p.step
        if step == 0:
            raise ZeroDivisionError("darknet divides by step=0 (SIGFPE)")
        if pj and step < 0:  # b / (size_t)step: the divisor is huge
            exponent = np.zeros_like(b)
        else:  # C int division truncates toward zero
            exponent = np.sign(b) * np.sign(step) * (np.abs(b) // abs(step))
        return _f32(lr64 * np.power(np.float64(p.gamma), exponent.astype(np.float64)))
    if kind == "steps":
        steps = np.asarray(p.steps, dtype=np.float64)
        if pj:  # int compared with size_t: a negative step is a huge unsigned number
            steps = np.where(steps < 0, np.inf, steps)
        # the loop stops at the first step still in the future: step i is reached
        # only when every step before it is <= b too
        reached = np.maximum.accumulate(steps) if len(steps) else steps
        products = [lr]
        for scale in p.scales[: len(p.steps)]:
            products.append(np.float32(products[-1] * np.float32(scale)))
        table = np.asarray(products, dtype=np.float32)
        return table[np.searchsorted(reached, b, side="right")]
    if kind == "exp":
        return _f32(lr64 * np.power(np.float64(p.gamma), b.astype(np.float64)))
    if kind == "poly":
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = _f32(_f32(b).astype(np.float64) / np.float64(np.float32(p.max_iter)))
            base = _f32(1.0 - ratio.astype(np.float64))
            if hank:
                return _times(lr, _powf(base, p.power))
            return _f32(lr64 * np.power(base.astype(np.float64), np.float64(p.power)))
    if kind == "sigmoid":
        diff = _f32(b - p.step)
        if pj and p.step > 0:  # size_t - int wraps around below the step: 2^64 - (step - b)
            wrapped = _f32(np.float64(_U64) - (p.step - b).astype(np.float64))
            diff = np.where(b < p.step, wrapped, diff)
        with np.errstate(over="ignore"):
            x = _f32(np.float64(np.float32(p.gamma)) * diff.astype(np.float64))
            e = np.exp(x.astype(np.float64))
            if hank:  # expf: the exponential is rounded to float before 1. + it (double)
                e = _f32(e).astype(np.float64)
            return _f32(lr64 * (1.0 / (1.0 + e)))
    if kind == "random":
        u = _uniform(p.seed, b)
        if hank:
            return _times(lr, _powf(u, p.power))
        return _f32(lr64 * np.power(u.astype(np.float64), np.float64(p.power)))
    if kind == "sgdr":
        if pj:
            raise no_sgdr_in_pjreddie()
        if p.mult == 1 and p.cycle > 0:  # equal cycles: (k*cycle, (k+1)*cycle] for k = ceil(b/cycle) - 1
            s, c = np.maximum(0, (b - 1) // p.cycle) * p.cycle, p.cycle
        else:
            start, span = _sgdr_cycles(p.cycle, p.mult, int(b.max()) if b.size else 0)
            k = np.searchsorted(start + span, b, side="left")
            s, c = start[k], span[k]
        phase = _f32(b - s).astype(np.float64) * (M_PI if hank else SGDR_PI) / c
        amplitude = np.float64(np.float32(lr - np.float32(p.lr_min)))
        return _f32(np.float64(np.float32(p.lr_min)) + 0.5 * amplitude * (1.0 + np.cos(phase)))
    raise ValueError(f"darknet has no policy {kind!r}")


def _sgdr_cycles(cycle: int, mult: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Cycle starts and lengths until a cycle ends at or after batch ``last``."""
    import numpy as np  # lazy: see the module docstring

    if cycle <= 0 or mult <= 0:
        if last > max(cycle, 0):
            raise sgdr_never_ends(cycle, mult)
        return np.zeros(1, dtype=np.int64), np.full(1, max(cycle, 1), dtype=np.int64)
    starts, spans = [0], [cycle]  # mult >= 2: the cycles double at least, so there are few
    while starts[-1] + spans[-1] < last:
        starts.append(starts[-1] + spans[-1])
        spans.append(spans[-1] * mult)
    return np.asarray(starts, dtype=np.int64), np.asarray(spans, dtype=np.int64)


#: neutral schedule parameter -> the [net] key parse_net_options reads it from (src/parser.c); burn-in's
#: exponent is the same ``power`` poly and random read, so editing one edits the others
SETTING_KEYS = {"base_lr": "learning_rate", "horizon": "max_batches", "max_iter": "max_batches", "power": "power",
                "burn_in_power": "power", "burn_in": "burn_in", "gamma": "gamma", "step": "step", "steps": "steps",
                "scales": "scales", "lr_min": "learning_rate_min", "cycle": "sgdr_cycle", "mult": "sgdr_mult"}


class DarknetArithmetic(Arithmetic):
    """darknet's ``get_current_rate`` of the schedule's fork (``schedule.dialect``)."""

    first_update = 1  # update k (1-based) uses rate(k)
    iteration_name = "batch number"
    rate_function = "get_current_rate()"
    # train_detector / train_classifier multiply learning_rate by ngpus right after loading
    gpu_multiplier = True
    # get_current_rate: lr * 1/(1 + exp(gamma*(b - step))): a positive gamma decays
    sigmoid_sign = 1

    def rates(self, schedule: Schedule, iterations: Any, resume: tuple[int, Any] | None = None) -> np.ndarray:
        # darknet restores nothing but the iteration: a resumed run evaluates the same formula
        try:
            return rates(schedule, iterations)
        except ScheduleError as exc:  # a rate darknet never computes: one line for the file
            raise _located(exc, schedule) from None

    def pieces(self, schedule: Schedule, first: int, last: int, resume: tuple[int, Any] | None = None) -> Any:
        from cfgtools.darknet import pieces  # lazy: it imports numpy, which reading a cfg does not need

        try:
            return pieces.pieces(schedule, first, last)
        except ScheduleError as exc:
            raise _located(exc, schedule) from None

    def python_source(self, schedule: Schedule) -> RateSource | None:
        return rate_source(schedule)

    def gpu_sync_interval(self, schedule: Schedule) -> int:
        # AlexeyAB and hank-ai: train_detector calls train_networks(nets, ngpus, train, 4), whose sync_nets
        # adds 4 * (ngpus - 1) batches to seen every 4 iterations (src/network_kernels.cu; hank-ai's
        # src-lib/network_kernels.cu sync_nets); pjreddie's counter steps by 1 per GPU
        return SYNC_INTERVAL if in_alexeyab_family(schedule.dialect) else 0

    def unsigned_iterations(self, schedule: Schedule) -> bool:
        # get_current_batch returns size_t in pjreddie, int in AlexeyAB (src/network.c)
        return schedule.dialect == "pjreddie"

    def setting_key(self, schedule: Schedule, parameter: str) -> str:
        if parameter == "gamma" and schedule.policy.kind == "step":
            return "scale"  # policy=step reads its factor from scale= (parse_net_options)
        return SETTING_KEYS.get(parameter, parameter)


#: the arithmetic every darknet schedule carries
ARITHMETIC = DarknetArithmetic()


def _located(exc: ScheduleError, schedule: Schedule) -> ScheduleError:
    """A rate darknet never computes (an SGDR loop that never ends past the run, pjreddie's missing sgdr) asked
    for anyway, e.g. past the end of a run: the error, in the schedule's file."""
    return ScheduleError(exc.message, exc.path or schedule.source or None, exc.line, exc.column)


def rates(schedule: Schedule, iterations) -> np.ndarray:
    """``get_current_rate`` for every batch number in ``iterations`` (float32 array).

    ``iterations`` are batch numbers ``b >= 0`` as ``get_current_batch`` returns
    them; the update for iteration ``k`` (1-based) uses ``rates(k)``.
    """
    import numpy as np  # lazy: see the module docstring

    with np.errstate(all="ignore"):
        return _rates(schedule, np.asarray(iterations, dtype=np.int64))


def _rates(schedule: Schedule, b: np.ndarray) -> np.ndarray:
    import numpy as np  # lazy: see the module docstring

    lr = np.float32(np.float32(schedule.base_lr) * np.float32(schedule.gpus))
    out = _policy(schedule, b, lr)
    burn = schedule.burn_in
    if burn is not None and burn.iterations != 0:
        n = burn.iterations
        if schedule.dialect == "pjreddie":
            inside = b < _unsigned(n) if n > 0 else np.ones(b.shape, dtype=bool)
        else:
            inside = b < n
        if inside.any():
            bb = b[inside]
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                frac = _f32(_f32(bb).astype(np.float64) / np.float64(np.float32(n)))
                if schedule.dialect == "hankai":
                    warm = _times(lr, _powf(frac, burn.power))
                else:
                    warm = _f32(np.float64(lr) * np.power(frac.astype(np.float64), np.float64(burn.power)))
            out = out.copy() if not out.flags.writeable else out
            out[inside] = warm
    return out
