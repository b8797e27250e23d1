from __future__ import annotations

from cfgtools.lint.core import Severity
from cfgtools.lint.rules._log import LogRule
from cfgtools.trainlog.findings import HEADER_MISMATCH


class HeaderMismatch(LogRule):
    """## What it does
    Checks the line darknet prints when a run starts, `Learning Rate: %g, Momentum: %g,
    Decay: %g`, against the config: the base rate times the GPU count, `momentum` and
    `decay`.

    ## Why is this bad?
    darknet prints the values it trains with (`train_detector` and `train_classifier`,
    after multiplying the rate by the GPU count). Another value means the log is of another
    cfg, or of another GPU count than the one checked for; momentum and decay do not show
    on the iteration lines, so this line is the only place a changed value shows.

    ## Example
    ```text
    # yolo.cfg: learning_rate=0.001, momentum=0.9, decay=0.0005
    Learning Rate: 0.001, Momentum: 0.949, Decay: 0.0005
    ```

    ## Use instead
    ```text
    Learning Rate: 0.001, Momentum: 0.9, Decay: 0.0005
    ```

    ## Options
    - `--log TRAIN.log`: the training log (`cfgtools log` takes it as its argument).
    - `--gpus N`: the GPUs the run trained on (the header's rate is N times the config's).
    """

    code = "LG005"
    name = "header-mismatch"
    severity = Severity.WARNING
    summary = "darknet's Learning Rate/Momentum/Decay line disagrees with the config"
    kind = HEADER_MISMATCH
