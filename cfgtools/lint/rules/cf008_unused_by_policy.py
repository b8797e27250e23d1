from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.caffe import POLICIES
from cfgtools.lint.rules._caffe import span_of

#: field -> policies whose rate uses it
_USED_BY = {
    "gamma": ("step", "exp", "inv", "multistep", "sigmoid", "plateau"),
    "power": ("inv", "poly"),
    "stepsize": ("step", "sigmoid"),
    "stepvalue": ("multistep",),
    "plateau_winsize": ("plateau",),  # SSD fork only
}


class SolverFieldUnusedByPolicy(Rule):
    """## What it does
    Checks for a schedule field (`gamma`, `power`, `stepsize`, `stepvalue`) that the
    `lr_policy` never uses.

    ## Why is this bad?
    `SGDSolver::GetLearningRate` (src/caffe/solvers/sgd_solver.cpp) reads each field
    only for some policies: `fixed` ignores gamma, power and stepsize; `stepvalue` is
    read only by `multistep`, `stepsize` only by `step` and `sigmoid`, `power` only
    by `inv` and `poly`; the SSD fork's `plateau_winsize` only by its `plateau`. Such a
    field looks like it shapes the schedule but does not.

    ## Example
    ```prototxt
    lr_policy: "fixed"
    stepsize: 10000     # ignored
    gamma: 0.1          # ignored
    ```

    ## Use instead
    ```prototxt
    lr_policy: "step"
    stepsize: 10000
    gamma: 0.1
    ```
    """

    code = "CF008"
    name = "solver-field-unused-by-policy"
    severity = Severity.INFO
    needs = ("solver",)
    summary = "a gamma/power/stepsize/stepvalue the lr_policy never uses"

    def check(self) -> Iterator[Diagnostic]:
        solver = self.ctx.solver
        policy = solver.lr_policy
        if policy not in POLICIES[solver.dialect]:
            return
        for name, users in _USED_BY.items():
            if policy in users or name not in solver.fields or not solver.is_set(name):
                continue
            field = solver.field(name)
            yield self.diagnostic(
                field.key_span or span_of(field),
                f"{name} has no effect with lr_policy \"{policy}\" (only {', '.join(users)} use it)",
                Fix(f"delete {name}, or use a policy that needs it"),
            )
