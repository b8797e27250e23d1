from __future__ import annotations

from typing import Iterator

from cfgtools.caffe import SOLVER_TYPES
from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._caffe import span_of


class SolverType(Rule):
    """## What it does
    Checks for the deprecated `solver_type` enum, alone or together with `type`.

    ## Why is this bad?
    `UpgradeSolverAsNeeded` (src/caffe/util/upgrade_proto.cpp) upgrades
    `solver_type: NESTEROV` to `type: "Nesterov"` and logs a deprecation note. With
    both fields it dies: `old solver_type field (enum) and new type field (string)
    cannot be both specified`.

    ## Example
    ```prototxt
    solver_type: ADAM
    type: "Adam"
    ```

    ## Use instead
    ```prototxt
    type: "Adam"
    ```
    """

    code = "CF006"
    name = "solver-type"
    severity = Severity.ERROR
    needs = ("solver",)
    summary = "solver_type with type (Caffe dies); solver_type alone is deprecated"

    def check(self) -> Iterator[Diagnostic]:
        solver = self.ctx.solver
        if not solver.is_set("solver_type"):
            return
        item = solver.field("solver_type")
        span = span_of(item)
        name = SOLVER_TYPES[item.value]
        if solver.both_solver_type_and_type:
            yield self.diagnostic(
                span,
                "both solver_type and type are set: Caffe dies with 'old solver_type field (enum) and new type "
                "field (string) cannot be both specified in solver proto text'",
                Fix("delete the solver_type line and keep type"),
            )
            return
        yield self.diagnostic(
            span,
            f"solver_type is deprecated: Caffe upgrades it to type: \"{name}\" and logs a deprecation note",
            Fix(f'write type: "{name}" instead', f'type: "{name}"', None),
            severity=Severity.INFO,
        )
