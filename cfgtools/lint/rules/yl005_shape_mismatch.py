from __future__ import annotations

from typing import Iterator

from cfgtools.darknet import fork_name
from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules.yl_common import where


#: what glibc prints when AlexeyAB's parse_shortcut (src/parser.c) finds sizes that differ
_ASSERTION = "params.w == net.layers[index].out_w && params.h == net.layers[index].out_h"


def _fmt(shape) -> str:
    return "{}x{}x{}".format(*shape)


def _pj_exact(sw: int, sh: int, w: int, h: int) -> bool:
    down = sw % w == 0 and sh % h == 0 and sw // w == sh // h
    up = w % sw == 0 and h % sh == 0 and w // sw == h // sh
    return down or up


class ShapeMismatch(Rule):
    """## What it does
    Checks that a `[route]` joins layers of the same width and height, and that a
    `[shortcut]` adds layers of the same width and height.

    ## Why is this bad?
    `[route]` concatenates channels, so every input must have the width and height
    of the first: AlexeyAB (`parse_route`, src/parser.c) prints "The width and height
    of the input layers are different." and the route becomes 0x0x0 (the next layer
    stops); pjreddie concatenates regardless and the data is garbage.

    `[shortcut]` adds element by element. A channel difference is handled (only the
    common channels are added), but a width/height difference is not. AlexeyAB's
    `parse_shortcut` (src/parser.c) asserts
    `params.w == net.layers[index].out_w && params.h == net.layers[index].out_h`
    and stops (its Makefile build; a build with `NDEBUG`, such as CMake's Release,
    skips the assert, prints the two shapes and adds by flat index, mixing unrelated
    positions); hank-ai (src-lib/) adds by flat index silently. pjreddie samples by
    an integer stride that must be the same for width and height (else an assert
    stops it).

    ## Example
    ```cfg
    # 13x13 and 26x26: no [upsample] before the join
    [route]
    layers=-1, 36
    ```

    ## Use instead
    ```cfg
    [upsample]
    stride=2

    # both 26x26
    [route]
    layers=-1, 36
    ```
    """

    code = "YL005"
    name = "shape-mismatch"
    severity = Severity.ERROR
    needs = ("network",)
    summary = "a [route] joins inputs of different width/height, or a [shortcut] adds different spatial sizes"

    def check(self) -> Iterator[Diagnostic]:
        net = self.ctx.network
        dialect = net.dialect
        fork = fork_name(dialect)  # hank-ai's parse_route_section and shortcut layer are AlexeyAB's (src-lib/)
        rows = net.layers
        for row in rows:
            layer = row.layer
            valid = [s for s in row.sources if 0 <= s < row.index]
            if layer.kind == "route" and len(valid) == len(row.sources) and len(valid) > 1:
                first = rows[valid[0]].output
                for index in valid[1:]:
                    other = rows[index].output
                    if other[:2] != first[:2]:
                        effect = (f"{fork} makes the route 0x0x0 and the next layer stops"
                                  if dialect != "pjreddie" else "pjreddie concatenates them anyway (garbage)")
                        yield self.diagnostic(
                            layer.span("layers"),
                            f"{where(layer)} joins layer {valid[0]} ({_fmt(first)}) and layer {index} "
                            f"({_fmt(other)}): their width/height differ; {effect}",
                            Fix("route layers of the same width and height (add an [upsample] or a strided "
                                "[convolutional]/[maxpool] on one side)"),
                        )
            elif layer.kind == "shortcut":
                w, h, _ = row.input
                for index in valid:
                    sw, sh, _ = rows[index].output
                    if (sw, sh) == (w, h) or 0 in (w, h, sw, sh):
                        continue
                    if dialect == "pjreddie":
                        if _pj_exact(sw, sh, w, h):
                            continue  # an exact integer down/up-sampling, which pjreddie handles
                        if sw // w != sh // h or w // sw != h // sh:
                            effect = "pjreddie's size ratio differs between width and height: an assert stops it"
                        else:
                            effect = "pjreddie samples with a truncated integer stride (misaligned, silently)"
                        severity = None
                    elif dialect == "alexeyab":
                        shapes = (*row.input, *rows[index].output)
                        printed = "({:4d} x{:4d} x{:4d}) + ({:4d} x{:4d} x{:4d})".format(*shapes)
                        effect = (f"AlexeyAB stops: parse_shortcut asserts \"{_ASSERTION}\" (a build with NDEBUG, "
                                  f"such as CMake's Release, skips the assert, prints \"{printed}\" and adds them "
                                  "by flat index, mixing unrelated positions)")
                        severity = None
                    elif _pj_exact(sw, sh, w, h):
                        # hank-ai's make_shortcut_layer (src-lib/shortcut_layer.cpp) prints nothing
                        effect = (f"{fork} adds them by flat index (it does not resample, unlike pjreddie), "
                                  "mixing unrelated positions")
                        severity = Severity.WARNING
                    else:
                        effect = f"{fork} adds them by flat index, mixing unrelated positions, silently"
                        severity = None
                    yield self.diagnostic(
                        layer.span("from"),
                        f"{where(layer)} adds layer {index} ({_fmt(rows[index].output)}) to its input "
                        f"({_fmt(row.input)}): the width/height differ; {effect}",
                        Fix("add layers of the same width and height"),
                        severity=severity,
                    )
