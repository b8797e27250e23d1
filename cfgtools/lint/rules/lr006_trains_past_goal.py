from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.numeric import format_lr
from cfgtools.lint.rule import Rule
from cfgtools.schedule.evaluate import rate_at


class TrainsPastGoal(Rule):
    """## What it does
    Checks that training (`max_batches` / `max_iter`) does not run far past the
    goal you gave with `--goal`, or with `--epochs` and `--images`.

    ## Why is this bad?
    The schedule is laid out over `max_batches` / `max_iter`: its decay (steps at
    80 % and 90 %, poly, cosine) comes long after the goal, so the run either
    spends most of its GPU time past the point you wanted, or is stopped at the
    goal before the rate has decayed at all. The stock `yolov4-custom.cfg`
    (`max_batches=500500`, 64 images per update) with 1,000 images and 300 epochs
    (4,688 updates) trains 107 times longer than that, and its rate only drops at
    batch 400,000.

    ## Example
    ```cfg
    # cfgtools lint --epochs 300 --images 1000 yolo.cfg
    [net]
    batch=64
    subdivisions=16
    # 300 epochs of 1000 images are 4688 updates
    max_batches=500500
    policy=steps
    steps=400000,450000
    scales=.1,.1
    ```

    ## Use instead
    ```cfg
    [net]
    batch=64
    subdivisions=16
    max_batches=4688
    policy=steps
    steps=3750,4219
    scales=.1,.1
    ```

    ## Options
    - `--goal ITER`, or `--epochs E` with `--images N`: the training goal; without
      one the rule does not run. `--data FILE.data` gives N from its train list.
    - `--gpus N`: the GPUs darknet trains on, which turns `--epochs` into updates.
    - `goal-ratio` (`[tool.cfgtools]`, default 2): the rule reports when
      `max_batches` / `max_iter` is more than this many times the goal.
    """

    code = "LR006"
    name = "trains-past-goal"
    severity = Severity.WARNING
    needs = ("schedule",)
    summary = "max_batches / max_iter is far beyond the goal given with --goal or --epochs"

    def check(self) -> Iterator[Diagnostic]:
        goal, schedule = self.ctx.goal, self.ctx.schedule
        if not goal.given or goal.updates <= 0 or schedule.horizon <= goal.updates * self.ctx.settings.goal_ratio:
            return
        name = self.ctx.loaded.setting_name("horizon")
        at_goal = goal.last_update(schedule)
        peak = schedule.base_lr * schedule.gpus
        message = (f"{name}={schedule.horizon} is {schedule.horizon / goal.updates:.3g} times the goal of "
                   f"{goal.updates} updates ({goal.how}): training runs {schedule.horizon - goal.updates} "
                   "updates past it")
        if not schedule.is_random:
            rate = rate_at(schedule, at_goal)
            share = f" ({rate / peak:.0%} of the base rate)" if peak > 0 else ""
            message += f", and the rate at the goal (update {at_goal}) is still {format_lr(rate)}{share}"
        yield self.diagnostic(
            self.ctx.setting_span(name),
            message,
            Fix(f"set {name}={goal.updates} and move the schedule's decay (steps, stepvalues) into it",
                replacement=str(goal.updates)),
        )
