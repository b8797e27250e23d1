from __future__ import annotations

from typing import Iterator

from cfgtools.darknet.layers import SIZE_CHECKED_LAST_LAYERS, fits_grid, hankai_size_stop
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
    Yolo v1/v2/v3!!!") when the last layer is `[yolo]`, `[region]` or `[detection]`
    (`YOLO`, `REGION`, `DETECTION`: not `[Gaussian_yolo]`, whose type it does not test).
    hank-ai stops instead ("width=W and height=H in cfg file must be divisible by
    32 for YOLO networks", `CfgFile::create_network`, src-lib/darknet_cfg.cpp) after
    a `[yolo]` or `[region]`, and for a size below 32 too; pjreddie does not check.

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
        dialect = net.dialect
        hankai = dialect == "hankai"
        last = all_layers[-1]
        # the grid misaligns after these whatever the fork says (pjreddie says nothing)
        if last.kind not in SIZE_CHECKED_LAST_LAYERS["hankai" if hankai else "alexeyab"]:
            return
        unreadable = dict(net.fatal_keys)  # hank-ai stops at such a number first (DN004)
        for setting in (net.width, net.height):
            value = setting.value
            if fits_grid(value, dialect) or not setting.from_file or setting.key in unreadable:
                continue  # a missing size is DN011's finding (no input parameters)
            nearest = max(32, int(round(value / 32)) * 32)
            span = setting.span or self.ctx.document.net.span
            if hankai:
                what = "is not a multiple of 32" if value % 32 else "is below 32"
                stop, _ = hankai_size_stop(net.width, net.height, all_layers)
                said = f"{setting.key}={value} {what} (the network ends in a [{last.section.name}] layer): {stop}"
            else:
                checks = ("AlexeyAB warns that it must be divisible by 32" if dialect == "alexeyab"
                          else "pjreddie's darknet does not check it, and the grid no longer lines up with the image")
                said = (f"{setting.key}={value} is not a multiple of 32 (the network ends in a "
                        f"[{last.section.name}] layer): {checks}")
            yield self.diagnostic(
                span, f"{said}; try {nearest}",
                Fix(f"write {setting.key}={nearest}", replacement=str(nearest) if setting.span else None,
                    span=setting.span),
                severity=Severity.ERROR if hankai else None,
            )
