from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.caffe import DIALECTS, POLICIES, fork_name
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
    only in the SSD fork (`--caffe-fork ssd`).

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
        fork = fork_name(solver.dialect)
        known = POLICIES[solver.dialect]
        if not solver.is_set("lr_policy"):
            yield self.diagnostic(
                span,
                f"lr_policy is not set: {fork} uses \"\" and aborts with 'Unknown learning rate policy: ' at the "
                "first training iteration",
                Fix('add lr_policy: "fixed" (or the schedule you mean)'),
            )
            return
        if policy in known:
            return
        message = (f"unknown lr_policy {quoted(policy)}: {fork} aborts with 'Unknown learning rate policy: {policy}' at "
                   "the first training iteration")
        owners = [other for other in DIALECTS if policy in POLICIES[other]]
        if owners:
            names = " and ".join(fork_name(owner) for owner in owners)
            message += f" ({policy} exists only in {names})"
            yield self.diagnostic(span, message, Fix(f"lint with --caffe-fork {owners[0]} if you train with "
                                                     f"{names}, or use multistep with stepvalues"))
            return
        hint = did_you_mean(policy, known, cutoff=0.5)
        fix = None
        if hint:
            message += f"; did you mean {hint!r}?"
            fix = Fix(f'write lr_policy: "{hint}"')
        else:
            message += f"; {fork} knows {', '.join(known)}"
        yield self.diagnostic(span, message, fix)
