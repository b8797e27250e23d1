from __future__ import annotations

from cfgtools.lint.core import Severity
from cfgtools.lint.rules._log import LogRule
from cfgtools.trainlog.findings import RATE_ITERATION_OFFSET


class RateIterationOffset(LogRule):
    """## What it does
    Checks whether every rate in a training log is the config's rate a fixed number of
    iterations earlier or later: the run's schedule and its iteration counter disagree.

    ## Why is this bad?
    The frameworks compute the rate from the iteration they restore: darknet from the
    `seen` count in the `.weights` file divided by the current cfg's batch x subdivisions
    (src/parser.c `load_weights`, `get_current_batch`), Caffe from the `iter` of the
    `.solverstate`. Resuming from another checkpoint than intended, changing batch or
    subdivisions before a resume, or restarting the schedule (`-clear`, fine-tuning) while
    the counter goes on moves the whole schedule: the burn-in runs again, the steps come
    at other iterations, `poly` ends at another point.

    ## Example
    ```text
    # poly.cfg: burn_in=10, power=2, policy=poly, max_batches=60; the log starts at 1001
    1001: 51.491703, 51.491703 avg, 0.000010 rate, 0.070001 seconds, 8008 images
    1002: 45.510666, 50.893600 avg, 0.000040 rate, 0.070002 seconds, 8016 images
    ```

    ## Use instead
    ```text
    # resume from the checkpoint of the run this one continues (or train with -clear from the start)
    1: 51.491703, 51.491703 avg, 0.000010 rate, 0.070001 seconds, 8 images
    2: 45.510666, 50.893600 avg, 0.000040 rate, 0.070002 seconds, 16 images
    ```

    ## Options
    - `--log TRAIN.log`: the training log (`cfgtools log` takes it as its argument).
    - `--gpus N`: the GPUs the run trained on (darknet multiplies the rate by N).
    """

    code = "LG002"
    name = "rate-iteration-offset"
    severity = Severity.WARNING
    summary = "every logged rate is the config's a fixed number of iterations away: another checkpoint or batch"
    kind = RATE_ITERATION_OFFSET
