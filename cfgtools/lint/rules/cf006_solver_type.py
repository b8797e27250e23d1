from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Rule, Severity, register
from cfgtools.lint.rules._caffe import field_of, is_set, span_of

_ENUM_TO_TYPE = {
    "SGD": "SGD", "NESTEROV": "Nesterov", "ADAGRAD": "AdaGrad",
    "RMSPROP": "RMSProp", "ADADELTA": "AdaDelta", "ADAM": "Adam",
}


@register
class SolverType(Rule):
    """The deprecated ``solver_type`` enum, or ``solver_type`` together with ``type``.

    Caffe upgrades ``solver_type: NESTEROV`` to ``type: "Nesterov"`` and logs
    a deprecation note. With both fields it dies: ``old solver_type field
    (enum) and new type field (string) cannot be both specified``.

    Bad::

        solver_type: ADAM
        type: "Adam"

    Good::

        type: "Adam"
    """

    code = "CF006"
    name = "solver-type"
    severity = Severity.ERROR
    framework = "caffe"
    summary = "solver_type with type (Caffe dies); solver_type alone is deprecated"

    def check(self) -> Iterator[Diagnostic]:
        solver = self.ctx.solver
        if solver is None or not is_set(solver, "solver_type"):
            return
        item = field_of(solver, "solver_type")
        span = span_of(item)
        raw = str(getattr(item, "value", "") or getattr(solver, "solver_type_name", "") or "")
        name = _ENUM_TO_TYPE.get(raw.upper(), getattr(solver, "solver_type_name", None) or raw)
        both = getattr(solver, "both_solver_type_and_type", None)
        if both is None:
            both = is_set(solver, "type")
        if both:
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
            severity=self.ctx.settings.severity_for(self.code, Severity.INFO),
        )
