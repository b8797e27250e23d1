from __future__ import annotations

from typing import Iterator

from cfgtools.darknet.netkeys import NET_KEYS
from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import unused_line
from cfgtools.values import quoted

#: Which policies (or condition) make darknet read a key.
_READ_BY = {
    "step": "policy=step or sigmoid",
    "scale": "policy=step",
    "steps": "policy=steps (or sgdr in AlexeyAB)",
    "scales": "policy=steps (or sgdr in AlexeyAB)",
    "gamma": "policy=exp or sigmoid",
    "sgdr_cycle": "policy=sgdr",
    "sgdr_mult": "policy=sgdr",
    "learning_rate_min": "policy=sgdr",
    "seq_scales": "policy=steps or sgdr",
    "B1": "adam=1",
    "B2": "adam=1",
    "eps": "adam=1",
}


class UnusedByPolicy(Rule):
    """## What it does
    Checks for `[net]` keys that darknet never reads with the policy the file uses.

    ## Why is this bad?
    `parse_net_options` (src/parser.c) reads `step`/`scale` only for `policy=step`
    (`step` also for `sigmoid`), `steps`/`scales` only for `steps` (and AlexeyAB's
    `sgdr`), `gamma` only for `exp` and `sigmoid`, and `B1`/`B2`/`eps` only with
    `adam=1`; `sgdr_cycle`, `sgdr_mult` and `learning_rate_min` shape only the
    `sgdr` rate. Such a key looks like it shapes the schedule but has no effect.
    hank-ai looks these keys up only for their policy too (`parse_net_section`,
    src-lib/darknet_cfg.cpp, also `seq_scales` for steps/sgdr) and stops on a line it
    never looked up ("config line #N from section [net] is unused or invalid"): an
    error there (`sgdr_cycle`, `sgdr_mult` and `learning_rate_min` are always looked
    up, so they only have no effect).

    ## Example
    ```cfg
    [net]
    policy=poly
    # never read: poly ignores steps and scales
    steps=400000,450000
    scales=.1,.1
    ```

    ## Use instead
    ```cfg
    [net]
    policy=steps
    steps=400000,450000
    scales=.1,.1
    ```
    """

    code = "DN005"
    name = "unused-by-policy"
    severity = Severity.WARNING
    needs = ("document", "net")
    summary = "a [net] key the selected policy never reads (hank-ai stops on it)"

    def check(self) -> Iterator[Diagnostic]:
        net = self.ctx.net
        document = self.ctx.document
        if not net.policy_known:
            return  # an unknown policy is DN006's finding; everything but burn-in is unused then
        known = NET_KEYS[document.dialect]
        policy = net.effective_policy
        if policy != net.policy.value:
            policy_text = f"policy {quoted(net.policy.value)}, which darknet runs as constant"
        else:
            policy_text = f"policy={policy}" + (" (the default)" if not net.policy.from_file else "")
        if document.dialect == "hankai":
            yield from self._hankai(policy_text)
            return
        for setting in net.settings():
            if setting.read or not setting.from_file or setting.key not in known or setting.key not in _READ_BY:
                continue
            why = _READ_BY[setting.key]
            if setting.key in ("B1", "B2", "eps"):
                context = f"adam={net.adam.value}"
            else:
                context = policy_text
            span = setting.key_span or setting.span
            yield self.diagnostic(
                span,
                f"{setting.key}={setting.raw} has no effect: darknet reads {setting.key} only with {why}, "
                f"and this file uses {context}",
                Fix(f"delete the {setting.key} line, or change the policy if {setting.key} was meant to apply"),
            )

    def _hankai(self, policy_text: str) -> Iterator[Diagnostic]:
        net, section = self.ctx.net, self.ctx.document.net
        settings = {s.key: s for s in net.settings()}
        for option in section.options:
            key = option.key
            if not option.stored or section.lookup(key) is not option or key not in NET_KEYS["hankai"]:
                continue
            why = _READ_BY.get(key, "its policy")
            context = f"adam={net.adam.value}" if key in ("B1", "B2", "eps") else policy_text
            if key not in net.lookups:
                yield self.diagnostic(
                    option.key_span,
                    f"{unused_line(option, section.name)}: hank-ai reads {key} only with {why}, and this file uses "
                    f"{context}",
                    Fix(f"delete the {key} line, or change the policy if {key} was meant to apply"),
                    severity=Severity.ERROR,
                )
            elif key in _READ_BY and key in settings and not settings[key].read:
                yield self.diagnostic(
                    option.key_span,
                    f"{key}={option.value} has no effect: hank-ai reads it but uses {key} only with {why}, and this "
                    f"file uses {context}",
                    Fix(f"delete the {key} line, or change the policy if {key} was meant to apply"),
                )
