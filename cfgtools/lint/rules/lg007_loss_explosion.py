from __future__ import annotations

from cfgtools.lint.core import Severity
from cfgtools.lint.rules._log import LogRule
from cfgtools.trainlog.findings import LOSS_EXPLOSION


class LossExplosion(LogRule):
    """## What it does
    Checks the last rows before a NaN or infinite loss for the loss exploding first: a
    value ten times its recent level or more (the median of the rows before it).

    ## Why is this bad?
    A loss rarely jumps from a normal value straight to NaN: it usually climbs through
    huge numbers first (darknet prints them with `%f`, thirty digits and more). The
    iteration where it starts to climb is where the training went wrong, a few rows before
    the NaN that LG006 reports; a rate that rose there points at the schedule.

    ## Example
    ```text
    # constant rate; the loss was about 4 for a long time
    98: 4.1, 4.2 avg, 0.001000 rate, 0.06 seconds, 6272 images
    99: 851.3, 89.0 avg, 0.001000 rate, 0.06 seconds, 6336 images
    100: 3200000.0, 320089.0 avg, 0.001000 rate, 0.06 seconds, 6400 images
    101: nan, nan avg, 0.001000 rate, 0.06 seconds, 6464 images
    ```

    ## Use instead
    ```text
    # a lower rate (or gradient clipping in Caffe): the loss stays finite
    98: 4.1, 4.2 avg, 0.000500 rate, 0.06 seconds, 6272 images
    99: 4.0, 4.2 avg, 0.000500 rate, 0.06 seconds, 6336 images
    ```

    ## Options
    - `--log TRAIN.log`: the training log (`cfgtools log` takes it as its argument).
    - `--gpus N`: the GPUs the run trained on (darknet multiplies the rate by N).
    """

    code = "LG007"
    name = "loss-explosion"
    severity = Severity.WARNING
    summary = "the loss explodes before it turns NaN or infinite"
    kind = LOSS_EXPLOSION
