from __future__ import annotations

from typing import Iterator

from cfgtools.darknet import cnum, fork_name
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule


class StepsScalesLength(Rule):
    """## What it does
    Checks that `steps` and `scales` have the same number of items.

    ## Why is this bad?
    `parse_net_options` (src/parser.c) takes the number of items from `steps` and
    walks `scales` with `strchr(p, ',') + 1`. With fewer scales than steps it reads
    past the end of the text and crashes (segfault) in both C forks; extra scales are
    ignored. hank-ai pads the missing scales with 0 (`scales.resize`,
    src-lib/darknet_cfg.cpp): no crash, but the rate is 0 from the first step without
    a scale.

    ## Example
    ```cfg
    [net]
    policy=steps
    steps=400000,450000
    # darknet segfaults while reading the cfg
    scales=.1
    ```

    ## Use instead
    ```cfg
    [net]
    policy=steps
    steps=400000,450000
    scales=.1,.1
    ```

    ## Fix safety
    Unsafe: the scales it writes (padded or cut to one per step) change the
    schedule. Only `--unsafe-fixes` applies it.
    """

    code = "DN007"
    name = "steps-scales-length"
    severity = Severity.ERROR
    needs = ("net",)
    summary = "steps and scales differ in length (fewer scales: crash; more: ignored)"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        net = self.ctx.net
        if not net.steps.read or not net.steps.from_file or not net.scales.from_file:
            return
        span = net.scales.span or net.scales.key_span
        if net.dialect == "hankai":
            steps_count = len(cnum.hankai_int_list(net.steps.raw))
            written = cnum.hankai_float_list(net.scales.raw)
            if len(written) < steps_count:
                first_zero = net.steps.value[len(written)]
                padded = ",".join([*(f"{v:g}" for v in written), *["1"] * (steps_count - len(written))])
                yield self.diagnostic(
                    span,
                    f"scales has {len(written)} item(s) for {steps_count} steps: hank-ai pads the missing scales "
                    f"with 0, so the rate is 0 from step {first_zero} on",
                    Fix(f"give one scale per step, e.g. scales={padded}", padded, span),
                )
                return
            scales_count = len(written)
        else:
            steps_count = cnum.list_count(net.steps.raw, net.dialect)
            scales_count = net.scales.raw.count(",") + 1
        if scales_count < steps_count:
            padded = net.scales.raw.split("#")[0] + ",1" * (steps_count - scales_count)
            yield self.diagnostic(
                span,
                f"scales has {scales_count} item(s) for {steps_count} steps: darknet reads past the end of the "
                "scales text and crashes (segfault) while parsing [net]",
                Fix(f"give one scale per step, e.g. scales={padded}", padded, span),
            )
        elif scales_count > steps_count:
            kept = ",".join(net.scales.raw.split("#")[0].split(",")[:steps_count])
            if net.dialect == "hankai":
                kept = ",".join(cnum.hankai_float_list_texts(net.scales.raw)[:steps_count])
            yield self.diagnostic(
                span,
                f"scales has {scales_count} items for {steps_count} steps: darknet ({fork_name(net.dialect)}) "
                f"ignores the last {scales_count - steps_count}",
                Fix(f"write scales={kept}, or add the missing steps", kept, span),
                severity=Severity.WARNING,
            )
