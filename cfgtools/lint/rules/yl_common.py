"""Shared views for the YL (network) rules: the typed layers and the shape walk, computed once per file."""

from __future__ import annotations

from cfgtools.darknet.layers import Layer, parse_layers
from cfgtools.darknet.network import Network, infer_network
from cfgtools.lint.core import LintContext

DETECTION_KINDS = ("yolo", "Gaussian_yolo", "region")


def layers(ctx: LintContext) -> list[Layer]:
    """The typed layers (empty when the file has no [net] first: other rules report that)."""
    document = ctx.document
    if document is None or document.net is None:
        return []
    return ctx.cached("yl-layers", lambda: parse_layers(document))


def network(ctx: LintContext) -> Network | None:
    document = ctx.document
    if document is None or document.net is None:
        return None
    return ctx.cached("yl-network", lambda: infer_network(document))


def where(layer: Layer) -> str:
    return f"[{layer.section.name}] (layer {layer.index})"
