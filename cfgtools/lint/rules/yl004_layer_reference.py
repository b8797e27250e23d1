from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules.yl_common import where


class LayerReference(Rule):
    """## What it does
    Checks that a `[route]` `layers` index, or a `[shortcut]`/`[sam]`/`[scale_channels]`
    `from` index, points to an earlier layer.

    ## Why is this bad?
    A negative index counts back from the current layer (`-1` is the previous
    layer), a non-negative one is an absolute layer index (0 is the first section
    after `[net]`). darknet (`parse_route`, `parse_shortcut` in src/parser.c) reads
    `net.layers[index]` without a check: an index before layer 0 or past the end
    reads outside the array (crash or garbage), and the current or a later layer is
    not built yet (its shape is 0x0x0).

    ## Example
    ```cfg
    # in layer 40: layer 61 comes later
    [route]
    layers=-1, 61
    ```

    ## Use instead
    ```cfg
    [route]
    layers=-1, 36
    ```
    """

    code = "YL004"
    name = "layer-reference"
    severity = Severity.ERROR
    needs = ("document", "layers")
    summary = "a [route] layers or [shortcut] from index points outside the network, to itself or forward"

    def check(self) -> Iterator[Diagnostic]:
        all_layers = self.ctx.layers
        total = len(all_layers)
        dialect = self.ctx.document.dialect
        for layer in all_layers:
            i = layer.index
            if layer.kind == "route":
                key, values = "layers", layer.layers
            elif layer.kind == "shortcut":
                key, values = "from", layer.from_
                if values and dialect == "pjreddie":
                    values = values[:1]
            elif layer.kind in ("sam", "scale_channels"):
                key, values = "from", None if layer.from_ is None else [layer.from_]
            else:
                continue
            if values is None:
                yield self.diagnostic(
                    layer.section.span,
                    f"{where(layer)} has no {key}=: darknet stops or crashes looking for its input layers",
                    Fix(f"add {key}=-1 (or the layers to read)"),
                )
                continue
            for written in values:
                index = i + written if written < 0 else written
                if index < 0:
                    why = f"{written} from layer {i} is layer {index}, before the first layer"
                elif index >= total:
                    why = f"layer {index} does not exist (the network has layers 0..{total - 1})"
                elif index == i:
                    why = f"layer {index} is this layer itself, which is not built yet"
                elif index > i:
                    why = f"layer {index} comes after this one and is not built yet (darknet sees 0x0x0)"
                else:
                    continue
                yield self.diagnostic(
                    layer.span(key),
                    f"{key}={written} in {where(layer)}: {why}",
                    Fix(f"point {key}= at an earlier layer (0..{i - 1}, or -1..-{i})"),
                )
