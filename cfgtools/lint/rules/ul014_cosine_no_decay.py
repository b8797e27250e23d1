from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.numeric import format_lr
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._ultralytics import written

#: a cosine that ends at or above this fraction of lr0 hardly decays
LITTLE_DECAY = 0.5


class CosineNoDecay(Rule):
    """## What it does
    Checks for a cosine schedule (`cos_lr`, `--cos-lr`, or YOLOv5 v5.0 without
    `--linear-lr`) whose `lrf` is close to 1.

    ## Why is this bad?
    The cosine `one_cycle(1, lrf, E)` goes from `lr0` to `lr0·lrf`: `lrf` is where it
    ends, not how far it falls. With `lrf: 0.9` the lr ends at 90 % of `lr0` and the
    cosine shape you asked for barely shows: the run trains at an almost constant lr.

    ## Example
    ```yaml
    task: detect
    epochs: 100
    batch: 16
    optimizer: SGD
    cos_lr: true
    lrf: 0.9
    ```

    ## Use instead
    ```yaml
    task: detect
    epochs: 100
    batch: 16
    optimizer: SGD
    cos_lr: true
    lrf: 0.01
    ```
    """

    code = "UL014"
    name = "cosine-no-decay"
    severity = Severity.WARNING
    needs = ("yolo_training",)
    summary = "a cosine schedule with lrf near 1 hardly decays"

    def check(self) -> Iterator[Diagnostic]:
        config = self.ctx.view("yolo_training")
        if not config.cos_lr or config.lrf < LITTLE_DECAY:
            return
        lrf_written = written(self.ctx, "lrf")
        yield self.diagnostic(
            self.ctx.setting_span("lrf", "cos_lr", "linear_lr"),
            f"cosine lr with lrf={config.lrf:g}: it ends at lr0*lrf = {format_lr(config.lr0 * config.lrf)}, "
            f"{config.lrf:.0%} of lr0: the lr hardly decays (lrf is where the cosine ends, not how far it falls)",
            Fix("lrf=0.01 ends the cosine at 1% of lr0", replacement="0.01" if lrf_written else None),
        )
