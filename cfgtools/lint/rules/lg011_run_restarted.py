from __future__ import annotations

from cfgtools.lint.core import Severity
from cfgtools.lint.rules._log import LogRule
from cfgtools.trainlog.findings import RUN_RESTARTED


class RunRestarted(LogRule):
    """## What it does
    Checks for runs in a training log that start over at the first iteration after an
    earlier run reached further (darknet `-clear`, a Caffe `--weights` fine-tune, a new run
    appended to the same file), with the rate before and after.

    ## Why is this bad?
    The schedule starts again from its beginning: the burn-in runs again and the rate goes
    back to its first values, whatever the weights already learnt. That is what a
    fine-tune wants, and a surprise when the run was meant to continue (a forgotten
    `-clear` in a resume script); the plots of such a log overlap the earlier run.

    ## Example
    ```text
    60: 11.031372, 12.224140 avg, 0.000000 rate, 0.070060 seconds, 480 images
    Loading weights from backup/pj_final.weights...Done!
    1: 10.980141, 10.980141 avg, 0.000010 rate, 0.070001 seconds, 8 images
    ```

    ## Use instead
    ```text
    60: 11.031372, 12.224140 avg, 0.000000 rate, 0.070060 seconds, 480 images
    Loading weights from backup/pj_final.weights...Done!
    61: 10.980141, 10.980141 avg, 0.000000 rate, 0.070061 seconds, 488 images
    ```

    ## Options
    - `--log TRAIN.log`: the training log (`cfgtools log` takes it as its argument).
    - `--gpus N`: the GPUs the run trained on (darknet multiplies the rate by N).
    """

    code = "LG011"
    name = "run-restarted"
    severity = Severity.INFO
    summary = "a run in the log starts the schedule over after an earlier run"
    kind = RUN_RESTARTED
