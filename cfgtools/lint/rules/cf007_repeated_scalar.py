from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Rule, Severity, register
from cfgtools.lint.rules._caffe import span_of


@register
class RepeatedScalarField(Rule):
    """A non-repeated field given twice: Caffe's protobuf parser refuses the file.

    Only ``test_net``, ``test_iter``, ``test_net_param``, ``test_state``,
    ``stepvalue`` and ``weights`` may repeat. For any other field protobuf's
    text format stops with ``Non-repeated field "base_lr" is specified
    multiple times``.

    Bad::

        base_lr: 0.01
        base_lr: 0.001

    Good::

        base_lr: 0.001
    """

    code = "CF007"
    name = "repeated-scalar-field"
    severity = Severity.ERROR
    framework = "caffe"
    summary = "a non-repeated field given twice: Caffe refuses the file"

    def check(self) -> Iterator[Diagnostic]:
        solver = self.ctx.solver
        if solver is None:
            return
        for duplicate in getattr(solver, "duplicate_fields", ()) or ():
            items = duplicate if isinstance(duplicate, (list, tuple)) else [duplicate]
            for item in items:
                name = getattr(item, "name", None) or str(item)
                first = getattr(item, "first_span", None)
                where = f" (first at line {first.line})" if first is not None else ""
                yield self.diagnostic(
                    span_of(item),
                    f"{name} is given again{where}: protobuf stops with 'Non-repeated field \"{name}\" is "
                    "specified multiple times' and Caffe does not start",
                    Fix(f"keep one {name} line"),
                )
