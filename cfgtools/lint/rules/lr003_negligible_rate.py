from __future__ import annotations

from typing import Iterator

import numpy as np

from cfgtools.lint.core import Diagnostic, Fix, Rule, Severity, register
from cfgtools.lint.numeric import analysed_range, current_schedule, format_lr, setting_span
from cfgtools.schedule.evaluate import iter_chunks


@register
class NegligibleRate(Rule):
    """The learning rate crawls near 0 for a large share of training.

    Updates at a rate below ``lr-floor-fraction`` (default 1e-3) of the peak
    barely move the weights; when more than ``lr-floor-share`` (default 25%)
    of the updates before the goal run that low (burn-in excluded), that part
    of training is mostly wasted GPU time. Typical causes: ``poly`` with a
    high ``power``, ``exp`` with a ``gamma`` that decays too fast, steps that
    come too early or scales that multiply to almost nothing.

    Bad::

        [net]
        learning_rate=0.01
        max_batches=10000
        policy=exp
        gamma=0.999
        # 0.999**b is below 1e-3 from b = 6905: the last 31% of training crawls

    Good::

        [net]
        learning_rate=0.01
        max_batches=10000
        policy=exp
        gamma=0.9997
    """

    code = "LR003"
    name = "negligible-rate"
    severity = Severity.WARNING
    framework = "any"
    summary = "the learning rate stays below a small fraction of its peak for a large share of training"

    def check(self) -> Iterator[Diagnostic]:
        schedule = current_schedule(self.ctx)
        if schedule is None or schedule.is_random or schedule.horizon <= 0:
            return
        first, last = analysed_range(self.ctx, schedule)
        if schedule.burn_in is not None:
            first = max(first, schedule.burn_in.iterations)
        if last < first:
            return
        settings = self.ctx.settings
        peak = 0.0
        for _, lrs in iter_chunks(schedule, first, last):
            finite = lrs[np.isfinite(lrs)]
            if finite.size:
                peak = max(peak, float(finite.max()))
        if peak <= 0:
            return
        floor = settings.lr_floor_fraction * peak
        low = 0
        first_low = last_low = None
        for iters, lrs in iter_chunks(schedule, first, last):
            mask = np.isfinite(lrs) & (lrs < floor)
            count = int(mask.sum())
            if count:
                low += count
                hits = iters[mask]
                first_low = int(hits[0]) if first_low is None else first_low
                last_low = int(hits[-1])
        total = last - first + 1
        share = low / total
        if share <= settings.lr_floor_share:
            return
        yield self.diagnostic(
            setting_span(self.ctx, "power", "gamma", "scales", "steps", "policy", "lr_policy"),
            f"the learning rate is below {settings.lr_floor_fraction:g} of its peak ({format_lr(peak)}) for "
            f"{low} of {total} updates ({share:.1%}), between iterations {first_low} and {last_low}",
            Fix("decay later or more gently (lower power, gamma closer to 1, later steps), "
                "or stop training earlier"),
        )
