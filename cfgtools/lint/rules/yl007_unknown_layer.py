from __future__ import annotations

from typing import Iterator

from cfgtools.darknet import other_dialects
from cfgtools.darknet.layers import HEADERS, NETWORK_HEADERS
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import did_you_mean


class UnknownLayerType(Rule):
    """## What it does
    Checks for section types darknet does not know.

    ## Why is this bad?
    darknet prints "Type not recognized" (`parse_network_cfg`, src/parser.c) and
    builds an empty layer. The type is the whole line after blanks are removed,
    matched exactly (case-sensitive, `string_to_layer_type`): `[Yolo]`, `[conv2d]`
    and `[yolo] # head` (which reads as `[yolo]#head`) are all unknown. The empty
    layer outputs 0x0x0, so the next layer usually stops with "Layer before ... must
    output image". Some types exist in one fork only (`[sam]`, `[scale_channels]`,
    `[Gaussian_yolo]` are AlexeyAB's; `[deconvolutional]` is pjreddie's).

    ## Example
    ```cfg
    [Convolutional]
    filters=32
    ```

    ## Use instead
    ```cfg
    [convolutional]
    filters=32
    ```

    ## Fix safety
    Unsafe: the layer type it writes is a guess from the spelling, and it changes
    the network. Only `--unsafe-fixes` applies it.
    """

    code = "YL007"
    name = "unknown-layer-type"
    severity = Severity.ERROR
    needs = ("document", "layers")
    summary = "a section type darknet does not recognise (an empty 0x0x0 layer)"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        document = self.ctx.document
        for layer in self.ctx.layers:
            if layer.kind is not None:
                continue
            header = layer.header
            dialect = document.dialect
            known = HEADERS[dialect]
            hint = ""
            replacement = None
            bare = header.split("]")[0] + "]" if "]" in header else header
            owners = [other for other in other_dialects(dialect) if header in HEADERS[other]]
            if header in NETWORK_HEADERS:
                hint = ": only the first section may be [net]/[network]"
            elif bare in known and bare != header:
                hint = f": the text after ']' is part of the type; write {bare} on its own line"
                replacement = bare
            elif owners:
                hint = f": {header} exists in {' and '.join(owners)}'s darknet only"
            else:
                guess = did_you_mean(header, known)
                if guess:
                    hint = f"; did you mean {guess}?"
                    replacement = guess
            yield self.diagnostic(
                layer.section.span,
                f"Type not recognized: {header} (layer {layer.index}): darknet builds an empty 0x0x0 layer{hint}",
                Fix(f"write {replacement}" if replacement else "use a layer type darknet knows",
                    replacement=replacement, span=layer.section.span if replacement else None),
            )
