from __future__ import annotations

import re
from typing import Iterator

from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import before_comment, column_span

_NUMBER = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")


class EmptyListItem(Rule):
    """## What it does
    Checks for an empty item in a comma list, or a trailing comma.

    ## Why is this bad?
    darknet counts commas to size a list and reads each item with `atoi`/`atof`, so
    `1,,2` has a 0 in the middle and `10,15,` has a third item 0. In
    `steps`/`scales` that is a step at 0 with scale 0: the rate becomes 0 as soon as
    the last real step fires (or, with fewer scales, darknet crashes). hank-ai reads a
    list as the runs of digits between any other characters, so it sees no empty item
    and this rule says nothing there (DN012 says what the C forks read).

    ## Example
    ```cfg
    [net]
    steps=400000,450000,
    scales=.1,.1,
    ```

    ## Use instead
    ```cfg
    [net]
    steps=400000,450000
    scales=.1,.1
    ```

    ## Fix safety
    Safe: `--fix` drops the empty items (a trailing comma included) and keeps a
    comment after the list; what the list then says is what was evidently meant.
    """

    code = "DN008"
    name = "empty-list-item"
    severity = Severity.WARNING
    needs = ("document",)
    summary = "empty item or trailing comma in a list: read as 0"
    fix_safety = Applicability.SAFE

    def check(self) -> Iterator[Diagnostic]:
        if self.ctx.document.dialect == "hankai":
            return
        for section in self.ctx.document.sections:
            for option in section.options:
                if not option.stored or option.value is None or "," not in option.value:
                    continue
                text = option.value.split("#", 1)[0].rstrip("\r")
                items = text.split(",")
                filled = [i for i in items if i]
                if len(filled) == len(items) or not filled or not all(_NUMBER.match(i) for i in filled):
                    continue
                trailing = items[-1] == "" and all(items[:-1])
                cleaned = ",".join(filled)
                what = "a trailing comma" if trailing else "an empty item"
                if section.is_network() and option.key in ("steps", "scales"):
                    effect = f"darknet reads an extra {option.key[:-1]} 0 there"
                    if option.key == "scales":
                        effect += ", and a scale of 0 makes the rate 0 from that step on"
                    else:
                        effect += ", which fires as soon as every step listed before it has fired"
                else:
                    effect = "darknet reads it as 0"
                span = option.value_span or option.key_span
                if trailing and option.value_span is not None:
                    written = option.line_text.rstrip("\r")
                    comma = written.rfind(",", 0, option.value_span.end_column)
                    span = column_span(option.line, comma + 1, comma + 2) if comma >= 0 else span
                yield self.diagnostic(
                    span,
                    f"{option.key}={option.value} has {what}: {effect}",
                    Fix(f"write {option.key}={cleaned}", cleaned, before_comment(option)),
                )
