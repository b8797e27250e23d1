from __future__ import annotations

from typing import Iterator

from cfgtools.caffe import fork_name
from cfgtools.caffe.schema import forks_with_field
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
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
    training starts. Each fork has its own schema: the SSD fork's `eval_type`,
    `ap_version`, `plateau_winsize` and `show_per_class_result` are unknown to BVLC
    Caffe, and BVLC's `layer_wise_reduce` and `weights` are unknown to the SSD fork;
    the message then names the fork that has the field.

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
        solver = self.ctx.solver
        fork = fork_name(solver.dialect)
        for unknown in solver.unknown_fields:
            name, span = unknown.name, unknown.span
            message = (
                f"{quoted(name)} is not a SolverParameter field of {fork}: it stops with 'Message type "
                f"\"caffe.SolverParameter\" has no field named \"{name}\"' before training"
            )
            owners = forks_with_field(name) if name.isascii() else ()
            if owners:
                names = " and ".join(fork_name(owner) for owner in owners)
                flags = " or ".join(f"--caffe-fork {owner}" for owner in owners)
                message += f" ({name} is a field of {names} only)"
                yield self.diagnostic(span, message, Fix(f"remove {name}, or lint with {flags} if you train with "
                                                         f"{names}"))
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
