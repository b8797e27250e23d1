from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Rule, Severity, register
from cfgtools.lint.rules._caffe import field_of, is_set, policy_of, span_of, stepvalues, value_of, value_spans


@register
class StepPastMaxIter(Rule):
    """A stepvalue (or stepsize) at or past ``max_iter``: it never changes the rate.

    Caffe runs iterations 0..max_iter-1; the rate of iteration max_iter is
    never used. A stepvalue >= max_iter is never reached, and Caffe says
    nothing about it. Solvers without max_iter (py-faster-rcnn sets it from
    Python) are not checked.

    Bad::

        max_iter: 50000
        lr_policy: "multistep"
        gamma: 0.1
        stepvalue: 40000
        stepvalue: 60000    # never reached

    Good::

        max_iter: 50000
        lr_policy: "multistep"
        gamma: 0.1
        stepvalue: 40000
        stepvalue: 45000
    """

    code = "CF005"
    name = "step-past-max-iter"
    severity = Severity.WARNING
    framework = "caffe"
    summary = "a stepvalue/stepsize at or past max_iter never fires"

    def check(self) -> Iterator[Diagnostic]:
        solver = self.ctx.solver
        if solver is None or not is_set(solver, "max_iter"):
            return
        max_iter = int(value_of(solver, "max_iter", 0) or 0)
        if max_iter <= 0:
            return
        policy = policy_of(solver)
        if policy == "multistep":
            spans = value_spans(solver, "stepvalue")
            for i, value in enumerate(stepvalues(solver)):
                if value >= max_iter:
                    span = spans[i] if i < len(spans) else span_of(field_of(solver, "stepvalue"))
                    yield self.diagnostic(
                        span,
                        f"stepvalue {value} is at or past max_iter {max_iter}: Caffe runs iterations 0..{max_iter - 1}, "
                        "so this step is never reached",
                        Fix(f"use a stepvalue below {max_iter}, or raise max_iter"),
                    )
        elif policy == "step" and is_set(solver, "stepsize"):
            stepsize = int(value_of(solver, "stepsize", 0) or 0)
            if stepsize >= max_iter:
                yield self.diagnostic(
                    span_of(field_of(solver, "stepsize")),
                    f"stepsize {stepsize} is at or past max_iter {max_iter}: the rate never drops",
                    Fix(f"use a stepsize below {max_iter}"),
                )
