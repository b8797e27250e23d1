from __future__ import annotations

from typing import Iterator

from cfgtools.darknet.netkeys import NET_KEYS
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import unused_line
from cfgtools.values import quoted


class NetKeyCase(Rule):
    """## What it does
    Checks for `[net]` keys written with other letter case than darknet expects.

    ## Why is this bad?
    darknet compares keys with `strcmp` (`option_find`, src/option_list.c):
    `Learning_Rate` is not `learning_rate`, so the line is ignored and the default
    applies. hank-ai's keys are case-sensitive too, and it stops on the line it never
    looked up ("config line #N from section [net] is unused or invalid").

    ## Example
    ```cfg
    [net]
    # darknet trains with the default 0.001
    Learning_Rate=0.01
    ```

    ## Use instead
    ```cfg
    [net]
    learning_rate=0.01
    ```

    ## Fix safety
    Safe when the key is written once: `--fix` writes it in darknet's letter
    case. Unsafe when the right key is also written: which value was meant is then
    a guess, and `--unsafe-fixes` renames it anyway.
    """

    code = "DN013"
    name = "net-key-case"
    severity = Severity.WARNING
    needs = ("document", "net")
    summary = "[net] key in the wrong letter case: the C forks ignore it, hank-ai stops"
    fix_safety = Applicability.SAFE

    def check(self) -> Iterator[Diagnostic]:
        document = self.ctx.document
        net = document.net
        known = NET_KEYS[document.dialect]
        by_lower = {k.lower(): k for k in known}
        for option in net.options:
            key = option.key
            if not option.stored or key in known or key.lower() not in by_lower:
                continue
            right = by_lower[key.lower()]
            used = net.lookup(right)
            if document.dialect == "hankai":
                yield self.diagnostic(
                    option.key_span,
                    f"{quoted(key)} is not {right!r}: keys are case-sensitive, so {unused_line(option, net.name)}",
                    Fix(f"write the key as {right!r}", right, option.key_span),
                    severity=Severity.ERROR,
                )
                continue
            if used is not None and used.value is not None:
                then = f"darknet reads {right}={used.value} from line {used.line} instead"
            else:
                then = f"darknet ignores it and uses the default for {right!r}"
            yield self.diagnostic(
                option.key_span,
                f"{quoted(key)} is not {right!r}: darknet keys are case-sensitive, so {then}",
                Fix(f"write the key as {right!r}", right, option.key_span,
                    applicability=None if used is None else Applicability.UNSAFE),
            )
