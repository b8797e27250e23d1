from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule


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
    """

    code = "DN009"
    name = "steps-order"
    severity = Severity.WARNING
    needs = ("net",)
    summary = "steps not strictly increasing: later scales wait for earlier steps"

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
            yield self.diagnostic(
                net.steps.span or net.steps.key_span, message,
                Fix(f"list the steps in increasing order (e.g. steps={ordered}) and reorder scales to match"),
            )
            return
