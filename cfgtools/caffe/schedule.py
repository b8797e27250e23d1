"""The schedule ``caffe train`` runs a solver with: the framework-neutral :class:`Schedule`.

This module only translates the solver's fields; the arithmetic is
``cfgtools.caffe.rate``, attached to every schedule built here. A policy Caffe
aborts on at the first update raises :class:`ScheduleError` with the position
of the culprit.
"""

from __future__ import annotations

from typing import Any

from cfgtools.caffe import POLICIES, rate
from cfgtools.caffe.solver import CaffeSolver
from cfgtools.schedule.model import Constant, Exp, Inv, MultiStep, Poly, Schedule, ScheduleError, Sigmoid, Step


def caffe_schedule(base_lr: float, policy: Any, horizon: int, source: str = "") -> Schedule:
    """A schedule evaluated with Caffe's ``GetLearningRate`` arithmetic."""
    return Schedule(framework="caffe", base_lr=base_lr, policy=policy, horizon=horizon, source=source,
                    arithmetic=rate.ARITHMETIC)


def schedule_from_solver(solver: CaffeSolver) -> Schedule:
    """The schedule ``caffe train`` runs ``solver`` with (BVLC semantics)."""
    path = solver.path or ""
    name = solver.lr_policy

    def fail(message: str, field: str) -> ScheduleError:
        entry = solver.fields.get(field)
        span = (entry.span or entry.key_span) if entry is not None else None
        line, column = (span.line, span.column) if span is not None else (1, 1)
        return ScheduleError(message, path or None, line, column)

    if name not in POLICIES:
        shown = f"lr_policy {name!r}" if solver.is_set("lr_policy") else "no lr_policy (empty)"
        raise fail(
            f"{shown}: Caffe aborts at the first update with 'Unknown learning rate policy: {name}' "
            f"(known: {', '.join(POLICIES)})",
            "lr_policy",
        )
    policy: Any
    if name == "fixed":
        policy = Constant()
    elif name == "step":
        if solver.stepsize == 0:
            raise fail("lr_policy step with stepsize 0 (or unset): Caffe aborts at the first update "
                       "('Check failed: this->param_.stepsize() > 0'; older forks divide by zero)", "stepsize")
        policy = Step(step=solver.stepsize, gamma=solver.gamma)
    elif name == "exp":
        policy = Exp(gamma=solver.gamma)
    elif name == "inv":
        policy = Inv(gamma=solver.gamma, power=solver.power)
    elif name == "multistep":
        policy = MultiStep(stepvalues=list(solver.stepvalue), gamma=solver.gamma)
    elif name == "poly":
        policy = Poly(power=solver.power, max_iter=solver.max_iter)
    else:  # sigmoid
        policy = Sigmoid(gamma=solver.gamma, step=solver.stepsize)
    return caffe_schedule(solver.base_lr, policy, solver.max_iter, path)
