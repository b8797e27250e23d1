from __future__ import annotations

from typing import Iterator

from cfgtools.darknet import fork_name
from cfgtools.darknet.layers import hankai_layer_problems
from cfgtools.darknet.net import lacks_input
from cfgtools.darknet.netkeys import NET_KEYS
from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import unused_line

_FIXES = {
    "bom": "save the file as UTF-8 without a byte-order mark",
    "option-before-section": "put the line under a [section] (the [net] section comes first)",
    "no-sections": "start the file with a [net] section",
    "first-section-not-net": "make [net] (or [network]) the first section",
    "unsupported-section": "write a section name hank-ai knows, exactly ([net], [convolutional], ...)",
    "empty-network": "add the network's layers after [net]",
    "layer-not-recognized": "delete the section (hank-ai builds no layer from it)",
    "bad-number": "write a number std::stof can read, e.g. 0.5",
    "duplicate-key": "keep one line of the key",
}
#: what reports a hank-ai fatal error when it is enabled (else DN011 does): its problem kinds and [net] keys
_DELEGATED_KINDS = {"duplicate-key": "DN002"}
_DELEGATED_KEYS = {"policy": "DN006"}


class DarknetRefuses(Rule):
    """## What it does
    Checks for what makes darknet crash or refuse the file while reading it.

    ## Why is this bad?
    These stop `read_cfg`/`parse_network_cfg`/`parse_net_options` (src/parser.c)
    before training starts: a UTF-8 BOM or a `key=value` before any section
    (segfault), no sections, a first section that is not exactly `[net]` or
    `[network]` (`[NET]` in every fork), `policy=steps` without `steps` or
    `scales`, `step=0` with `policy=step` and `subdivisions=0` (division by zero),
    and a `[net]` with neither `width`/`height`/`channels` nor `inputs` ("No input
    parameters supplied").

    hank-ai's reader (`Darknet::CfgFile`, src-lib/darknet_cfg.cpp) aborts (exit
    134) on more, each reported in its own words: a section name it does not know
    (`[ net ]`, `[reorg]`), no layer after `[net]`, a number `std::stof` cannot
    read, and in layer sections a value that should be a number and a line the
    layer never reads. Its other fatal errors are reported by the rule about that
    key: DN001, DN005 and DN013 (a `[net]` line it never reads), DN002 (a key given
    twice), DN004 (a `[net]` number it cannot read), DN006 (an unknown policy),
    YL012 (an unknown activation); this rule reports them when that rule does
    not run.

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
      The same holds for the hank-ai errors that DN001, DN002, DN004, DN005, DN006,
      DN013 and YL012 report.
    """

    code = "DN011"
    name = "darknet-refuses"
    severity = Severity.ERROR
    needs = ("document",)
    summary = "darknet would crash or refuse this file"

    def check(self) -> Iterator[Diagnostic]:
        document = self.ctx.document
        settings = self.ctx.settings
        problems = [p for p in document.fatal_problems
                    if p.kind not in _DELEGATED_KINDS or not settings.is_enabled(_DELEGATED_KINDS[p.kind])]
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
        if document.dialect == "hankai":
            yield from self._hankai(net)
        delegate_scales = self.ctx.settings.is_enabled("DN007")
        for message in net.fatal:
            if document.dialect == "hankai" and message in dict(net.fatal_keys).values():
                continue  # reported by _hankai
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
        if lacks_input(net, document.net):
            said = ('"no input parameters supplied"' if document.dialect == "hankai"
                    else "'No input parameters supplied'")
            yield self.diagnostic(
                document.net.span,
                f"[net] sets neither width, height and channels nor inputs: darknet "
                f"({fork_name(document.dialect)}) stops with {said}",
                Fix("set width=, height= and channels= (e.g. 416, 416, 3)"),
            )

    def _hankai(self, net) -> Iterator[Diagnostic]:
        """hank-ai's fatal errors that no more specific enabled rule reports."""
        settings = self.ctx.settings
        document = self.ctx.document
        settings_by_key = {s.key: s for s in net.settings()}
        for key, message in net.fatal_keys:
            owner = _DELEGATED_KEYS.get(key, "DN004" if key not in ("steps",) else "DN011")
            if owner != "DN011" and settings.is_enabled(owner):
                continue
            setting = settings_by_key.get(key)
            span = (setting.span or setting.key_span) if setting is not None and setting.from_file else None
            yield self.diagnostic(span or document.net.span, message)
        lowered = {k.lower() for k in NET_KEYS["hankai"]}
        for option in document.net.options:
            if not option.stored or document.net.lookup(option.key) is not option or option.key in net.lookups:
                continue
            owner = "DN005" if option.key in NET_KEYS["hankai"] else "DN013" if option.key.lower() in lowered \
                else "DN001"
            if settings.is_enabled(owner):
                continue
            yield self.diagnostic(option.key_span, unused_line(option, document.net.name),
                                  Fix("delete the line: hank-ai stops on a key it does not read"))
        activations_to_yl012 = settings.is_enabled("YL012")
        for layer in self.ctx.layers or []:
            for option, message, kind in hankai_layer_problems(layer):
                if kind == "activation":
                    if not activations_to_yl012:  # else YL012 reports it, with a suggestion
                        yield self.diagnostic(option.value_span or option.key_span, message,
                                              Fix("write an activation hank-ai knows and this layer supports "
                                                  "(leaky, mish, linear, ...)"))
                elif kind == "unused":
                    yield self.diagnostic(option.key_span, message, Fix("delete the line, or fix the key"))
                else:
                    yield self.diagnostic(option.value_span or option.key_span, message,
                                          Fix(f"write a plain number for {option.key} (digits, '.', '-')"))

