from __future__ import annotations

from typing import Iterator

from cfgtools.darknet.net import POLICIES
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.darknet import fork_name
from cfgtools.lint.rules._helpers import comment_moved_above, comment_start, did_you_mean
from cfgtools.values import quoted


class UnknownPolicy(Rule):
    """## What it does
    Checks for a `policy` name darknet does not know.

    ## Why is this bad?
    `get_policy` (src/parser.c) compares the name with `strcmp` (exact,
    case-sensitive), prints `Couldn't find policy X, going with constant` and uses
    `constant`: the whole schedule is ignored. `sig`, `STEPS` and `step s` are all
    unknown, and pjreddie has no `sgdr`. hank-ai stops instead
    (`get_learning_rate_policy_from_name`, src-lib/darknet_enums.cpp: "learning rate
    policy "X" is not supported"). In the C forks a comment after the name
    (`policy=steps # note`) is part of it.

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
    `--unsafe-fixes` applies it. A known policy followed by a comment
    (`policy=steps # note`) gets DN003's safe fix instead: the comment moves to a
    line of its own above and the name is left alone.
    """

    code = "DN006"
    name = "unknown-policy"
    severity = Severity.ERROR
    needs = ("net",)
    summary = "unknown policy name: the C forks fall back to constant, hank-ai stops"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        net = self.ctx.net
        if not net.policy.from_file or net.policy_known:
            return
        value = net.policy.value
        dialect = net.dialect
        known = POLICIES[dialect]
        span = net.policy.span or net.policy.key_span
        if dialect == "hankai":
            message = f'unknown policy {quoted(value)}: hank-ai stops with "learning rate policy "{value}" is not supported"'
        else:
            message = (
                f"unknown policy {quoted(value)}: darknet ({fork_name(dialect)}) prints \"Couldn't find policy "
                f"{value}, going with constant\" and trains with the constant rate {net.learning_rate.value:g}"
            )
        base = value.split("#", 1)[0].rstrip("\r")
        option = self.ctx.document.net.lookup("policy")
        start = comment_start(option) if option is not None and "#" in value else None
        if start is not None and base in known:  # the C forks read the comment as part of the name (DN003)
            comment = option.line_text[start - 1:].rstrip("\r").rstrip()
            message += (f" (the comment {quoted(comment)} is part of the name: there are no inline comments in the C forks; "
                        f"hank-ai ends the value at '#' and reads {quoted(base)})")
            # DN003's fix, and as safe: the file then says what it meant and the C forks read the policy
            fix = Fix(f"move {quoted(comment)} to its own line above and write policy={base}", base, span,
                      edits=comment_moved_above(option, start, base), applicability=Applicability.SAFE)
            yield self.diagnostic(span, message, fix)
            return
        if base == "sgdr" and dialect == "pjreddie":
            message += "; sgdr exists only in AlexeyAB's and hank-ai's darknet"
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
            message += f"; darknet ({fork_name(dialect)}) knows {', '.join(known)}"
        yield self.diagnostic(span, message, fix)
