from __future__ import annotations

import math
from typing import Iterator

from cfgtools.darknet import cnum
from cfgtools.darknet.netkeys import INT_KEYS, INT_LIST_KEYS
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import before_comment, intended_int
from cfgtools.values import quoted


class IntegerValue(Rule):
    """## What it does
    Checks for integer `[net]` keys written as a float, with an exponent, or as text.

    ## Why is this bad?
    darknet reads integer keys with C `atoi` (`option_find_int` in src/option_list.c,
    and `parse_net_options` in src/parser.c for the `steps` items), which stops at the
    first character that is not a digit: `max_batches=5e5` is 5, `burn_in=1e3` is 1,
    `batch=64.0` is 64, `0x40` is 0 and text is 0.

    ## Example
    ```cfg
    [net]
    # darknet trains 5 iterations
    max_batches=5e5
    # steps 4 and 4
    steps=4e5,4.5e5
    ```

    ## Use instead
    ```cfg
    [net]
    max_batches=500000
    steps=400000,450000
    ```

    ## Fix safety
    Safe when the text names one whole number (`5e5`, `1000.0`, `6,000`):
    `--fix` writes it as digits, which is what the author evidently meant. A
    value with a fraction (`burn_in=3.7`) or text gets a hint only.
    """

    code = "DN004"
    name = "integer-value"
    severity = Severity.WARNING
    needs = ("document", "net")
    summary = "integer key written as a float/exponent/text: atoi reads something else"
    fix_safety = Applicability.SAFE

    def check(self) -> Iterator[Diagnostic]:
        document = self.ctx.document
        net = document.net
        int_keys = INT_KEYS[document.dialect]
        for option in net.options:
            if not option.stored or option.value is None or option.value_span is None:
                continue
            if net.lookup(option.key) is not option:
                continue  # a duplicate: DN002
            text = option.value.split("#", 1)[0].rstrip("\r")
            if option.key in int_keys:
                diagnostic = self._item(option, option.key, text, None)
                if diagnostic is not None:
                    yield diagnostic
            elif option.key in INT_LIST_KEYS:
                items = text.split(",")
                bad = [(i, item) for i, item in enumerate(items) if item and not cnum.looks_like_int(item)]
                if not bad:
                    continue
                read = [cnum.atoi(item) for item in items]
                intended = [intended_int(item) if not cnum.looks_like_int(item) else cnum.atoi(item) for item in items if item]
                listed = ", ".join(f"{quoted(item)} -> {cnum.atoi(item)}" for _, item in bad)
                fix = None
                message = f"{option.key} items are integers read with atoi: {listed}, so darknet uses {read}"
                if all(v is not None for v in intended) and "" not in items:
                    good = ",".join(str(v) for v in intended)
                    fix = Fix(f"write {option.key}={good}", good, before_comment(option))
                yield self.diagnostic(option.value_span, message, fix)

    def _item(self, option, key: str, text: str, _unused) -> Diagnostic | None:
        if not text or cnum.looks_like_int(text):
            return None
        read = cnum.atoi(text)
        intended = intended_int(text)
        if intended is not None and intended == read:
            message = f"{key}={text} is an integer key: darknet reads it with atoi and gets {read} (same value)"
            return self.diagnostic(
                option.value_span, message, Fix(f"write {key}={read}", str(read), before_comment(option)),
                severity=Severity.INFO,
            )
        if intended is not None:
            message = f"{key}={text} is an integer key: darknet reads it with atoi and gets {read}, not {intended}"
            return self.diagnostic(
                option.value_span, message, Fix(f"write {key}={intended}", str(intended), before_comment(option))
            )
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is not None and math.isfinite(number):
            message = (
                f"{key}={text} is an integer key: darknet reads it with atoi and gets {read}"
                f" (the fraction is dropped)"
            )
            return self.diagnostic(option.value_span, message, Fix(f"write a whole number, e.g. {key}={read}"))
        message = f"{key}={text} is not a number: darknet reads it with atoi and gets {read}"
        return self.diagnostic(option.value_span, message, Fix(f"write a whole number for {key}"))
