from __future__ import annotations

from typing import Iterator

from cfgtools.darknet import fork_name, other_dialects
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
    `[Gaussian_yolo]` are AlexeyAB's; `[deconvolutional]` is pjreddie's). hank-ai's
    reader stops at a name it does not know (`layer name "X" is not supported`,
    src-lib/darknet_cfg.cpp), which DN011 reports.

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

    ## Options
    - `--select`, `--extend-select`, `--ignore` (or `select`, `extend-select`,
      `ignore` in `[tool.cfgtools]`): under hank-ai an unknown section is DN011's finding; this rule reports it only when DN011 does not run.
    """

    code = "YL007"
    name = "unknown-layer-type"
    severity = Severity.ERROR
    needs = ("document", "layers")
    summary = "a section type darknet does not recognise (an empty 0x0x0 layer)"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        document = self.ctx.document
        hankai = document.dialect == "hankai"
        if hankai and self.ctx.settings.is_enabled("DN011"):
            return  # hank-ai's reader stops at the name: DN011 reports it, once
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
                hint = f": {header} exists in {' and '.join(fork_name(o) for o in owners)}'s darknet only"
            else:
                guess = did_you_mean(header, known)
                if guess:
                    hint = f"; did you mean {guess}?"
                    replacement = guess
            if hankai:  # its reader stops (src-lib/darknet_cfg.cpp), no layer is built
                said = f'hank-ai stops with "layer name "{layer.section.name}" is not supported"{hint}'
            else:
                said = (f"Type not recognized: {header} (layer {layer.index}): darknet ({fork_name(dialect)}) builds "
                        f"an empty 0x0x0 layer{hint}")
            yield self.diagnostic(
                layer.section.span,
                said,
                Fix(f"write {replacement}" if replacement else "use a layer type darknet knows",
                    replacement=replacement, span=layer.section.span if replacement else None),
            )
