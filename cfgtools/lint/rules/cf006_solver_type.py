from __future__ import annotations

from typing import Iterator

from cfgtools.caffe import SOLVER_TYPES
from cfgtools.caffe.edit import removal
from cfgtools.edits import LineIndex
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._caffe import span_of
from cfgtools.positions import Span


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

    ## Fix safety
    Safe: `--fix` writes `solver_type: X` as the `type: "..."` Caffe upgrades it
    to, and with both fields deletes `solver_type` when it names the same solver
    as `type`. When the two disagree, which one was meant is a guess: only
    `--unsafe-fixes` deletes `solver_type` (keeping `type`, which Caffe's
    newer releases read).
    """

    code = "CF006"
    name = "solver-type"
    severity = Severity.ERROR
    needs = ("solver",)
    summary = "solver_type with type (Caffe dies); solver_type alone is deprecated"
    fix_safety = Applicability.SAFE

    def check(self) -> Iterator[Diagnostic]:
        solver = self.ctx.solver
        if not solver.is_set("solver_type"):
            return
        item = solver.field("solver_type")
        span = span_of(item)
        name = SOLVER_TYPES[item.value]
        if solver.both_solver_type_and_type:
            same = name == solver.value("type")
            yield self.diagnostic(
                span,
                "both solver_type and type are set: Caffe dies with 'old solver_type field (enum) and new type "
                "field (string) cannot be both specified in solver proto text'",
                Fix("delete the solver_type line and keep type",
                    edits=(removal(LineIndex(self.ctx.loaded.source.text), item.key_span, span),),
                    applicability=None if same else Applicability.UNSAFE),
            )
            return
        yield self.diagnostic(
            span,
            f"solver_type is deprecated: Caffe upgrades it to type: \"{name}\" and logs a deprecation note",
            Fix(f'write type: "{name}" instead', f'type: "{name}"',
                Span(item.key_span.line, item.key_span.column, span.end_line, span.end_column)),
            severity=Severity.INFO,
        )
