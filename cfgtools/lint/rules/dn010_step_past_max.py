from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule


class StepPastMaxBatches(Rule):
    """## What it does
    Checks for a step (`steps` item, or `step` of `policy=step`) at or past
    `max_batches`.

    ## Why is this bad?
    Training does updates 1..max_batches, the update k using the rate of batch k
    (`get_current_rate`, src/network.c). A step beyond max_batches never fires; a
    step equal to max_batches changes only the very last update. Usually
    `max_batches` was lowered and the steps were not.

    ## Example
    ```cfg
    [net]
    max_batches=6000
    policy=steps
    # 8000 never fires
    steps=4800,8000
    scales=.1,.1
    ```

    ## Use instead
    ```cfg
    [net]
    max_batches=6000
    policy=steps
    steps=4800,5400
    scales=.1,.1
    ```
    """

    code = "DN010"
    name = "step-past-max-batches"
    severity = Severity.WARNING
    needs = ("net",)
    summary = "a step at or past max_batches never fires"

    def check(self) -> Iterator[Diagnostic]:
        net = self.ctx.net
        if not net.max_batches.from_file or net.max_batches.value <= 0:
            return
        last = net.max_batches.value
        if net.effective_policy == "steps" and net.steps.from_file:
            late = [s for s in net.steps.value if s >= last]
            if late:
                never = [s for s in late if s > last]
                parts = []
                if never:
                    parts.append(f"{', '.join(map(str, never))} never fire{'s' if len(never) == 1 else ''}")
                if last in late:
                    parts.append(f"{last} changes only the last update")
                yield self.diagnostic(
                    net.steps.span or net.steps.key_span,
                    f"max_batches is {last}: step{'s' if len(late) > 1 else ''} {', '.join(map(str, late))} "
                    f"{'are' if len(late) > 1 else 'is'} at or past it ({'; '.join(parts)})",
                    Fix(f"move the steps below max_batches={last} (e.g. 80% and 90%: "
                        f"{int(last * 0.8)},{int(last * 0.9)}) or raise max_batches"),
                )
        elif net.effective_policy == "step" and net.step.value >= last:
            yield self.diagnostic(
                net.step.span or net.step.key_span or net.policy.span,
                f"step={net.step.value} with max_batches={last}: the rate is never multiplied by scale",
                Fix(f"use a step below max_batches={last}"),
            )
