from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Iterator

from cfgtools.darknet import cnum
from cfgtools.darknet.netkeys import INT_KEYS, INT_LIST_KEYS
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import before_comment, has_inner_blank, intended_int
from cfgtools.values import quoted


def _plain_number(text: str) -> str | None:
    """``text`` as a number hank-ai reads (no exponent, no sign +): ``5e5`` -> ``500000``, ``1e-3`` -> ``0.001``."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    plain = format(number.normalize(), "f")
    return plain if cnum.hankai_numeric(plain) else None


class IntegerValue(Rule):
    """## What it does
    Checks for integer `[net]` keys written as a float, with an exponent, or as text.

    ## Why is this bad?
    darknet reads integer keys with C `atoi` (`option_find_int` in src/option_list.c,
    and `parse_net_options` in src/parser.c for the `steps` items), which stops at the
    first character that is not a digit: `max_batches=5e5` is 5, `burn_in=1e3` is 1,
    `batch=64.0` is 64, `0x40` is 0 and text is 0.

    hank-ai reads a `[net]` number only when the value is made of `-.0123456789`
    (`CfgSection::find_int`/`find_float`, src-lib/darknet_cfg.cpp): `5e5`, `1e-3`,
    `+5` or `6 4` make it stop (`key "K" on line #N should be numeric`), for float
    keys too; an integer written with a fraction is truncated with a note.

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
    `--fix` writes it as digits, which is what the author evidently meant. Under
    hank-ai the same holds for a number it refuses (`1e-3` becomes `0.001`). A
    value with a fraction (`burn_in=3.7`) or text gets a hint only.

    ## Options
    - `--select`, `--extend-select`, `--ignore` (or `select`, `extend-select`,
      `ignore` in `[tool.cfgtools]`): under hank-ai a number with a blank inside is DN015's finding; this rule reports it only when DN015 does not run.
    """

    code = "DN004"
    name = "integer-value"
    severity = Severity.WARNING
    needs = ("document", "net")
    summary = "number written in a form the fork misreads (atoi of 5e5) or refuses (hank-ai)"
    fix_safety = Applicability.SAFE

    def check(self) -> Iterator[Diagnostic]:
        document = self.ctx.document
        if document.dialect == "hankai":
            yield from self._hankai()
            return
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

    def _hankai(self) -> Iterator[Diagnostic]:
        net = self.ctx.net
        blanks_to_dn015 = self.ctx.settings.is_enabled("DN015")
        for key, message in net.fatal_keys:
            if key in ("policy", "steps"):
                continue  # DN006, DN011
            option = self.ctx.document.net.lookup(key)
            text = option.value if option is not None else ""
            if blanks_to_dn015 and has_inner_blank(text):
                continue  # DN015 says what each fork reads
            span = (before_comment(option) or option.key_span) if option is not None else self.ctx.document.net.span
            intended = _plain_number(text)
            if intended is not None and key in INT_KEYS["hankai"]:
                whole = intended_int(text)
                intended = str(whole) if whole is not None else None
            fix = Fix(f"write {key}={intended}", intended, span) if intended is not None else \
                Fix(f"write {key} with digits, '.' and '-' only")
            yield self.diagnostic(span, message, fix, severity=Severity.ERROR)
        for key, message in net.notes:
            option = self.ctx.document.net.lookup(key)
            yield self.diagnostic(option.value_span or option.key_span, message,
                                  Fix(f"write a whole number for {key}"))

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
