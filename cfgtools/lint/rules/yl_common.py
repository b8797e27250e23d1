"""What the YL (network) rules share."""

from __future__ import annotations

from cfgtools.darknet.layers import Layer

#: layer types that read their input as boxes of class scores
DETECTION_KINDS = ("yolo", "Gaussian_yolo", "region")


def where(layer: Layer) -> str:
    return f"[{layer.section.name}] (layer {layer.index})"
