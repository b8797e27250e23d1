from __future__ import annotations

import math
from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule

from cfgtools.schedule.analysis import extremes
from cfgtools.schedule.evaluate import rate_at


class NonFiniteRate(Rule):
    """## What it does
    Checks for updates whose learning rate is NaN or infinite.

    ## Why is this bad?
    The weights become NaN at that update and never recover. darknet's `poly`
    divides by `max_batches` (`get_current_rate`, src/network.c): without it (0) the
    rate is NaN at batch 0 and +inf after, and past `max_batches` (a resume with a
    lower `max_batches`) a non-integer `power` gives NaN. `exp` with a `gamma` above
    1 overflows.

    ## Example
    ```cfg
    [net]
    learning_rate=0.01
    policy=poly
    power=4
    # no max_batches: darknet's classifier trains forever at an infinite rate
    ```

    ## Use instead
    ```cfg
    [net]
    learning_rate=0.01
    policy=poly
    power=4
    max_batches=100000
    ```
    """

    code = "LR002"
    name = "non-finite-rate"
    severity = Severity.ERROR
    needs = ("schedule",)
    summary = "the learning rate is NaN or infinite at some update"

    def check(self) -> Iterator[Diagnostic]:
        schedule = self.ctx.schedule
        if schedule.is_random:
            return
        darknet = schedule.framework == "darknet"
        if schedule.policy.kind == "poly" and schedule.policy.max_iter == 0:
            first = rate_at(schedule, 1 if darknet else 0)
            horizon = "max_batches" if darknet else "max_iter"
            yield self.diagnostic(
                self.ctx.setting_span("max_batches", "max_iter", "policy", "lr_policy"),
                f"poly divides by {horizon}, which is 0 (unset): the rate is {first} "
                + ("(NaN at batch 0); darknet's classifier never stops with max_batches=0"
                   if darknet else "at every iteration"),
                Fix(f"set {horizon} to the number of updates to train for"),
            )
            return
        if schedule.horizon <= 0:
            return
        summary = extremes(schedule)
        bad = [i for i in (summary.first_nan, summary.first_inf) if i is not None]
        if not bad:
            return
        first = min(bad)
        value = rate_at(schedule, first)
        kind = "NaN" if math.isnan(value) else "infinite"
        reason = ""
        if schedule.policy.kind == "exp":
            reason = f": gamma={schedule.policy.gamma:g} raised to the iteration overflows"
        elif schedule.policy.kind == "poly":
            reason = ": poly's base (1 - iter/max_iter) is negative past max_iter, and a non-integer power of it is NaN"
        yield self.diagnostic(
            self.ctx.setting_span("gamma", "power", "policy", "lr_policy"),
            f"the learning rate is {kind} from update {first}{reason}",
            Fix("bring the policy's parameters back into range (gamma <= 1 for exp)"),
        )
