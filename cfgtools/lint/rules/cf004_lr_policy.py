from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.caffe import POLICIES
from cfgtools.lint.rules._caffe import policy_span
from cfgtools.lint.rules._helpers import did_you_mean
from cfgtools.values import quoted


class LrPolicy(Rule):
    """## What it does
    Checks that `lr_policy` is set to a policy Caffe knows.

    ## Why is this bad?
    lr_policy has no default: an omitted one is `""`. Either way
    `SGDSolver::GetLearningRate` (src/caffe/solvers/sgd_solver.cpp) stops with
    `Unknown learning rate policy` at the first training iteration (after the test
    at iteration 0 has run). Names are exact and case-sensitive; `plateau` exists
    only in the SSD fork.

    ## Example
    ```prototxt
    base_lr: 0.01
    lr_policy: "Step"
    ```

    ## Use instead
    ```prototxt
    base_lr: 0.01
    lr_policy: "step"
    stepsize: 10000
    gamma: 0.1
    ```
    """

    code = "CF004"
    name = "lr-policy"
    severity = Severity.ERROR
    needs = ("solver",)
    summary = "lr_policy missing or unknown: Caffe aborts at the first update"

    def check(self) -> Iterator[Diagnostic]:
        solver = self.ctx.solver
        policy = solver.lr_policy
        span = policy_span(solver)
        if not solver.is_set("lr_policy"):
            yield self.diagnostic(
                span,
                "lr_policy is not set: Caffe uses \"\" and aborts with 'Unknown learning rate policy: ' at the "
                "first training iteration",
                Fix('add lr_policy: "fixed" (or the schedule you mean)'),
            )
            return
        if policy in POLICIES:
            return
        message = f"unknown lr_policy {quoted(policy)}: Caffe aborts with 'Unknown learning rate policy: {policy}' at the first training iteration"
        if policy == "plateau":
            message += " (plateau exists only in the SSD fork)"
            yield self.diagnostic(span, message, Fix("use the SSD fork, or multistep with stepvalues"))
            return
        hint = did_you_mean(policy, POLICIES, cutoff=0.5)
        fix = None
        if hint:
            message += f"; did you mean {hint!r}?"
            fix = Fix(f'write lr_policy: "{hint}"')
        else:
            message += f"; Caffe knows {', '.join(POLICIES)}"
        yield self.diagnostic(span, message, fix)
