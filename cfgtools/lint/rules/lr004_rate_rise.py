from __future__ import annotations

from typing import Iterator

import numpy as np

from cfgtools.lint.core import Diagnostic, Fix, Rule, Severity, register
from cfgtools.lint.numeric import analysed_range, current_schedule, format_lr, setting_span
from cfgtools.schedule.evaluate import iter_chunks

#: at most this many rises are reported per file
MAX_REPORTED = 3


@register
class RateRise(Rule):
    """The learning rate jumps up between two consecutive updates outside warm-up.

    A rise by more than ``rise-factor`` (default 2) from one update to the
    next kicks a converging model out of its minimum. A first climb up to the
    base rate, before the rate has ever decayed, is a warm-up and is not
    reported (old YOLO cfgs write one as ``steps=-1,100`` ``scales=.1,10``). It usually means a
    scale above 1 (``scales=.1,10`` instead of ``.1,.1``), unsorted steps, or
    pjreddie's sigmoid, which is 0 before ``step`` and jumps to half the rate
    at it. SGDR's warm restarts are deliberate: they are reported as info.

    Bad::

        [net]
        max_batches=6000
        policy=steps
        steps=4800,5400
        scales=.1,10
        # x0.1 at 4800, then x10 at 5400: the rate jumps back up

    Good::

        [net]
        max_batches=6000
        policy=steps
        steps=4800,5400
        scales=.1,.1
    """

    code = "LR004"
    name = "rate-rise"
    severity = Severity.WARNING
    framework = "any"
    summary = "the learning rate rises by more than a factor from one update to the next outside warm-up"

    def check(self) -> Iterator[Diagnostic]:
        schedule = current_schedule(self.ctx)
        if schedule is None or schedule.is_random or schedule.horizon <= 0:
            return
        first, last = analysed_range(self.ctx, schedule)
        if schedule.burn_in is not None:
            first = max(first, schedule.burn_in.iterations)
        factor = self.ctx.settings.rise_factor
        ceiling = schedule.base_lr * schedule.gpus * (1 + 1e-6)
        rises: list[tuple[int, float, float]] = []
        previous_lr = None
        running_max = -np.inf
        restarts = 0
        for iters, lrs in iter_chunks(schedule, first, last):
            before = np.concatenate(([previous_lr if previous_lr is not None else np.nan], lrs[:-1]))
            finite = np.where(np.isfinite(lrs), lrs, -np.inf)
            # the highest rate of any update before each one
            peak_before = np.maximum.accumulate(np.concatenate(([running_max], finite[:-1])))
            with np.errstate(all="ignore"):
                jump = np.isfinite(before) & np.isfinite(lrs) & (lrs > before * factor) & (lrs > 0)
                # a first climb that has not decayed yet and stays within the base rate is a
                # warm-up written with steps (e.g. steps=-1,100 scales=.1,10): not a spike
                warm_up = (before >= peak_before) & (lrs <= ceiling)
            jump &= ~warm_up
            jump[0] &= previous_lr is not None
            for index in np.flatnonzero(jump):
                restarts += 1
                if len(rises) < MAX_REPORTED:
                    rises.append((int(iters[index]), float(before[index]), float(lrs[index])))
            previous_lr = float(lrs[-1])
            running_max = max(running_max, float(finite.max()))
        if not rises:
            return
        sgdr = schedule.policy.kind == "sgdr"
        for iteration, low, high in rises:
            ratio = "from 0" if low == 0 else f"x{high / low:.3g}"
            if sgdr:
                message = f"SGDR warm restart at update {iteration}: the rate goes from {format_lr(low)} to {format_lr(high)}"
            else:
                message = (f"the learning rate rises {ratio} at update {iteration}: "
                           f"from {format_lr(low)} to {format_lr(high)}")
            yield self.diagnostic(
                setting_span(self.ctx, "scales", "steps", "step", "gamma", "stepvalue", "policy", "lr_policy"),
                message,
                None if sgdr else Fix("check the scales (below 1 to decay) and the order of the steps"),
                severity=Severity.INFO if sgdr else None,
            )
        if restarts > len(rises):
            yield self.diagnostic(
                setting_span(self.ctx, "policy", "lr_policy"),
                f"{restarts - len(rises)} more rise(s) by more than x{factor:g} before the goal",
                severity=Severity.INFO if sgdr else None,
            )
