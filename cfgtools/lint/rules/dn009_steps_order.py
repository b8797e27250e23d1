from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import setting_fix


class StepsOrder(Rule):
    """## What it does
    Checks that `steps` is strictly increasing.

    ## Why is this bad?
    `get_current_rate` (src/network.c) walks `steps` in file order and stops at the
    first step still in the future: with `steps=400,300` the scale of step 300 waits
    until 400 fires, and both apply at once. Equal steps multiply their scales
    together at the same batch.

    ## Example
    ```cfg
    [net]
    policy=steps
    steps=450000,400000
    scales=.1,.1
    ```

    ## Use instead
    ```cfg
    [net]
    policy=steps
    steps=400000,450000
    scales=.1,.1
    ```

    ## Fix safety
    Unsafe: listing the steps in increasing order (each scale moving with its
    step) is what was evidently meant, but it changes the schedule darknet trains
    with. Only `--unsafe-fixes` applies it; a list with repeats only, or with fewer
    scales than steps, gets a hint.
    """

    code = "DN009"
    name = "steps-order"
    severity = Severity.WARNING
    needs = ("net",)
    summary = "steps not strictly increasing: later scales wait for earlier steps"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        net = self.ctx.net
        if not net.steps.read or not net.steps.from_file:
            return
        steps = net.steps.value
        for i in range(1, len(steps)):
            if steps[i] > steps[i - 1]:
                continue
            if steps[i] == steps[i - 1]:
                message = (
                    f"step {steps[i]} is listed twice (items {i} and {i + 1}): darknet applies both scales at "
                    f"batch {steps[i]}"
                )
            else:
                message = (
                    f"steps are not increasing: {steps[i]} comes after {steps[i - 1]}; darknet walks the list in "
                    f"order and stops at the first future step, so the scale of {steps[i]} only applies once "
                    f"{steps[i - 1]} is reached"
                )
            ordered = ",".join(str(s) for s in sorted(set(steps)))
            description = f"list the steps in increasing order (e.g. steps={ordered}) and reorder scales to match"
            scales = net.scales.value
            if steps == sorted(steps) or len(scales) < len(steps):  # repeats only, or a crash (DN007) first
                fix = Fix(description)
            else:  # each scale moves with its step (a stable sort keeps repeated steps in their order)
                pairs = sorted(zip(steps, scales), key=lambda pair: pair[0])
                fix = setting_fix(self.ctx, description, {"steps": [step for step, _ in pairs],
                                                          "scales": [scale for _, scale in pairs] + scales[len(steps):]})
            yield self.diagnostic(net.steps.span or net.steps.key_span, message, fix)
            return
