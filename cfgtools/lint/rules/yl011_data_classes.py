from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from cfgtools.darknet.layers import expected_filters
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.datafile import count_lines
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules.yl_common import DETECTION_KINDS, where


class DataClasses(Rule):
    """## What it does
    Checks the `classes=` of every `[yolo]`, `[Gaussian_yolo]` and `[region]`
    layer against the `.data` file given with `--data`: its `classes=` and the
    number of names in its `names=` file.

    ## Why is this bad?
    The network's heads decide how many classes it predicts; the `.data` file
    and the names file decide what darknet calls them and how many it expects.
    When they disagree, `detector test` and `demo` label boxes with the wrong
    names or read past the end of the names (a crash), and `detector map`
    compares the last layer's `classes` with the number of lines of the names
    file and stops ("Error: in the file obj.names number of names 3 that isn't
    equal to classes=2", `validate_detector_map`, AlexeyAB src/detector.c).
    darknet counts every line of the names file as a name (`get_paths`,
    src/data.c), blank lines too: a stray empty line at the end is one name
    more. The names file is opened as darknet opens it, relative to the
    directory darknet (and cfgtools) runs in.

    ## Example
    ```cfg
    # cfgtools lint --data obj.data yolo.cfg   (obj.data: classes=2, names=obj.names with 2 lines)
    [yolo]
    mask=0,1,2
    classes=80
    ```

    ## Use instead
    ```cfg
    [yolo]
    mask=0,1,2
    classes=2
    ```

    ## Fix safety
    Unsafe: the `classes=` it writes changes what the network predicts, and the
    `filters=` of the `[convolutional]` before the head must follow (YL001
    reports it). Only `--unsafe-fixes` applies it.

    ## Options
    - `--data FILE.data`: the .data file; without it the rule does not run.
    """

    code = "YL011"
    name = "data-classes"
    severity = Severity.ERROR
    needs = ("layers", "data")
    summary = "a [yolo]/[region] classes= differs from the .data file's classes= or the number of names"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        data = self.ctx.data
        heads = [layer for layer in self.ctx.layers if layer.kind in DETECTION_KINDS]
        if not heads:
            return
        declared = data.classes
        names_path = data.get("names")
        names = count_lines(names_path, "names file") if names_path else None
        told = []  # what the .data side says, for messages
        if declared is not None:
            told.append(f"{data.path} has classes={declared} (line {data.line('classes')})")
        if names is not None:
            told.append(f"{names_path} lists {names.filled} name{'s' if names.filled != 1 else ''}")
        wanted = {value for value in (declared, names.filled if names else None) if value is not None}
        agreed = next(iter(wanted)) if len(wanted) == 1 else None
        for layer in heads:
            if all(layer.classes == value for value in wanted):
                continue
            option = layer.option("classes")
            written = "" if option is not None else " (the default: classes= is missing)"
            fix = Fix("make the heads, classes= of the .data file and its names file agree")
            if agreed is not None:
                filters = expected_filters(replace(layer, classes=agreed))
                fix = Fix(f"write classes={agreed} (and filters={filters} in the [convolutional] before it)",
                          replacement=str(agreed) if option is not None else None,
                          span=layer.span("classes") if option is not None else None)
            yield self.diagnostic(
                layer.span("classes"),
                f"classes={layer.classes}{written} in {where(layer)}, but {' and '.join(told)}",
                fix,
            )
        last = self.ctx.layers[-1]
        if names is not None and names.lines != names.filled and last in heads and last.classes == names.filled:
            blank = names.lines - names.filled
            yield self.diagnostic(
                last.span("classes"),
                f"{names_path} has {names.filled} names and {blank} blank line{'s' if blank != 1 else ''}: darknet "
                f"counts every line as a name ({names.lines}), so 'detector map' stops with \"Error: in the file "
                f"{names_path} number of names {names.lines} that isn't equal to classes={last.classes}\"",
                Fix(f"delete the blank lines of {names_path}"),
                severity=Severity.WARNING,
            )
