from __future__ import annotations

from cfgtools.lint.core import Fix, Severity
from cfgtools.lint.rules._ultralytics import FindingRule
from cfgtools.ultralytics.settings import Finding


class SettingRange(FindingRule):
    """## What it does
    Checks for values outside the range the framework accepts: `lr0`, `lrf`,
    `momentum` and the other fractions outside 0..1, a negative `warmup_epochs`, an
    epoch count or batch size below 1.

    ## Why is this bad?
    ultralytics' `check_cfg` refuses a fraction key outside [0, 1] before training
    starts. YOLOv5 checks nothing and trains with it: `lrf: 1.5` makes the learning
    rate rise during the whole run, `momentum: 1.2` makes SGD diverge.

    ## Example
    ```yaml
    lr0: 0.01
    lrf: 1.5
    ```

    ## Use instead
    ```yaml
    lr0: 0.01
    lrf: 0.01
    ```
    """

    code = "UL004"
    name = "setting-range"
    severity = Severity.ERROR
    summary = "a value out of the range the framework accepts (lr0, lrf, momentum outside 0..1)"
    finding_kinds = ("out-of-range",)

    def fix(self, finding: Finding) -> Fix | None:
        return Fix("bring the value into range")
