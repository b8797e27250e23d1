from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._caffe import value_spans


class StepvalueOrder(Rule):
    """## What it does
    Checks that `stepvalue` is strictly increasing.

    ## Why is this bad?
    multistep (`SGDSolver::GetLearningRate`, src/caffe/solvers/sgd_solver.cpp)
    advances its step by at most one per iteration and only compares
    `stepvalue[current_step]`: with 300, 100, 200 nothing happens until iteration
    300, then the rate drops on three consecutive iterations (300, 301, 302).
    Duplicates also drop on consecutive iterations.

    ## Example
    ```prototxt
    lr_policy: "multistep"
    gamma: 0.1
    stepvalue: 300000
    stepvalue: 100000
    ```

    ## Use instead
    ```prototxt
    lr_policy: "multistep"
    gamma: 0.1
    stepvalue: 100000
    stepvalue: 300000
    ```
    """

    code = "CF003"
    name = "stepvalue-order"
    severity = Severity.WARNING
    needs = ("solver",)
    summary = "stepvalue not strictly increasing (one advance per iteration)"

    def check(self) -> Iterator[Diagnostic]:
        solver = self.ctx.solver
        if solver.lr_policy != "multistep":
            return
        values = solver.stepvalue
        spans = value_spans(solver, "stepvalue")
        for i in range(1, len(values)):
            if values[i] > values[i - 1]:
                continue
            span = spans[i]
            reached = max(values[:i])
            if values[i] == values[i - 1]:
                what = (f"stepvalue {values[i]} is repeated: Caffe's multistep advances at most one step per "
                        f"iteration, so the second drop happens at iteration {values[i] + 1}")
            else:
                what = (f"stepvalue {values[i]} comes after {values[i - 1]}: Caffe's multistep compares only the "
                        f"next stepvalue and advances at most one step per iteration, so nothing happens at "
                        f"{values[i]}; that drop happens at iteration {reached + 1}, right after {reached}")
            yield self.diagnostic(
                span,
                what,
                Fix("list the stepvalues in increasing order, without repeats: "
                    + ", ".join(str(v) for v in sorted(set(values)))),
            )
            return
