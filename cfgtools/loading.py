"""Read a config file into its typed model, whichever framework it belongs to.

The one place where commands turn a path into a darknet document or a Caffe
solver: read the bytes, recognise the framework from the content, parse.
Everything raises :class:`~cfgtools.errors.InputError` (one line, exit 2).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cfgtools.errors import InputError
from cfgtools.sources import Kind, SourceText, describe_kind, detect_kind, read_source

if TYPE_CHECKING:
    from cfgtools.caffe.solver import CaffeSolver
    from cfgtools.darknet.document import CfgDocument
    from cfgtools.darknet.net import NetConfig


@dataclass(frozen=True)
class LoadedConfig:
    source: SourceText
    kind: Kind
    document: "CfgDocument | None" = None  # darknet
    solver: "CaffeSolver | None" = None  # Caffe

    @property
    def path(self) -> str:
        return self.source.path

    def net(self) -> "NetConfig":
        from cfgtools.darknet.net import read_net

        assert self.document is not None
        return read_net(self.document)


def load_config(path: str | os.PathLike[str], dialect: str = "alexeyab", require_net: bool = True) -> LoadedConfig:
    """Read ``path`` as darknet (in ``dialect``) or Caffe reads it.

    With ``require_net``, a darknet file whose first section is not ``[net]``
    (as this fork reads it) is refused, as darknet refuses it.
    """
    source = read_source(path)
    kind = detect_kind(source)
    if kind == "darknet":
        from cfgtools.darknet.document import read_cfg

        try:
            document = read_cfg(source, source.path, dialect)  # type: ignore[arg-type]
        except InputError as exc:
            raise exc.with_path(source.path) from None
        if require_net and document.net is None:
            where = document.sections[0].span if document.sections else None
            raise InputError(
                "no [net] or [network] section first: darknet refuses the file",
                source.path, where.line if where else 1, where.column if where else 1,
            )
        return LoadedConfig(source=source, kind=kind, document=document)
    if kind == "caffe-solver":
        from cfgtools.caffe.solver import read_solver

        try:
            solver = read_solver(source)
        except InputError as exc:
            raise exc.with_path(source.path) from None
        return LoadedConfig(source=source, kind=kind, solver=solver)
    raise InputError(describe_kind(source), source.path)
