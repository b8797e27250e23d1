"""Each Caffe fork's schema: its generated protobuf module, and the fields that only some forks have.

``schemas/caffe.proto`` is BVLC Caffe's SolverParameter/SolverState;
``schemas/caffe_ssd.proto`` is the SSD fork's, copied from weiliu89/caffe
(branch ssd, src/caffe/proto/caffe.proto). The fields one fork has and another
lacks are read from the two generated descriptors, never listed by hand: SSD
has ``eval_type`` (41), ``ap_version`` (42), ``plateau_winsize`` (43) and
``show_per_class_result`` (44), BVLC has ``layer_wise_reduce`` (41) and
``weights`` (42).

The generated modules import protobuf, so they are imported on first use.
"""

from __future__ import annotations

import functools
from types import ModuleType

from cfgtools.caffe import DIALECTS


def generated(dialect: str) -> ModuleType:
    """The generated protobuf module of ``dialect``'s schema."""
    if dialect == "ssd":
        from cfgtools.caffe import caffe_ssd_pb2  # lazy: the generated module imports protobuf

        return caffe_ssd_pb2
    if dialect != "bvlc":
        raise ValueError(f"unknown Caffe fork {dialect!r} (known: {', '.join(DIALECTS)})")
    from cfgtools.caffe import caffe_pb2  # lazy: the generated module imports protobuf

    return caffe_pb2


@functools.cache
def solver_fields(dialect: str) -> frozenset[str]:
    """The names of ``dialect``'s SolverParameter fields."""
    return frozenset(generated(dialect).SolverParameter.DESCRIPTOR.fields_by_name)


def forks_with_field(name: str) -> tuple[str, ...]:
    """The forks whose SolverParameter has a field ``name``, in DIALECTS order (empty: none has it)."""
    return tuple(dialect for dialect in DIALECTS if name in solver_fields(dialect))


@functools.cache
def fork_fields() -> dict[str, tuple[str, ...]]:
    """Every SolverParameter field that not every fork has -> the forks that have it."""
    every = frozenset.intersection(*(solver_fields(d) for d in DIALECTS))
    names = sorted(frozenset.union(*(solver_fields(d) for d in DIALECTS)) - every)
    return {name: forks_with_field(name) for name in names}
