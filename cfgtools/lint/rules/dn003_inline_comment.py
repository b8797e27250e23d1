from __future__ import annotations

import re
from typing import Iterator

from cfgtools.darknet import cnum, fork_name
from cfgtools.darknet.layers import reads_activation
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import column_span, comment_moved_above, comment_start
from cfgtools.values import quoted

#: List keys whose comma counting stops at '#' in AlexeyAB ([net] steps, [yolo] mask and anchors).
_AB_STOPS_AT_HASH = {"steps", "mask", "anchors"}
_NUMBER_LIST = re.compile(r"^[+-]?[0-9.eE+-]*(,[+-]?[0-9.eE+-]*)*$")


class InlineComment(Rule):
    """## What it does
    Checks for a `#` comment after a value on the same line.

    ## Why is this bad?
    darknet has no trailing comments. `read_cfg` (src/parser.c) removes every blank
    of a line with `strip` (src/utils.c) and keeps the rest, so
    `policy=steps # lr drops` reads as the policy `steps#lrdrops`: an unknown policy,
    and darknet trains with a constant rate. A number still reads as the number
    (`atoi`/`atof` stop at `#`), and lists depend on the fork: AlexeyAB stops
    counting `steps`/`mask`/`anchors` items at `#`, pjreddie counts every comma, so
    `steps=10,15 # a,b` has 2 steps in one fork and 3 in the other. hank-ai's reader
    ends a value at `#`, so there it is a comment and this rule says nothing (DN012
    says what the C forks read instead). A `policy` made unknown by its comment is
    DN006's finding, and an `activation` made unknown YL012's, with the same fix,
    when that rule runs.

    ## Example
    ```cfg
    [net]
    policy=steps   # the default is constant
    ```

    ## Use instead
    ```cfg
    [net]
    # the default is constant
    policy=steps
    ```

    ## Fix safety
    Safe: `--fix` moves the comment to a line of its own above, with the
    option's indentation, and writes the value darknet would read without it
    (its blanks removed, as darknet removes them): the file then means what it
    says.

    ## Options
    - `--select`, `--extend-select`, `--ignore` (or `select`, `extend-select`,
      `ignore` in `[tool.cfgtools]`): a `policy` made unknown by its comment is DN006's finding, an
      `activation` YL012's; this rule reports them only when that rule does not run.
    """

    code = "DN003"
    name = "inline-comment"
    severity = Severity.WARNING
    needs = ("document",)
    summary = "a '#' after a value becomes part of the value"
    fix_safety = Applicability.SAFE

    def check(self) -> Iterator[Diagnostic]:
        document = self.ctx.document
        dialect = document.dialect
        if dialect == "hankai":
            return  # its regex ends a value at '#'
        policy_to_dn006 = self.ctx.settings.is_enabled("DN006")
        activation_to_yl012 = self.ctx.settings.is_enabled("YL012")
        for section in document.sections:
            for option in section.options:
                value = option.value
                if not option.stored or value is None or "#" not in value:
                    continue
                before, _, comment = value.partition("#")
                start = comment_start(option)
                if start is None or option.value_span is None:
                    continue
                span = column_span(option.line, start, option.value_span.end_column)
                written_comment = option.line_text[start - 1 :].rstrip("\r").rstrip()
                fix = Fix(
                    f"move {quoted(written_comment)} to its own line above and write {option.key}={before}",
                    before, option.value_span, edits=comment_moved_above(option, start, before) if before else (),
                )
                key = option.key
                severity = None
                if section.is_network() and key == "policy" and policy_to_dn006:
                    continue  # one finding for the mistake: DN006 (an unknown policy) has the same fix
                if activation_to_yl012 and reads_activation(section, option, dialect):
                    continue  # the same: YL012 (an unknown activation, so ReLU) has the same fix
                if section.is_network() and key == "policy":
                    message = (
                        f"darknet ({fork_name(dialect)}) reads policy as {quoted(value)}, not {quoted(before)}: "
                        "an unknown policy, so it trains with a constant rate"
                    )
                elif before and _NUMBER_LIST.match(before) and "," in before + comment:
                    message = self._list_message(key, value, before, comment, dialect)
                    if message is None:
                        message = (
                            f"darknet reads {key} as {quoted(value)}; the numbers before '#' still read the same, "
                            "but the comment is part of the value"
                        )
                        severity = Severity.INFO
                elif before and _NUMBER_LIST.match(before):
                    number = cnum.atof(before) if any(c in before for c in ".eE") else cnum.atoi(before)
                    message = (
                        f"darknet reads {key} as {quoted(value)}; atoi/atof stop at '#' and still get {number:g}, "
                        "but the comment is part of the value"
                    )
                    severity = Severity.INFO
                else:
                    message = (
                        f"darknet reads {key} as {quoted(value)}, not {quoted(before)}: the comment becomes part of the text"
                    )
                yield self.diagnostic(span, message, fix, severity=severity)

    @staticmethod
    def _list_message(key: str, value: str, before: str, comment: str, dialect: str) -> str | None:
        if "," not in comment:
            return None
        ab = before.count(",") + 1 if key in _AB_STOPS_AT_HASH else value.count(",") + 1
        pj = value.count(",") + 1
        if ab == pj:
            return (
                f"darknet reads {key} as {quoted(value)}: it counts the commas inside the comment too, "
                f"so the list has {pj} items, not {before.count(',') + 1}"
            )
        return (
            f"darknet reads {key} as {quoted(value)}: AlexeyAB stops counting items at '#' ({ab} items) "
            f"but pjreddie counts every comma ({pj} items, the extra ones read from the comment)"
        )
