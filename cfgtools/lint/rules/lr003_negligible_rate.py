from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.numeric import format_lr


class NegligibleRate(Rule):
    """## What it does
    Checks for a learning rate that stays near 0 for a large share of training.

    ## Why is this bad?
    Updates at a rate below `lr-floor-fraction` (default 1e-3) of the peak barely
    move the weights; when more than `lr-floor-share` (default 25%) of the updates
    before the goal run that low (burn-in excluded), that part of training is mostly
    wasted GPU time. Typical causes: `poly` with a high `power`, `exp` with a
    `gamma` that decays too fast, steps that come too early or scales that multiply
    to almost nothing.

    ## Example
    ```cfg
    [net]
    learning_rate=0.01
    max_batches=10000
    policy=exp
    # the rate falls below 1e-3 of its peak at b = 6906: the last 31% of training crawls
    gamma=0.999
    ```

    ## Use instead
    ```cfg
    [net]
    learning_rate=0.01
    max_batches=10000
    policy=exp
    gamma=0.9997
    ```

    ## Options
    - `lr-floor-fraction` (`[tool.cfgtools]`, default 0.001): a rate below this
      fraction of the peak counts as negligible.
    - `lr-floor-share` (`[tool.cfgtools]`, default 0.25): the share of the updates
      after burn-in that may run that low before the rule reports.
    - `--goal ITER`, or `--epochs E` with `--images N`: the training goal, the
      last update the rule looks at (by default `max_batches`/`max_iter`);
      `--data FILE.data` gives N from its train list.
    - `--gpus N`: the GPUs darknet trains on; darknet multiplies the rate by N, and
      N turns `--epochs` into updates.
    """

    code = "LR003"
    name = "negligible-rate"
    severity = Severity.WARNING
    needs = ("profile",)
    summary = "the learning rate stays below a small fraction of its peak for a large share of training"

    def check(self) -> Iterator[Diagnostic]:
        profile = self.ctx.profile
        if profile.peak <= 0 or profile.analysed_after_warm_up == 0:
            return
        settings = self.ctx.settings
        total = profile.analysed_after_warm_up
        share = profile.low_count / total
        if share <= settings.lr_floor_share:
            return
        yield self.diagnostic(
            self.ctx.setting_span("power", "gamma", "scales", "steps", "policy", "lr_policy"),
            f"the learning rate is below {settings.lr_floor_fraction:g} of its peak ({format_lr(profile.peak)}) for "
            f"{profile.low_count} of {total} updates ({share:.1%}), between iterations "
            f"{profile.first_low} and {profile.last_low}",
            Fix("decay later or more gently (lower power, gamma closer to 1, later steps), "
                "or stop training earlier"),
        )
