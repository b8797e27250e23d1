"""The schedule darknet trains a ``[net]`` with: the framework-neutral :class:`Schedule`.

This module only translates the typed settings; the arithmetic is
``cfgtools.darknet.rate``, attached to every schedule built here. A ``[net]``
darknet cannot train with at all (it aborts, crashes or loops forever in the
rate function) raises :class:`ScheduleError` with the position of the culprit.
"""

from __future__ import annotations

from typing import Any

from cfgtools.darknet import rate
from cfgtools.darknet.net import NetConfig, Setting
from cfgtools.schedule.model import (
    BurnIn,
    Constant,
    Exp,
    Poly,
    Random,
    Schedule,
    ScheduleError,
    Sgdr,
    Sigmoid,
    Step,
    Steps,
)


def darknet_schedule(dialect: str, base_lr: float, policy: Any, horizon: int, *, burn_in: BurnIn | None = None,
                     gpus: int = 1, source: str = "") -> Schedule:
    """A schedule evaluated with the arithmetic of darknet's ``dialect`` fork."""
    return Schedule(framework="darknet", dialect=dialect, base_lr=base_lr, gpus=gpus, burn_in=burn_in,
                    policy=policy, horizon=horizon, source=source, arithmetic=rate.ARITHMETIC)


def _where(setting: Setting | None) -> tuple[int, int]:
    span = (setting.span or setting.key_span) if setting is not None else None
    return (span.line, span.column) if span is not None else (1, 1)


def schedule_from_net(net: NetConfig, gpus: int = 1, source: str = "", seed: int = 0) -> Schedule:
    """The schedule darknet trains ``net`` with (``ngpus`` = ``gpus``; ``seed`` for ``policy=random``)."""
    policy_name = net.effective_policy

    def fail(message: str, setting: Setting | None) -> ScheduleError:
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
    else:  # sgdr (effective_policy is one of the names above)
        cycle, mult = net.sgdr_cycle.value, net.sgdr_mult.value
        horizon = net.max_batches.value
        if horizon > 0 and cycle <= 0:
            raise fail(f"sgdr_cycle={cycle}: darknet's SGDR loop never ends (hangs at the first update)",
                       net.sgdr_cycle if net.sgdr_cycle.from_file else net.max_batches)
        if horizon > cycle and mult <= 0:
            raise fail(f"sgdr_mult={mult}: darknet's SGDR loop never ends after the first cycle", net.sgdr_mult)
        policy = Sgdr(cycle=cycle, mult=mult, lr_min=net.learning_rate_min.value)
    burn_in = None
    if net.burn_in.value != 0:
        burn_in = BurnIn(iterations=net.burn_in.value, power=net.power.value)
    return darknet_schedule(net.dialect, net.learning_rate.value, policy, net.max_batches.value,
                            burn_in=burn_in, gpus=gpus, source=source)
