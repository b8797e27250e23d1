"""Evaluate a :class:`Schedule` with its framework's arithmetic, in bounded memory.

``evaluate`` calls the schedule's own :class:`~cfgtools.schedule.model.Arithmetic`
(attached by the framework package that built it); everything else here works
chunk by chunk so a 10-million-iteration schedule never needs more than
``chunk`` values at once.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from cfgtools.schedule.model import Schedule

DEFAULT_CHUNK = 1 << 20


def evaluate(schedule: Schedule, iterations, resume: tuple[int, object] | None = None) -> np.ndarray:
    """The rate at each iteration (float32), as the framework computes it.

    darknet: ``iterations`` are batch numbers (update k uses ``evaluate(k)``).
    Caffe: ``iter_`` values (update k, 0-based, uses ``evaluate(k)``);
    ``resume=(iteration, state)`` evaluates a run restored from a checkpoint
    (Caffe: ``state`` is the restored multistep index).
    """
    return schedule.arithmetic.rates(schedule, np.asarray(iterations, dtype=np.int64), resume)


def iter_chunks(
    schedule: Schedule,
    start: int | None = None,
    stop: int | None = None,
    every: int = 1,
    chunk: int = DEFAULT_CHUNK,
    resume: tuple[int, object] | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(iterations, rates)`` for ``start, start+every, ... <= stop`` (inclusive), ``chunk`` at a time.

    ``start``/``stop`` default to the schedule's first and last update.
    """
    if every < 1:
        raise ValueError("every must be at least 1")
    chunk = max(1, int(chunk))
    first = schedule.first_update if start is None else int(start)
    last = schedule.last_update if stop is None else int(stop)
    span = chunk * every
    position = first
    while position <= last:
        end = min(last + 1, position + span)
        iters = np.arange(position, end, every, dtype=np.int64)
        if iters.size:
            yield iters, evaluate(schedule, iters, resume=resume)
        position = end


def all_updates(schedule: Schedule, resume: tuple[int, object] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every update's ``(iteration, rate)`` in one pair of arrays (first_update..last_update)."""
    iters = np.arange(schedule.first_update, schedule.last_update + 1, dtype=np.int64)
    return iters, evaluate(schedule, iters, resume=resume)


def first_index_where(
    schedule: Schedule,
    predicate: Callable[[np.ndarray, np.ndarray], np.ndarray],
    start: int | None = None,
    stop: int | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> int | None:
    """The first iteration in ``[start, stop]`` where ``predicate(iters, rates)`` is true, or None.

    ``predicate`` gets numpy arrays and returns a boolean array, e.g.
    ``lambda it, lr: lr == 0``.
    """
    for iters, lrs in iter_chunks(schedule, start, stop, chunk=chunk):
        hits = np.flatnonzero(np.asarray(predicate(iters, lrs), dtype=bool))
        if hits.size:
            return int(iters[hits[0]])
    return None


def rate_at(schedule: Schedule, iteration: int, resume: tuple[int, object] | None = None) -> float:
    """One rate as a Python float."""
    return float(evaluate(schedule, np.asarray([iteration], dtype=np.int64), resume=resume)[0])
