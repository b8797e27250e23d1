from __future__ import annotations

from cfgtools.lint.core import Fix, Severity
from cfgtools.lint.rules._ultralytics import FindingRule
from cfgtools.ultralytics.settings import Finding


class OverriddenSetting(FindingRule):
    """## What it does
    Checks for hyperparameters that YOLOv5 overwrites from the command line.

    ## Why is this bad?
    train.py sets `hyp['label_smoothing'] = opt.label_smoothing` after reading the
    hyp file: the value in the file is replaced by the `--label-smoothing` option
    (0.0 unless given), so editing the file changes nothing.

    ## Example
    ```yaml
    lr0: 0.01
    lrf: 0.01
    obj: 1.0
    label_smoothing: 0.1
    ```

    ## Use instead
    ```yaml
    # train.py --label-smoothing 0.1
    lr0: 0.01
    lrf: 0.01
    obj: 1.0
    ```
    """

    code = "UL007"
    name = "overridden-setting"
    severity = Severity.WARNING
    summary = "a hyperparameter YOLOv5 overwrites from the command line (label_smoothing)"
    finding_kinds = ("ignored-key",)

    def fix(self, finding: Finding) -> Fix | None:
        option = "--" + finding.key.split(".")[-1].replace("_", "-")
        return Fix(f"pass {option} to train.py and delete this line")
