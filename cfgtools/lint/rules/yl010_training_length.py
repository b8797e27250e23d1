from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import meant_int, setting_fix


#: how far (as a fraction of max_batches) a step may sit from 80 % / 90 % before it is reported
TOLERANCE = 0.05


class TrainingLength(Rule):
    """## What it does
    Checks `max_batches` against the usual advice for the number of classes, and
    `steps` against 80 % and 90 % of `max_batches`.

    ## Why is this bad?
    AlexeyAB's README advises `max_batches = 2000 * classes` but at least 6000 (and
    not fewer than the training images), with `steps` at 80 % and 90 % of
    `max_batches`. A shorter training usually stops before the detector is good.
    This is advice, not a darknet rule, hence info.

    ## Example
    ```cfg
    [net]
    # 3 classes: the advice is 6000
    max_batches=4000
    policy=steps
    steps=1000,2000
    ```

    ## Use instead
    ```cfg
    [net]
    max_batches=6000
    policy=steps
    steps=4800,5400
    ```

    ## Fix safety
    Unsafe: the `max_batches=` or `steps=` it writes follows AlexeyAB's advice
    and changes the schedule. Only `--unsafe-fixes` applies it.
    """

    code = "YL010"
    name = "training-length"
    severity = Severity.INFO
    needs = ("net", "layers")
    summary = "max_batches below 2000*classes (min 6000), or steps far from 80%/90% of max_batches"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        heads = [layer for layer in self.ctx.layers if layer.kind in ("yolo", "Gaussian_yolo", "region")]
        net = self.ctx.net
        if not heads:
            return
        classes = max(layer.classes for layer in heads)
        advised = max(2000 * classes, 6000)
        # the advice is about the number the author meant: max_batches=6,000 is 6000 here, 6 for darknet (DN004)
        max_batches, misread = meant_int(net.max_batches)
        note = f" ({misread})" if misread else ""
        span = net.max_batches.span or self.ctx.document.net.span
        if max_batches < advised:
            yield self.diagnostic(
                span, f"max_batches={max_batches} is below the usual advice for {classes} classes: "
                f"2000 per class and at least 6000, i.e. {advised}{note}",
                setting_fix(self.ctx, f"write max_batches={advised}", {"max_batches": advised},
                            str(advised) if net.max_batches.span else None, net.max_batches.span),
            )
        if net.effective_policy != "steps" or max_batches <= 0 or not net.steps.from_file:
            return
        steps = net.steps.value
        advice = [round(max_batches * 0.8), round(max_batches * 0.9)]
        if len(steps) >= 2 and all(abs(s - a) <= TOLERANCE * max_batches for s, a in zip(steps[:2], advice)):
            return
        if len(steps) == 1 and abs(steps[0] - advice[0]) <= TOLERANCE * max_batches:
            return
        written = ",".join(str(s) for s in steps)
        yield self.diagnostic(
            net.steps.span, f"steps={written} are far from the usual 80%/90% of max_batches={max_batches} "
            f"({advice[0]},{advice[1]}){note}",
            Fix(f"write steps={advice[0]},{advice[1]}", replacement=f"{advice[0]},{advice[1]}",
                span=net.steps.span),
        )
