from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule


class EmptyValue(Rule):
    """## What it does
    Checks for a key with an empty value (`burn_in=`).

    ## Why is this bad?
    `read_option` (src/option_list.c) refuses a line whose value is empty:
    `read_cfg` (src/parser.c) prints `Config file error line N, could parse: burn_in`
    and stores nothing, so the key keeps darknet's default, which is rarely what the
    line meant (here no burn-in at all). hank-ai's reader skips such a line without a
    word (its pattern needs a value after `=`), with the same effect.

    ## Example
    ```cfg
    [net]
    burn_in=
    max_batches=6000
    ```

    ## Use instead
    ```cfg
    [net]
    burn_in=1000
    max_batches=6000
    ```
    """

    code = "DN014"
    name = "empty-value"
    severity = Severity.WARNING
    needs = ("document",)
    summary = "a key with an empty value is dropped: darknet uses the default"

    def check(self) -> Iterator[Diagnostic]:
        hankai = self.ctx.document.dialect == "hankai"
        for section in self.ctx.document.sections:
            for option in section.options:
                if option.stored or (hankai and option.value != ""):
                    continue  # hank-ai also skips other lines silently: DN015 (a blank in a key)
                key = option.key or "(empty key)"
                if hankai:
                    yield self.diagnostic(
                        option.key_span,
                        f"{key}= has no value: hank-ai skips the line silently and uses the default",
                        Fix(f"write a value after '{option.key}=' or delete the line"),
                    )
                    continue
                yield self.diagnostic(
                    option.key_span,
                    f"{key}= has no value: darknet prints 'Config file error line {option.line}, could parse: "
                    f"{option.key}', drops the line and uses the default",
                    Fix(f"write a value after '{option.key}=' or delete the line"),
                )
