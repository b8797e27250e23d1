from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import meant_int, setting_fix


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

    ## Fix safety
    Unsafe: the steps it writes (80 % and 90 % of `max_batches`, for a list of
    two) change the schedule. Only `--unsafe-fixes` applies it. When
    `max_batches` itself is misread (`6,000` is 6 for darknet, DN004), the hint
    is built on the number that was meant.
    """

    code = "DN010"
    name = "step-past-max-batches"
    severity = Severity.WARNING
    needs = ("net",)
    summary = "a step at or past max_batches never fires"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        net = self.ctx.net
        if not net.max_batches.from_file or net.max_batches.value <= 0:
            return
        last = net.max_batches.value
        meant, misread = meant_int(net.max_batches)  # hints are built on the number the author meant
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
                    self._steps_fix(net.steps.value, meant, misread),
                )
        elif net.effective_policy == "step" and net.step.value >= last:
            if misread and net.step.value < meant:
                fix = Fix(f"{misread}: write max_batches={meant}, and step={net.step.value} is below it")
            else:
                fix = Fix(f"use a step below max_batches={meant}" + (f" ({misread})" if misread else ""))
            yield self.diagnostic(
                net.step.span or net.step.key_span or net.policy.span,
                f"step={net.step.value} with max_batches={last}: the rate is never multiplied by scale",
                fix,
            )

    def _steps_fix(self, steps: list[int], meant: int, misread: str) -> Fix:
        if misread and all(step < meant for step in steps):
            return Fix(f"{misread}: write max_batches={meant}, and every step is below it")
        advice = [int(meant * 0.8), int(meant * 0.9)]
        description = (f"move the steps below max_batches={meant} (e.g. 80% and 90%: {advice[0]},{advice[1]}) "
                       "or raise max_batches" + (f" ({misread})" if misread else ""))
        if len(steps) != 2:
            return Fix(description)
        return setting_fix(self.ctx, description, {"steps": advice}, ",".join(map(str, advice)))
