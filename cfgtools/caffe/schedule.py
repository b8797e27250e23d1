"""The schedule ``caffe train`` runs a solver with: the framework-neutral :class:`Schedule`.

This module only translates the solver's fields; the arithmetic is
``cfgtools.caffe.rate``, attached to every schedule built here. A policy Caffe
aborts on at the first update raises :class:`ScheduleError` with the position
of the culprit, and so does the SSD fork's ``plateau``: its rate follows the
training loss, so no schedule exists before training (``cfgtools.caffe.plateau``
computes it from the smoothed losses of a log).
"""

from __future__ import annotations

from typing import Any

from cfgtools.caffe import POLICIES, fork_name, rate
from cfgtools.caffe.solver import CaffeSolver
from cfgtools.schedule.model import Constant, Exp, Inv, MultiStep, Poly, Schedule, ScheduleError, Sigmoid, Step


#: what ScheduleError says about the SSD fork's loss-driven policy (schedule and plot print it)
PLATEAU_NOTE = (
    "lr_policy plateau (SSD Caffe) multiplies the rate by gamma each time the smoothed training loss has not "
    "reached a new minimum for plateau_winsize[k] iterations: the rate depends on the training loss and can only "
    "be computed from a training log"
)


def caffe_schedule(base_lr: float, policy: Any, horizon: int, source: str = "", dialect: str | None = None) -> Schedule:
    """A schedule evaluated with Caffe's ``GetLearningRate`` arithmetic (the same in every fork for these policies)."""
    return Schedule(framework="caffe", dialect=dialect, base_lr=base_lr, policy=policy, horizon=horizon,
                    source=source, arithmetic=rate.ARITHMETIC)


def schedule_from_solver(solver: CaffeSolver) -> Schedule:
    """The schedule ``caffe train`` of the solver's fork runs ``solver`` with."""
    path = solver.path or ""
    name = solver.lr_policy
    known = POLICIES[solver.dialect]

    def fail(message: str, field: str) -> ScheduleError:
        entry = solver.fields.get(field)
        span = (entry.span or entry.key_span) if entry is not None else None
        line, column = (span.line, span.column) if span is not None else (1, 1)
        return ScheduleError(message, path or None, line, column)

    if name not in known:
        shown = f"lr_policy {name!r}" if solver.is_set("lr_policy") else "no lr_policy (empty)"
        raise fail(
            f"{shown}: {fork_name(solver.dialect)} aborts at the first update with 'Unknown learning rate policy: "
            f"{name}' (known: {', '.join(known)})",
            "lr_policy",
        )
    if name == "plateau":
        raise fail(PLATEAU_NOTE, "lr_policy")
    policy: Any
    if name == "fixed":
        policy = Constant()
    elif name == "step":
        if solver.stepsize == 0:
            if solver.dialect == "ssd":  # the fork predates BVLC's checks (2017-12)
                what = "SSD Caffe divides by zero at the first update (iter_ / stepsize: SIGFPE)"
            else:
                what = ("BVLC Caffe aborts at the first update ('Check failed: this->param_.stepsize() > 0'; "
                        "forks older than 2017-12 divide by zero)")
            raise fail(f"lr_policy step with stepsize 0 (or unset): {what}", "stepsize")
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
    return caffe_schedule(solver.base_lr, policy, solver.max_iter, path, solver.dialect)
