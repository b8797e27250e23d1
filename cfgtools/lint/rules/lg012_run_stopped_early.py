from __future__ import annotations

from cfgtools.lint.core import Severity
from cfgtools.lint.rules._log import LogRule
from cfgtools.trainlog.findings import RUN_STOPPED_EARLY


class RunStoppedEarly(LogRule):
    """## What it does
    Checks whether a training log ends before `max_batches` (darknet) or `max_iter` (Caffe)
    without the program saying it finished (darknet's `_final.weights`, Caffe's
    `Optimization Done.`), and whether Caffe was asked to stop (`Optimization stopped
    early.`).

    ## Why is this bad?
    The run crashed, was killed, or the log is a cut: the schedule never reached its end
    (a `poly` or `steps` schedule never reached its low rates), and the last weights are a
    `_last.weights` or a snapshot, not the trained model. For a run still in progress the
    finding only says how far it got.

    ## Example
    ```text
    # max_batches=60; the file ends here
    40: 18.022461, 21.384010 avg, 0.000111 rate, 0.070040 seconds, 320 images
    ```

    ## Use instead
    ```text
    60: 11.031372, 12.224140 avg, 0.000000 rate, 0.070060 seconds, 480 images
    Saving weights to backup/pj_final.weights
    ```

    ## Options
    - `--log TRAIN.log`: the training log (`cfgtools log` takes it as its argument).
    - `--gpus N`: the GPUs the run trained on.
    """

    code = "LG012"
    name = "run-stopped-early"
    severity = Severity.INFO
    summary = "the log ends before max_batches/max_iter"
    kind = RUN_STOPPED_EARLY
