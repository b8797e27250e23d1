from __future__ import annotations

from typing import Iterator

from cfgtools.darknet.net import POLICIES
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.darknet import fork_name
from cfgtools.lint.rules._helpers import did_you_mean
from cfgtools.values import quoted


class UnknownPolicy(Rule):
    """## What it does
    Checks for a `policy` name darknet does not know.

    ## Why is this bad?
    `get_policy` (src/parser.c) compares the name with `strcmp` (exact,
    case-sensitive), prints `Couldn't find policy X, going with constant` and uses
    `constant`: the whole schedule is ignored. `sig`, `STEPS` and `step s` are all
    unknown, and pjreddie has no `sgdr`.

    ## Example
    ```cfg
    [net]
    # constant learning rate, the steps are ignored
    policy=STEPS
    ```

    ## Use instead
    ```cfg
    [net]
    policy=steps
    ```

    ## Fix safety
    Unsafe: the policy it writes is a guess from the spelling, and it changes the
    schedule darknet trains with (from constant to that policy). Only
    `--unsafe-fixes` applies it.
    """

    code = "DN006"
    name = "unknown-policy"
    severity = Severity.ERROR
    needs = ("net",)
    summary = "unknown policy name: darknet falls back to constant"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        net = self.ctx.net
        if not net.policy.from_file or net.policy_known:
            return
        value = net.policy.value
        dialect = net.dialect
        known = POLICIES[dialect]
        span = net.policy.span or net.policy.key_span
        message = (
            f"unknown policy {quoted(value)}: darknet ({fork_name(dialect)}) prints \"Couldn't find policy "
            f"{value}, going with constant\" and trains with the constant rate {net.learning_rate.value:g}"
        )
        base = value.split("#", 1)[0].rstrip("\r")
        if base == "sgdr" and dialect == "pjreddie":
            message += "; sgdr exists only in AlexeyAB's darknet"
            yield self.diagnostic(span, message, Fix("use AlexeyAB's darknet, or a policy pjreddie has (steps, poly)"))
            return
        if base in known:
            hint = base
            if value.endswith("\r"):
                message += " (the \\r of a CRLF line end is part of the name)"
            else:
                message += f" (the text after {quoted(base)} is part of the name)"
        else:
            hint = did_you_mean(base, known, cutoff=0.5)
            if base == "sig":
                hint = "sigmoid"
        fix = None
        if hint:
            message += f"; did you mean {hint!r}?"
            fix = Fix(f"write policy={hint}", hint, span)
        else:
            message += f"; darknet knows {', '.join(known)}"
        yield self.diagnostic(span, message, fix)
