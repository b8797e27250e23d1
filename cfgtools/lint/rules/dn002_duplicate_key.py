from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.values import quoted


class DuplicateKey(Rule):
    """## What it does
    Checks for a key given twice in one section.

    ## Why is this bad?
    `option_find` (src/option_list.c) returns the first option of a key, so darknet
    uses the first line and ignores the rest: a later line that was meant to
    override an earlier one has no effect. A line without `=` counts as the first
    one too: darknet then uses the default. Duplicates with the same value are
    harmless and reported as info. hank-ai stops on any key given twice in a section
    (src-lib/darknet_cfg.cpp: "duplicate key ... at lines #a and #b"): an error there.

    ## Example
    ```cfg
    [net]
    batch=64
    subdivisions=16
    # ignored: darknet trains with batch=64
    batch=1
    ```

    ## Use instead
    ```cfg
    [net]
    batch=64
    subdivisions=16
    ```
    """

    code = "DN002"
    name = "duplicate-key"
    severity = Severity.WARNING
    needs = ("document",)
    summary = "key given twice in a section: the first wins in the C forks, hank-ai stops"

    def check(self) -> Iterator[Diagnostic]:
        if self.ctx.document.dialect == "hankai":
            yield from self._hankai()
            return
        for section in self.ctx.document.sections:
            first: dict[str, object] = {}
            for option in section.options:
                if not option.stored or not option.key.strip("\r"):
                    continue
                kept = first.get(option.key)
                if kept is None:
                    first[option.key] = option
                    continue
                where = f"[{section.name}]" if section.is_network() else f"[{section.name}] (layer {section.layer_index})"
                if kept.value is None:
                    message = (
                        f"{quoted(option.key)} is given again in {where}: darknet stops at line {kept.line}, which has "
                        f"no '=', so it uses the default and ignores this {option.key}={option.value}"
                    )
                    severity = None
                elif kept.value == option.value:
                    message = (
                        f"{quoted(option.key)} is given again in {where} with the same value {quoted(option.value)} "
                        f"(first at line {kept.line}); darknet ignores this line"
                    )
                    severity = Severity.INFO
                else:
                    message = (
                        f"{quoted(option.key)} is given again in {where}: darknet uses the first one, "
                        f"{option.key}={kept.value} at line {kept.line}, and ignores this "
                        f"{option.key}={option.value}"
                    )
                    severity = None
                yield self.diagnostic(
                    option.key_span, message,
                    Fix(f"delete this line, or write the value you want at line {kept.line}"),
                    severity=severity,
                )

    def _hankai(self) -> Iterator[Diagnostic]:
        for problem in self.ctx.document.problems:
            if problem.kind == "duplicate-key":
                yield self.diagnostic(problem.span, problem.message,
                                      Fix(f"delete this line, or write the value you want at line {problem.line}"),
                                      severity=Severity.ERROR)
