from __future__ import annotations

from cfgtools.lint.core import Fix, Severity
from cfgtools.lint.rules._ultralytics import FindingRule
from cfgtools.ultralytics.settings import Finding


class MissingHyperparameter(FindingRule):
    """## What it does
    Checks that a YOLOv5 hyp file (or the `hyp:` of an opt.yaml) has every
    hyperparameter of the optimizer and its schedule.

    ## Why is this bad?
    YOLOv5's train.py reads `hyp['lr0']`, `hyp['lrf']`, `hyp['momentum']`,
    `hyp['weight_decay']`, `hyp['warmup_epochs']`, `hyp['warmup_momentum']` and
    `hyp['warmup_bias_lr']` without a default: a missing one stops the run with a
    KeyError, after the dataset has been cached and the model built.

    ## Example
    ```yaml
    lr0: 0.01
    lrf: 0.01
    momentum: 0.937
    weight_decay: 0.0005
    warmup_epochs: 3.0
    warmup_momentum: 0.8
    obj: 1.0
    ```

    ## Use instead
    ```yaml
    lr0: 0.01
    lrf: 0.01
    momentum: 0.937
    weight_decay: 0.0005
    warmup_epochs: 3.0
    warmup_momentum: 0.8
    warmup_bias_lr: 0.1
    obj: 1.0
    ```
    """

    code = "UL006"
    name = "missing-hyperparameter"
    severity = Severity.ERROR
    summary = "a hyperparameter YOLOv5 reads without a default is missing (KeyError)"
    finding_kinds = ("missing-key",)

    def fix(self, finding: Finding) -> Fix | None:
        return Fix(f"add {finding.key.split('.')[-1]} (data/hyps/hyp.scratch-low.yaml has the defaults)")
