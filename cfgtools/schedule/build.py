"""Build a :class:`~cfgtools.schedule.model.Schedule` from a darknet [net] or a Caffe solver.

The builders only translate settings; the arithmetic lives in
``cfgtools.darknet.rate`` and ``cfgtools.caffe.rate``. A configuration the
framework cannot train with at all (it aborts, crashes or loops forever in the
rate function) raises :class:`ScheduleError` with the position of the culprit.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from cfgtools.errors import InputError
from cfgtools.schedule.model import (
    BurnIn,
    Constant,
    Exp,
    Inv,
    MultiStep,
    Poly,
    Random,
    Schedule,
    ScheduleError,
    Sgdr,
    Sigmoid,
    Step,
    Steps,
)

if TYPE_CHECKING:
    from cfgtools.caffe.solver import CaffeSolver
    from cfgtools.darknet.net import NetConfig, Setting
    from cfgtools.lint.core import LintContext

#: Caffe lr_policy strings (exact, case-sensitive) -> model kind
CAFFE_POLICIES = ("fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid")


def _where(setting: "Setting | None") -> tuple[int, int]:
    span = getattr(setting, "span", None) or getattr(setting, "key_span", None)
    if span is not None:
        return span.line, span.column
    return 1, 1


def schedule_from_net(net: "NetConfig", gpus: int = 1, source: str = "", seed: int = 0) -> Schedule:
    """The schedule darknet trains ``net`` with (``ngpus`` = ``gpus``; ``seed`` for ``policy=random``)."""
    policy_name = net.effective_policy
    dialect = net.dialect

    def fail(message: str, setting: "Setting | None") -> ScheduleError:
        line, column = _where(setting)
        return ScheduleError(message, source or None, line, column)

    if gpus < 1:
        raise ScheduleError(f"--gpus must be at least 1, not {gpus}", source or None)
    policy: Any
    if policy_name == "constant":
        policy = Constant()
    elif policy_name == "step":
        if net.step.value == 0:
            raise fail("step=0 with policy=step: darknet divides by zero (SIGFPE) at the first update", net.step)
        policy = Step(step=net.step.value, gamma=net.scale.value)
    elif policy_name == "steps":
        if not net.steps.from_file or not net.scales.from_file:
            missing = net.steps if not net.steps.from_file else net.scales
            raise fail(
                "policy=steps needs both steps and scales: darknet stops with "
                "'STEPS policy must have steps and scales in cfg file'",
                missing if missing.from_file else net.policy,
            )
        if len(net.scales.value) < len(net.steps.value):
            raise fail(
                f"scales has {len(net.scales.value)} item(s) for {len(net.steps.value)} steps: darknet reads "
                "past the end of the scales list and crashes (segfault)",
                net.scales,
            )
        policy = Steps(steps=list(net.steps.value), scales=list(net.scales.value[: len(net.steps.value)]))
    elif policy_name == "exp":
        policy = Exp(gamma=net.gamma.value)
    elif policy_name == "poly":
        policy = Poly(power=net.power.value, max_iter=net.max_batches.value)
    elif policy_name == "sigmoid":
        policy = Sigmoid(gamma=net.gamma.value, step=net.step.value)
    elif policy_name == "random":
        policy = Random(power=net.power.value, seed=seed)
    elif policy_name == "sgdr":
        cycle, mult = net.sgdr_cycle.value, net.sgdr_mult.value
        horizon = net.max_batches.value
        if horizon > 0 and cycle <= 0:
            raise fail(f"sgdr_cycle={cycle}: darknet's SGDR loop never ends (hangs at the first update)",
                       net.sgdr_cycle if net.sgdr_cycle.from_file else net.max_batches)
        if horizon > cycle and mult <= 0:
            raise fail(f"sgdr_mult={mult}: darknet's SGDR loop never ends after the first cycle", net.sgdr_mult)
        policy = Sgdr(cycle=cycle, mult=mult, lr_min=net.learning_rate_min.value)
    else:  # pragma: no cover - effective_policy is one of the above
        raise fail(f"unknown policy {policy_name!r}", net.policy)
    burn_in = None
    if net.burn_in.value != 0:
        burn_in = BurnIn(iterations=net.burn_in.value, power=net.power.value)
    return Schedule(
        framework="darknet",
        dialect=dialect,
        base_lr=net.learning_rate.value,
        gpus=gpus,
        burn_in=burn_in,
        policy=policy,
        horizon=net.max_batches.value,
        source=source,
    )


def schedule_from_solver(solver: "CaffeSolver") -> Schedule:
    """The schedule ``caffe train`` runs ``solver`` with (BVLC semantics)."""
    path = getattr(solver, "path", "") or ""
    name = solver.lr_policy

    def fail(message: str, field: str) -> ScheduleError:
        try:
            entry = solver.field(field)
        except (KeyError, AttributeError):
            entry = None
        line, column = _where(entry)
        return ScheduleError(message, path or None, line, column)

    if name not in CAFFE_POLICIES:
        shown = f"lr_policy {name!r}" if solver.is_set("lr_policy") else "no lr_policy (empty)"
        raise fail(
            f"{shown}: Caffe aborts at the first update with 'Unknown learning rate policy: {name}' "
            f"(known: {', '.join(CAFFE_POLICIES)})",
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
    return Schedule(
        framework="caffe",
        base_lr=solver.base_lr,
        policy=policy,
        horizon=solver.max_iter,
        source=path,
    )


def load_schedule(path: str | os.PathLike[str], dialect: str = "alexeyab", gpus: int = 1, seed: int = 0) -> Schedule:
    """Read a darknet cfg or a Caffe solver and build its schedule.

    Raises :class:`InputError` for unreadable or unrecognised files and
    :class:`ScheduleError` for schedules the framework cannot run.
    """
    from cfgtools.loading import load_config

    loaded = load_config(path, dialect)
    if loaded.document is not None:
        return schedule_from_net(loaded.net(), gpus=gpus, source=loaded.path, seed=seed)
    return schedule_from_solver(loaded.solver)


def schedule_for_context(ctx: "LintContext") -> Schedule | None:
    """The schedule of a lint context, or None when it cannot be built."""
    try:
        if ctx.kind == "darknet":
            net = ctx.net
            return None if net is None else schedule_from_net(net, source=ctx.path)
        if ctx.kind == "caffe-solver" and ctx.solver is not None:
            return schedule_from_solver(ctx.solver)
    except (ScheduleError, InputError, ValueError):
        return None
    return None
