"""Where the CF rules point in a solver."""

from __future__ import annotations

from cfgtools.caffe.solver import CaffeSolver, SolverField
from cfgtools.positions import Span


def span_of(field: SolverField) -> Span:
    """The (first) value of a field as written, else its name."""
    return field.span or field.key_span or Span.point(1)


def policy_span(solver: CaffeSolver) -> Span:
    """The lr_policy value, or (when it is unset) the first field of the file."""
    if solver.is_set("lr_policy"):
        return span_of(solver.field("lr_policy"))
    spans = [f.key_span or f.span for f in solver.fields.values() if f.explicit]
    spans = [s for s in spans if s is not None]
    return min(spans, key=lambda s: (s.line, s.column)) if spans else Span.point(1)


def value_spans(solver: CaffeSolver, name: str) -> list[Span]:
    """The span of every value of a (repeated) field, in file order."""
    field = solver.field(name)
    return list(field.spans) or ([field.span] if field.span is not None else [])
