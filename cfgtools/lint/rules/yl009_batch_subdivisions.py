from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule


class BatchSubdivisions(Rule):
    """## What it does
    Checks that `batch` is a multiple of `subdivisions` and that the mini-batch is
    not 0.

    ## Why is this bad?
    darknet (`parse_net_options`, src/parser.c) stores `batch / subdivisions` (C
    integer division) as the mini-batch and trains `subdivisions` mini-batches per
    iteration, so `batch=64, subdivisions=24` trains 2*24 = 48 images per iteration,
    not 64. When `batch < subdivisions` the mini-batch is 0: AlexeyAB
    (`parse_network_cfg_custom`) silently raises it to 1, pjreddie trains on nothing.

    ## Example
    ```cfg
    [net]
    batch=64
    subdivisions=24
    ```

    ## Use instead
    ```cfg
    [net]
    batch=64
    subdivisions=16
    ```

    ## Fix safety
    Unsafe: the `subdivisions=` it writes changes the mini-batch and the memory a
    GPU needs. Only `--unsafe-fixes` applies it.
    """

    code = "YL009"
    name = "batch-subdivisions"
    severity = Severity.WARNING
    needs = ("net",)
    summary = "batch is not a multiple of subdivisions, or the mini-batch is 0"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        net = self.ctx.net
        batch, subdivisions = net.batch.value, net.subdivisions.value
        span = net.subdivisions.span or net.batch.span or self.ctx.document.net.span
        if subdivisions <= 0:
            yield self.diagnostic(
                span, f"subdivisions={subdivisions}: darknet divides batch by it (division by zero or a "
                "negative mini-batch)", Fix("write subdivisions=1 or more"), severity=Severity.ERROR)
            return
        mini = batch // subdivisions
        if mini == 0:
            if net.dialect == "pjreddie":
                effect = "pjreddie trains with a mini-batch of 0 images"
                severity = Severity.ERROR
            else:
                effect = "AlexeyAB raises it to 1, so every iteration sees only subdivisions images"
                severity = None
            yield self.diagnostic(
                span, f"batch={batch} is smaller than subdivisions={subdivisions}: the mini-batch "
                f"batch/subdivisions is 0; {effect}",
                Fix(f"write subdivisions={batch}" if batch > 0 else "raise batch",
                    replacement=str(batch) if batch > 0 and net.subdivisions.span else None,
                    span=net.subdivisions.span if batch > 0 else None),
                severity=severity,
            )
        elif batch % subdivisions:
            divisors = [d for d in range(subdivisions, 0, -1) if batch % d == 0]
            nearest = divisors[0] if divisors else 1
            yield self.diagnostic(
                span, f"batch={batch} is not a multiple of subdivisions={subdivisions}: darknet trains "
                f"{mini}*{subdivisions} = {mini * subdivisions} images per iteration, not {batch}",
                Fix(f"write subdivisions={nearest}", replacement=str(nearest) if net.subdivisions.span else None,
                    span=net.subdivisions.span),
            )
