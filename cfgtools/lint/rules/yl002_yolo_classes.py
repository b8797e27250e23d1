from __future__ import annotations

from collections import Counter
from typing import Iterator

from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules.yl_common import where


class YoloClasses(Rule):
    """## What it does
    Checks that the `[yolo]` and `[Gaussian_yolo]` layers of one network agree on
    `classes`.

    ## Why is this bad?
    Every detection head predicts the same objects, and training and the .names
    file assume one class count: a head with another `classes` (a `[yolo]` that was
    missed when changing the class count) mislabels boxes, drops annotations it
    thinks are out of range, and its filters are usually wrong too.

    ## Example
    ```cfg
    [yolo]
    mask=3,4,5
    classes=2

    [yolo]
    mask=0,1,2
    classes=80
    ```

    ## Use instead
    ```cfg
    [yolo]
    mask=3,4,5
    classes=2

    [yolo]
    mask=0,1,2
    classes=2
    ```

    ## Fix safety
    Unsafe: it writes the class count the other detection layers use, a guess
    that changes the network (and the filters before the layer must follow). Only
    `--unsafe-fixes` applies it.
    """

    code = "YL002"
    name = "yolo-classes-mismatch"
    severity = Severity.ERROR
    needs = ("layers",)
    summary = "the [yolo]/[Gaussian_yolo] layers of a network disagree on classes"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        heads = [layer for layer in self.ctx.layers if layer.kind in ("yolo", "Gaussian_yolo")]
        if len(heads) < 2:
            return
        counts = Counter(layer.classes for layer in heads)
        if len(counts) < 2:
            return
        # the most common value wins; on a tie, the first head's
        top = max(counts.values())
        majority = next(layer.classes for layer in heads if counts[layer.classes] == top)
        agreeing = [layer.index for layer in heads if layer.classes == majority]
        for layer in heads:
            if layer.classes == majority:
                continue
            option = layer.option("classes")
            span = layer.span("classes")
            written = "" if option is not None else " (the default: classes= is missing)"
            yield self.diagnostic(
                span,
                f"classes={layer.classes}{written} in {where(layer)}, but the other detection layers "
                f"(layers {', '.join(map(str, agreeing))}) use classes={majority}",
                Fix(f"write classes={majority} (and update the filters of the [convolutional] before it)",
                    replacement=str(majority) if option is not None else None,
                    span=span if option is not None else None),
            )
