from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import setting_fix


class StopsBeforeGoal(Rule):
    """## What it does
    Checks that training (`max_batches` / `max_iter`) does not stop before the goal
    you asked for.

    ## Why is this bad?
    The run ends before the data has been seen as often as you meant, and the
    schedule decays over the shorter run. A `max_batches` or
    `max_iter` of 0 stops at once: darknet's detector does no update (its
    classifier never stops) and Caffe runs zero iterations (scripts such as
    py-faster-rcnn's pass their own count, which is reported as info).

    ## Example
    ```cfg
    # cfgtools lint --epochs 100 --images 64000 yolo.cfg
    [net]
    batch=64
    subdivisions=16
    # 100 epochs need 100000 updates
    max_batches=6000
    ```

    ## Use instead
    ```cfg
    [net]
    batch=64
    subdivisions=16
    max_batches=100000
    ```


    ## Fix safety
    Unsafe: the longer `max_batches`/`max_iter` it writes changes the schedule
    (poly, sgdr and the default `sgdr_cycle` follow it). Only `--unsafe-fixes`
    applies it; `cfgtools extend` plans a longer run that keeps the rate smooth.

    ## Options
    - `--goal ITER`, or `--epochs E` with `--images N`: the training goal, the
      last update the rule looks at (by default `max_batches`/`max_iter`);
      `--data FILE.data` gives N from its train list.
    - `--gpus N`: the GPUs darknet trains on, which turns `--epochs` into updates.
    """

    code = "LR005"
    name = "stops-before-goal"
    severity = Severity.WARNING
    needs = ("schedule",)
    summary = "training stops (max_batches / max_iter) before the goal the user asked for"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        schedule = self.ctx.schedule
        darknet = schedule.framework == "darknet"
        name = "max_batches" if darknet else "max_iter"
        span = self.ctx.setting_span(name)
        if schedule.horizon <= 0:
            if darknet:
                yield self.diagnostic(
                    span, f"max_batches is {schedule.horizon}{' (unset)' if schedule.horizon == 0 else ''}: "
                    "darknet's detector stops before the first update "
                    "(its classifier never stops)", Fix("set max_batches to the number of updates to train for"))
            else:
                yield self.diagnostic(
                    span, f"max_iter is {schedule.horizon}{' (unset)' if schedule.horizon == 0 else ''}: "
                    "`caffe train` runs zero iterations; "
                    "only a script that supplies its own count (as py-faster-rcnn does) trains this solver",
                    Fix("set max_iter"), severity=Severity.INFO)
            return
        goal = self.ctx.goal
        if goal.updates <= schedule.horizon:
            return
        needed = goal.updates
        yield self.diagnostic(
            span,
            f"training stops after {schedule.horizon} updates ({name}), before the goal of {needed} ({goal.how})",
            setting_fix(self.ctx, f"set {name}={needed}", {name: needed}, str(needed)),
        )
