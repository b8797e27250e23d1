from __future__ import annotations

import re
from typing import Iterator

from cfgtools.darknet import fork_name
from cfgtools.darknet.document import Option
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import column_span
from cfgtools.lint.rules.yl_common import DETECTION_KINDS, where
from cfgtools.values import quoted

#: two numbers with only blanks between them: darknet removes the blanks and reads one number
_GLUED = re.compile(r"([0-9.]+)[ \t]+([-+]?[0-9.]+)")


def glued_numbers(option: Option) -> list[re.Match]:
    """Where the value as written has two numbers with only blanks between them (``61,45    61,45``)."""
    span = option.value_span
    if span is None or span.end_line != span.line:
        return []
    return list(_GLUED.finditer(option.line_text, span.column - 1, span.end_column - 1))

#: forks whose [yolo]/[Gaussian_yolo] parser copies every anchor into the layer's calloc'd 2*num biases:
#: pjreddie's parse_yolo (src/parser.c) and hank-ai's parse_yolo_section / parse_gaussian_yolo_section
#: (src-lib/darknet_cfg.cpp; [region] stops at num*2 in every fork)
_OVERFLOWING_FORKS = ("pjreddie", "hankai")


class AnchorsMask(Rule):
    """## What it does
    Checks that `anchors` holds `2*num` numbers and that every `mask` index is below
    `num`.

    ## Why is this bad?
    `num` is the total number of anchors, `anchors` lists their width,height pairs
    and `mask` picks this layer's anchors by index. darknet (`parse_yolo`,
    src/parser.c) reads `2*num` anchor numbers: missing ones stay 0 (boxes of size
    0, silently), extra ones are ignored by AlexeyAB and overflow the array in
    pjreddie and in hank-ai (`parse_yolo_section`, src-lib/darknet_cfg.cpp, copies
    them all; its `[region]` ignores them). Mask values are not checked at all:
    an index of `num` or more reads past the anchors. A count that is off because
    two numbers are written with only blanks between them (`61,45    61,45`) is
    reported as that: darknet's `strip` removes every blank of the line first, so
    it reads `61,4561,45`.

    ## Example
    ```cfg
    [yolo]
    mask=6,7,8
    anchors=10,13, 16,30, 33,23, 30,61, 62,45, 59,119
    num=6
    ```

    ## Use instead
    ```cfg
    [yolo]
    mask=3,4,5
    anchors=10,13, 16,30, 33,23, 30,61, 62,45, 59,119
    num=6
    ```

    ## Fix safety
    Unsafe: the `num=` it writes changes which anchors the masks select. Only
    `--unsafe-fixes` applies it. Safe: the comma between two numbers written
    with only blanks between them (what the author evidently meant).
    """

    code = "YL003"
    name = "anchors-mask"
    severity = Severity.ERROR
    needs = ("layers",)
    summary = "anchors count differs from 2*num, or a mask index is out of range"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        dialect = self.ctx.document.dialect
        for layer in self.ctx.layers:
            if layer.kind not in DETECTION_KINDS:
                continue
            num = layer.num
            anchors = layer.anchors
            if anchors is not None and len(anchors) != 2 * num:
                count = len(anchors)
                glued = glued_numbers(layer.option("anchors"))
                if glued:
                    yield self._glued(layer, glued, count, num)
                    continue
                if count < 2 * num:
                    message = (f"{where(layer)} has {count} anchor numbers but num={num} needs {2 * num}: "
                               f"darknet leaves the missing {2 * num - count} at 0 (zero-size anchors)")
                    severity = None
                elif dialect in _OVERFLOWING_FORKS and layer.kind != "region":
                    message = (f"{where(layer)} has {count} anchor numbers but num={num} needs {2 * num}: "
                               f"{fork_name(dialect)} writes them all into a 2*num array (memory overflow)")
                    severity = None
                else:
                    message = (f"{where(layer)} has {count} anchor numbers but num={num} needs {2 * num}: "
                               f"darknet ({fork_name(dialect)}) ignores the last {count - 2 * num}")
                    severity = Severity.WARNING
                pairs = count // 2
                yield self.diagnostic(
                    layer.span("anchors"), message,
                    Fix(f"write num={pairs}" if count % 2 == 0 else "give every anchor a width and a height",
                        replacement=str(pairs) if count % 2 == 0 and layer.option("num") else None,
                        span=layer.span("num") if count % 2 == 0 and layer.option("num") else None),
                    severity=severity,
                )
            if layer.kind == "region":
                continue
            mask = getattr(layer, "mask", None) or []
            bad = [m for m in mask if m < 0 or m >= num]
            if bad:
                yield self.diagnostic(
                    layer.span("mask"),
                    f"mask index {', '.join(map(str, bad))} in {where(layer)} is out of range: num={num} "
                    f"anchors are numbered 0..{num - 1}, and darknet reads past them without a check",
                    Fix(f"use mask indices below {num}, or raise num= to the number of anchor pairs"),
                )

    def _glued(self, layer, glued: list[re.Match], count: int, num: int) -> Diagnostic:
        """The root cause of a wrong anchor count: numbers glued by blanks, the first of them as the fix."""
        first = glued[0]
        line = layer.option("anchors").line
        left, right = first.group(1), first.group(2)
        places = f" (and {len(glued) - 1} more place{'s' if len(glued) > 2 else ''})" if len(glued) > 1 else ""
        return self.diagnostic(
            column_span(line, first.start() + 1, first.end() + 1),
            f"anchors in {where(layer)}: {quoted(first.group(0))} has no comma between {left} and {right}{places}, and "
            f"darknet removes every blank before reading, so it reads {left}{right}: {count} anchor numbers where "
            f"num={num} needs {2 * num}",
            Fix(f"write {left}, {right}", replacement=f"{left}, {right}",
                span=column_span(line, first.start() + 1, first.end() + 1), applicability=Applicability.SAFE),
        )
