from __future__ import annotations

from typing import Iterator

from cfgtools.darknet.cnum import atoi
from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule

_FIXES = {
    "bom": "save the file as UTF-8 without a byte-order mark",
    "option-before-section": "put the line under a [section] (the [net] section comes first)",
    "no-sections": "start the file with a [net] section",
    "first-section-not-net": "make [net] (or [network]) the first section",
}


class DarknetRefuses(Rule):
    """## What it does
    Checks for what makes darknet crash or refuse the file while reading it.

    ## Why is this bad?
    These stop `read_cfg`/`parse_network_cfg`/`parse_net_options` (src/parser.c)
    before training starts: a UTF-8 BOM or a `key=value` before any section
    (segfault), no sections, a first section that is not `[net]`, `policy=steps`
    without `steps` or `scales`, `step=0` with `policy=step` and `subdivisions=0`
    (division by zero), and a `[net]` with neither `width`/`height`/`channels` nor
    `inputs` ("No input parameters supplied").

    ## Example
    ```cfg
    # before any section: segfault
    batch=64
    [net]
    # no steps/scales: darknet stops
    policy=steps
    ```

    ## Use instead
    ```cfg
    [net]
    batch=64
    width=416
    height=416
    channels=3
    policy=steps
    steps=4000,4500
    scales=.1,.1
    ```

    ## Options
    - `--select`, `--extend-select`, `--ignore` (or `select`, `extend-select`,
      `ignore` in `[tool.cfgtools]`): a `scales` list shorter than `steps` (a
      segfault) is DN007's finding; this rule reports it only when DN007 does not run.
    """

    code = "DN011"
    name = "darknet-refuses"
    severity = Severity.ERROR
    needs = ("document",)
    summary = "darknet would crash or refuse this file"

    def check(self) -> Iterator[Diagnostic]:
        document = self.ctx.document
        problems = list(document.fatal_problems)
        # darknet stops at the first of these; report the root cause once, not every line after it
        if any(p.kind == "bom" for p in problems):
            problems = [p for p in problems if p.kind == "bom"]
        orphans = [p for p in problems if p.kind == "option-before-section"]
        if orphans:
            problems = [p for p in problems if p.kind not in ("option-before-section", "no-sections")]
            more = f" ({len(orphans) - 1} more line(s) before the first section)" if len(orphans) > 1 else ""
            first = orphans[0]
            yield self.diagnostic(first.span, first.message + more, Fix(_FIXES[first.kind]))
        for problem in problems:
            yield self.diagnostic(problem.span, problem.message, Fix(_FIXES.get(problem.kind, "see the message")))
        net = self.ctx.net
        if net is None:
            return
        delegate_scales = self.ctx.settings.is_enabled("DN007")
        for message in net.fatal:
            if message.startswith("scales has"):
                if delegate_scales:
                    continue
                span = net.scales.span
            elif message.startswith("step=0"):
                span = net.step.span
            elif message.startswith("subdivisions=0"):
                span = net.subdivisions.span
            else:
                span = net.policy.span
            yield self.diagnostic(span or document.net.span, message)
        if not (net.width.value and net.height.value and net.channels.value):
            inputs = document.net.lookup("inputs")
            if inputs is None or inputs.value is None or not _nonzero_int(inputs.value):
                yield self.diagnostic(
                    document.net.span,
                    "[net] sets neither width, height and channels nor inputs: darknet stops with "
                    "'No input parameters supplied'",
                    Fix("set width=, height= and channels= (e.g. 416, 416, 3)"),
                )


def _nonzero_int(text: str) -> bool:
    return atoi(text) != 0

