from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.numeric import format_lr
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._ultralytics import settings_file, written, yaml_number

#: upstream hyp files and defaults use lrf from 0.01 to 0.2: below both this and lr0, lrf reads like an lr
SMALLEST_FRACTION = 0.01


class LrfFinalLr(Rule):
    """## What it does
    Checks for an `lrf` that looks like a final learning rate, not the fraction of
    `lr0` it is.

    ## Why is this bad?
    `lrf` is the final lr factor: the schedule decays from `lr0` to `lr0·lrf` (the
    linear `lf(x) = (1 - x/E)·(1 - lrf) + lrf`, or the cosine `one_cycle(1, lrf, E)`).
    Written as the lr to end at, say `lrf: 0.0001` with `lr0: 0.01`, it makes the run
    end at 0.000001, a hundred times lower than meant, and spend its last epochs
    barely learning. Upstream hyps use `lrf` from 0.01 to 0.2; a value below 0.01 and
    below `lr0` is reported.

    ## Example
    ```yaml
    lr0: 0.01
    lrf: 0.0001
    momentum: 0.937
    ```

    ## Use instead
    ```yaml
    lr0: 0.01
    lrf: 0.01
    momentum: 0.937
    ```
    """

    code = "UL013"
    name = "lrf-final-lr"
    severity = Severity.WARNING
    needs = ("yolo_settings",)
    summary = "lrf looks like a final lr, but it is the fraction of lr0 the schedule ends at"

    def check(self) -> Iterator[Diagnostic]:
        hyperparameters = settings_file(self.ctx).hyperparameters
        if hyperparameters is None or not written(self.ctx, "lrf"):
            return
        lr0, lrf = hyperparameters.lr0, hyperparameters.lrf
        if not (0 < lrf < SMALLEST_FRACTION and lrf < lr0):
            return
        meant = yaml_number(lrf / lr0)
        yield self.diagnostic(
            self.ctx.setting_span("lrf"),
            f"lrf={lrf:g} is a fraction of lr0, not a learning rate: the lr decays to lr0*lrf = "
            f"{format_lr(lr0 * lrf)} ({lrf:.2%} of lr0={lr0:g})",
            Fix(f"lrf={meant} ends at {lrf:g}, if that is the final lr you meant", replacement=meant),
        )
