"""Caffe facts the CF rules share, and tolerant access to the solver model."""

from __future__ import annotations

from typing import Any

from cfgtools.positions import Span

#: Every SolverParameter field of BVLC Caffe (numbers 1-42).
SOLVER_FIELDS = (
    "train_net", "test_net", "test_iter", "test_interval", "base_lr", "display", "max_iter", "lr_policy",
    "gamma", "power", "momentum", "weight_decay", "stepsize", "snapshot", "snapshot_prefix", "snapshot_diff",
    "solver_mode", "device_id", "test_compute_loss", "random_seed", "train_net_param", "test_net_param",
    "debug_info", "net", "net_param", "train_state", "test_state", "snapshot_after_train",
    "regularization_type", "solver_type", "delta", "test_initialization", "average_loss", "stepvalue",
    "clip_gradients", "iter_size", "snapshot_format", "rms_decay", "momentum2", "type", "layer_wise_reduce",
    "weights",
)
#: Fields that only forks know.
FORK_FIELDS = {
    "plateau_winsize": "the SSD fork (weiliu89/caffe)",
    "eval_type": "the SSD fork (weiliu89/caffe)",
    "ap_version": "the SSD fork (weiliu89/caffe)",
    "show_per_class_ap": "the SSD fork (weiliu89/caffe)",
}
POLICIES = ("fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid")
SOLVER_TYPES = ("SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam")


def field_of(solver, name: str):
    try:
        return solver.field(name)
    except (KeyError, AttributeError):
        return None


def is_set(solver, name: str) -> bool:
    try:
        return bool(solver.is_set(name))
    except (KeyError, AttributeError):
        return False


def value_of(solver, name: str, default: Any = None) -> Any:
    try:
        value = solver.value(name)
    except (KeyError, AttributeError):
        return default
    return default if value is None else value


def span_of(item, default: Span | None = None) -> Span:
    span = getattr(item, "span", None) or getattr(item, "key_span", None)
    return span or default or Span.point(1)


def key_span_of(item, default: Span | None = None) -> Span:
    span = getattr(item, "key_span", None) or getattr(item, "span", None)
    return span or default or Span.point(1)


def policy_span(solver) -> Span:
    """The lr_policy value, or (when it is unset) the first field of the file."""
    if is_set(solver, "lr_policy"):
        return span_of(field_of(solver, "lr_policy"))
    fields = getattr(solver, "fields", {}) or {}
    spans = [
        getattr(f, "key_span", None) or getattr(f, "span", None)
        for f in (fields.values() if isinstance(fields, dict) else fields)
        if getattr(f, "explicit", False)
    ]
    spans = [s for s in spans if s is not None]
    return min(spans, key=lambda s: (s.line, s.column)) if spans else Span.point(1)


def as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def fields_named(solver, name: str) -> list:
    """Every occurrence of a field (a repeated field has several)."""
    fields = getattr(solver, "fields", ()) or ()
    items = list(fields.values()) if isinstance(fields, dict) else list(fields)
    flat: list = []
    for item in items:
        flat.extend(item if isinstance(item, (list, tuple)) else [item])
    return [f for f in flat if getattr(f, "name", None) == name]


def policy_of(solver) -> str | None:
    """The lr_policy text, or None when it is not set."""
    if not is_set(solver, "lr_policy"):
        return None
    value = value_of(solver, "lr_policy", "")
    return str(value)


def stepvalues(solver) -> list[int]:
    values = getattr(solver, "stepvalue", None)
    if values is None:
        values = value_of(solver, "stepvalue", [])
    return [int(v) for v in as_list(values)]


def value_spans(solver, name: str) -> list[Span]:
    """The span of every value of a (repeated) field, in file order."""
    item = field_of(solver, name)
    if item is None:
        return []
    spans = list(getattr(item, "spans", None) or [])
    if not spans and getattr(item, "span", None) is not None:
        spans = [item.span]
    return spans
