from __future__ import annotations

from cfgtools.lint.core import Severity
from cfgtools.lint.rules._log import LogRule
from cfgtools.trainlog.findings import RATE_UNEXPLAINED


class RateUnexplained(LogRule):
    """## What it does
    Checks for rates in a training log that disagree with the config's exact schedule (at
    the precision the program prints them) when no single change explains them: not a GPU
    count, not an iteration offset, not one other setting.

    ## Why is this bad?
    The log and the config do not belong together, several things changed at once, or the
    program changed the rate in a way the config does not say (AlexeyAB's
    `dynamic_minibatch`, a patched solver). Whatever the reason, the config does not tell
    what the run did, and conclusions drawn from it about the schedule do not hold.

    ## Example
    ```text
    # steps.cfg: learning_rate=0.001, policy=steps, steps=400,450, scales=.1,.1
    1: 4.2, 4.2 avg, 0.001000 rate, 0.06 seconds, 64 images
    2: 4.1, 4.2 avg, 0.000350 rate, 0.06 seconds, 128 images
    3: 4.1, 4.2 avg, 0.002710 rate, 0.06 seconds, 192 images
    ```

    ## Use instead
    ```text
    # the log of a run of steps.cfg
    1: 4.2, 4.2 avg, 0.001000 rate, 0.06 seconds, 64 images
    2: 4.1, 4.2 avg, 0.001000 rate, 0.06 seconds, 128 images
    3: 4.1, 4.2 avg, 0.001000 rate, 0.06 seconds, 192 images
    ```

    ## Options
    - `--log TRAIN.log`: the training log (`cfgtools log` takes it as its argument).
    - `--gpus N`: the GPUs the run trained on (darknet multiplies the rate by N).
    """

    code = "LG004"
    name = "rate-unexplained"
    severity = Severity.WARNING
    summary = "logged rates disagree with the config and no single change explains them"
    kind = RATE_UNEXPLAINED
