from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule


class RepeatedScalarField(Rule):
    """## What it does
    Checks for a non-repeated field given twice.

    ## Why is this bad?
    Caffe's protobuf parser refuses the file. Only `test_net`, `test_iter`,
    `test_net_param`, `test_state`, `stepvalue` and `weights` may repeat. For any
    other field protobuf's text format (`ReadProtoFromTextFile`,
    src/caffe/util/io.cpp) stops with `Non-repeated field "base_lr" is specified
    multiple times`.

    ## Example
    ```prototxt
    base_lr: 0.01
    base_lr: 0.001
    ```

    ## Use instead
    ```prototxt
    base_lr: 0.001
    ```
    """

    code = "CF007"
    name = "repeated-scalar-field"
    severity = Severity.ERROR
    needs = ("solver",)
    summary = "a non-repeated field given twice: Caffe refuses the file"

    def check(self) -> Iterator[Diagnostic]:
        for item in self.ctx.solver.duplicate_fields:
            name = item.name
            yield self.diagnostic(
                item.span,
                f"{name} is given again (first at line {item.first_span.line}): protobuf stops with "
                f"'Non-repeated field \"{name}\" is specified multiple times' and Caffe does not start",
                Fix(f"keep one {name} line"),
            )
