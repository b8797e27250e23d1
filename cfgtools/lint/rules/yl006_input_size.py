from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule


class InputSize(Rule):
    """## What it does
    Checks that `width` and `height` are multiples of 32 in a network that ends in a
    YOLO, region or detection layer.

    ## Why is this bad?
    YOLO backbones halve the image five times; with a size that is not a multiple of
    32 the feature maps are truncated and the grid no longer lines up with the
    image. AlexeyAB warns after loading (`parse_network_cfg_custom`, src/parser.c:
    "width=%d and height=%d in cfg-file must be divisible by 32 for default networks
    Yolo v1/v2/v3!!!") when the last layer is `[yolo]`, `[region]` or `[detection]`.

    ## Example
    ```cfg
    [net]
    width=500
    height=500
    ```

    ## Use instead
    ```cfg
    [net]
    width=512
    height=512
    ```

    ## Fix safety
    Unsafe: the nearest multiple of 32 it writes changes the network's input
    size. Only `--unsafe-fixes` applies it.
    """

    code = "YL006"
    name = "input-size-multiple-of-32"
    severity = Severity.WARNING
    needs = ("net", "layers")
    summary = "width or height is not a multiple of 32 in a network that ends in a YOLO/region/detection layer"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        all_layers = self.ctx.layers
        net = self.ctx.net
        if not all_layers:
            return
        if all_layers[-1].kind not in ("yolo", "Gaussian_yolo", "region", "detection"):
            return
        for setting in (net.width, net.height):
            value = setting.value
            if value % 32 == 0:
                continue
            nearest = max(32, int(round(value / 32)) * 32)
            span = setting.span or self.ctx.document.net.span
            yield self.diagnostic(
                span,
                f"{setting.key}={value} is not a multiple of 32 (the network ends in a "
                f"[{all_layers[-1].section.name}] layer): AlexeyAB warns that it must be divisible by 32; "
                f"try {nearest}",
                Fix(f"write {setting.key}={nearest}", replacement=str(nearest) if setting.span else None,
                    span=setting.span),
            )
