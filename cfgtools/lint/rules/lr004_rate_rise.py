from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.numeric import format_lr


class RateRise(Rule):
    """## What it does
    Checks for a learning rate that jumps up between two consecutive updates
    outside warm-up.

    ## Why is this bad?
    A rise by more than `rise-factor` (default 2) from one update to the next kicks
    a converging model out of its minimum. A climb before the rate has ever decayed
    is a warm-up and is not reported when it stays within the base rate (YOLOv2
    cfgs write one as `steps=-1,100` `scales=.1,10`) or comes in the first 5 % of
    the updates (YOLOv1 cfgs climb from a small base rate with
    `scales=2.5,2,2,2` over their first 800 batches). A rise usually means a scale above 1
    (`scales=.1,10` instead of `.1,.1`), unsorted steps, or pjreddie's sigmoid,
    which is 0 before `step` and jumps to half the rate at it. SGDR's warm restarts
    are deliberate: they are reported as info.

    ## Example
    ```cfg
    [net]
    max_batches=6000
    policy=steps
    steps=4800,5400
    # x0.1 at 4800, then x10 at 5400: the rate jumps back up
    scales=.1,10
    ```

    ## Use instead
    ```cfg
    [net]
    max_batches=6000
    policy=steps
    steps=4800,5400
    scales=.1,.1
    ```

    ## Options
    - `rise-factor` (`[tool.cfgtools]`, default 2): a rise by more than this factor
      from one update to the next is reported.
    - `--goal ITER`, or `--epochs E` with `--images N`: the training goal, the
      last update the rule looks at (by default `max_batches`/`max_iter`);
      `--data FILE.data` gives N from its train list.
    - `--gpus N`: the GPUs darknet trains on; darknet multiplies the rate by N, and
      N turns `--epochs` into updates.
    """

    code = "LR004"
    name = "rate-rise"
    severity = Severity.WARNING
    needs = ("schedule", "profile")
    summary = "the learning rate rises by more than a factor from one update to the next outside warm-up"

    def check(self) -> Iterator[Diagnostic]:
        profile = self.ctx.profile
        if not profile.rises:
            return
        schedule = self.ctx.schedule
        factor = self.ctx.settings.rise_factor
        rises, restarts = profile.rises, profile.rise_count
        sgdr = schedule.policy.kind == "sgdr"
        for iteration, low, high in rises:
            ratio = "from 0" if low == 0 else f"x{high / low:.3g}"
            if sgdr:
                message = f"SGDR warm restart at update {iteration}: the rate goes from {format_lr(low)} to {format_lr(high)}"
            else:
                message = (f"the learning rate rises {ratio} at update {iteration}: "
                           f"from {format_lr(low)} to {format_lr(high)}")
            yield self.diagnostic(
                self.ctx.setting_span("scales", "steps", "step", "gamma", "stepvalue", "policy", "lr_policy"),
                message,
                None if sgdr else Fix("check the scales (below 1 to decay) and the order of the steps"),
                severity=Severity.INFO if sgdr else None,
            )
        if restarts > len(rises):
            yield self.diagnostic(
                self.ctx.setting_span("policy", "lr_policy"),
                f"{restarts - len(rises)} more rise(s) by more than x{factor:g} before the goal",
                severity=Severity.INFO if sgdr else None,
            )
