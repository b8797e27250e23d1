from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._caffe import span_of, value_spans


class StepPastMaxIter(Rule):
    """## What it does
    Checks for a stepvalue (or the stepsize of `step`) at or past `max_iter`.

    ## Why is this bad?
    Caffe runs iterations 0..max_iter-1 (`Solver::Solve` steps `max_iter - iter_`
    times, src/caffe/solver.cpp); the rate of iteration max_iter is never used. A
    stepvalue >= max_iter is never reached and never changes the rate, and Caffe
    says nothing about it. Solvers without max_iter (py-faster-rcnn sets it from
    Python) are not checked.

    ## Example
    ```prototxt
    max_iter: 50000
    lr_policy: "multistep"
    gamma: 0.1
    stepvalue: 40000
    stepvalue: 60000    # never reached
    ```

    ## Use instead
    ```prototxt
    max_iter: 50000
    lr_policy: "multistep"
    gamma: 0.1
    stepvalue: 40000
    stepvalue: 45000
    ```
    """

    code = "CF005"
    name = "step-past-max-iter"
    severity = Severity.WARNING
    needs = ("solver",)
    summary = "a stepvalue/stepsize at or past max_iter never fires"

    def check(self) -> Iterator[Diagnostic]:
        solver = self.ctx.solver
        max_iter = solver.max_iter
        if not solver.is_set("max_iter") or max_iter <= 0:
            return
        policy = solver.lr_policy
        if policy == "multistep":
            spans = value_spans(solver, "stepvalue")
            for i, value in enumerate(solver.stepvalue):
                if value >= max_iter:
                    yield self.diagnostic(
                        spans[i],
                        f"stepvalue {value} is at or past max_iter {max_iter}: Caffe runs iterations 0..{max_iter - 1}, "
                        "so this step is never reached",
                        Fix(f"use a stepvalue below {max_iter}, or raise max_iter"),
                    )
        elif policy == "step" and solver.is_set("stepsize"):
            stepsize = solver.stepsize
            if stepsize >= max_iter:
                yield self.diagnostic(
                    span_of(solver.field("stepsize")),
                    f"stepsize {stepsize} is at or past max_iter {max_iter}: the rate never drops",
                    Fix(f"use a stepsize below {max_iter}"),
                )
