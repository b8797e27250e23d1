from __future__ import annotations

from cfgtools.lint.core import Fix, Severity
from cfgtools.lint.rules._ultralytics import FindingRule
from cfgtools.ultralytics.settings import Finding


class UnknownSettingKey(FindingRule):
    """## What it does
    Checks for keys that the YOLOv5 or ultralytics version reading the file does not
    know: misspellings (with the key you probably meant), keys of another version,
    and keys PyYAML reads as something else than a string (`on:` is `True`).

    ## Why is this bad?
    YOLOv5's train.py reads its hyperparameters with `hyp['lr0']` and never looks at
    the other keys: `momentun: 0.9` is silently ignored and the run trains with the
    default momentum. ultralytics (`yolo cfg=FILE`) stops with a SyntaxError on a key
    `check_dict_alignment` (cfg/__init__.py) does not know. Either way the value you
    wrote does nothing.

    ## Example
    ```yaml
    lr0: 0.01
    lrf: 0.01
    momentun: 0.9
    ```

    ## Use instead
    ```yaml
    lr0: 0.01
    lrf: 0.01
    momentum: 0.9
    ```
    """

    code = "UL001"
    name = "unknown-setting-key"
    severity = Severity.WARNING
    summary = "a key the YOLOv5/ultralytics version does not read (misspelt, or of another version)"
    finding_kinds = ("unknown-key", "non-string-key")

    def fix(self, finding: Finding) -> Fix | None:
        if finding.suggestion is None:
            return None
        return Fix(f"write {finding.suggestion}", replacement=finding.suggestion)
