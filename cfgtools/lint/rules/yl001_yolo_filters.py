from __future__ import annotations

from typing import Iterator

from cfgtools.darknet.layers import expected_filters, yolo_mask
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules.yl_common import DETECTION_KINDS, where


class YoloFilters(Rule):
    """## What it does
    Checks the `filters` of the `[convolutional]` before a `[yolo]`,
    `[Gaussian_yolo]` or `[region]` layer.

    ## Why is this bad?
    A detection layer reads its input as `len(mask)` (`num` for `[region]`) boxes of
    `classes + 5` numbers (`[yolo]`), `classes + 9` (`[Gaussian_yolo]`) or
    `classes + coords + 1` (`[region]`). darknet checks that the previous layer
    gives exactly that many outputs and stops otherwise (AlexeyAB's `parse_yolo`,
    `parse_gaussian_yolo` and `parse_region` in src/parser.c: "filters= in the
    [convolutional]-layer doesn't correspond to classes= or mask= in [yolo]-layer";
    pjreddie: an assert). The usual cause is
    changing `classes` without changing `filters`.

    ## Example
    ```cfg
    [convolutional]
    size=1
    # (80+5)*3: still the COCO value
    filters=255
    activation=linear

    [yolo]
    mask=0,1,2
    classes=2
    num=6
    ```

    ## Use instead
    ```cfg
    [convolutional]
    size=1
    # (2+5)*3
    filters=21
    activation=linear

    [yolo]
    mask=0,1,2
    classes=2
    num=6
    ```

    ## Fix safety
    Unsafe: `filters=(classes+5)*len(mask)` makes the network load, but it
    changes the layer's weights: weights trained with the old count no longer
    fit. Only `--unsafe-fixes` applies it.
    """

    code = "YL001"
    name = "yolo-filters"
    severity = Severity.ERROR
    needs = ("layers",)
    summary = "the [convolutional] before a [yolo]/[Gaussian_yolo]/[region] has filters that do not match classes and mask/num"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        all_layers = self.ctx.layers
        net = self.ctx.network
        for i, layer in enumerate(all_layers):
            if layer.kind not in DETECTION_KINDS:
                continue
            expected = expected_filters(layer)
            if layer.kind == "region":
                formula = f"(classes + coords + 1) * num = ({layer.classes} + {layer.coords} + 1) * {layer.num}"
            else:
                extra = 5 if layer.kind == "yolo" else 9
                formula = f"(classes + {extra}) * len(mask) = ({layer.classes} + {extra}) * {len(yolo_mask(layer))}"
            previous = all_layers[i - 1] if i > 0 else None
            if previous is not None and previous.kind == "convolutional":
                if previous.filters == expected:
                    continue
                message = (
                    f"filters={previous.filters} in the [convolutional] (layer {previous.index}) before "
                    f"{where(layer)} must be {formula} = {expected}: darknet stops with "
                    "'filters= in the [convolutional]-layer doesn't correspond to classes= or mask='"
                )
                option = previous.option("filters")
                span = previous.span("filters")
                fix = Fix(f"write filters={expected}", replacement=str(expected), span=span if option else None)
                if option is None:
                    fix = Fix(f"add filters={expected} to the [convolutional] at line {previous.section.span.line}")
                yield self.diagnostic(span, message, fix)
            elif net is not None and i < len(net.layers) and i > 0:
                row = net.layers[i]
                given = net.layers[i - 1].outputs
                w, h, _ = row.input
                needed = w * h * expected
                if given != needed:
                    yield self.diagnostic(
                        layer.section.span,
                        f"{where(layer)} needs {w}x{h}x{expected} = {needed} inputs ({formula} per cell) but "
                        f"layer {i - 1} gives {given}: darknet stops (the outputs do not match classes and mask/num)",
                        Fix(f"make layer {i - 1} output {expected} channels"),
                    )
