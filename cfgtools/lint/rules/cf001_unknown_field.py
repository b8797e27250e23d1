from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.caffe import FORK_FIELDS
from cfgtools.lint.rules._helpers import did_you_mean
from cfgtools.positions import Span
from cfgtools.values import quoted


class UnknownSolverField(Rule):
    """## What it does
    Checks for fields that Caffe's `SolverParameter` does not have.

    ## Why is this bad?
    Caffe refuses the file. `ReadSolverParamsFromTextFileOrDie`
    (src/caffe/util/upgrade_proto.cpp) parses the solver with protobuf's text format
    (`ReadProtoFromTextFile`, src/caffe/util/io.cpp), which stops at an unknown field
    name (`Message type "caffe.SolverParameter" has no field named ...`) before
    training starts. Fields of forks (`plateau_winsize` of the SSD fork) are unknown
    to BVLC Caffe.

    ## Example
    ```prototxt
    base_lr: 0.01
    lr_polciy: "step"
    ```

    ## Use instead
    ```prototxt
    base_lr: 0.01
    lr_policy: "step"
    ```

    ## Fix safety
    Unsafe: the field it renames to is a guess from the spelling, and the renamed
    field changes what Caffe does. Only `--unsafe-fixes` applies it, and not
    when that field is written already (the hint stays).
    """

    code = "CF001"
    name = "unknown-solver-field"
    severity = Severity.ERROR
    needs = ("solver",)
    summary = "unknown SolverParameter field: Caffe refuses the file"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        for unknown in self.ctx.solver.unknown_fields:
            name, span = unknown.name, unknown.span
            message = (
                f"{quoted(name)} is not a SolverParameter field: Caffe stops with 'Message type "
                f"\"caffe.SolverParameter\" has no field named \"{name}\"' before training"
            )
            if name in FORK_FIELDS:
                message += f" ({name} exists only in {FORK_FIELDS[name]})"
                yield self.diagnostic(span, message, Fix(f"remove {name}, or train with {FORK_FIELDS[name]}"))
                continue
            hint = did_you_mean(name, self.ctx.solver.fields, cutoff=0.7)
            fix = None
            if hint:
                message += f"; did you mean {hint!r}?"
                # a field written already would make Caffe refuse the file twice over: then a hint only
                fix = Fix(f"rename the field to {hint!r}", hint, Span(span.line, span.column, span.line,
                                                                        span.column + len(name)),
                          edits=() if self.ctx.solver.field(hint).spans else None)
            yield self.diagnostic(span, message, fix)
