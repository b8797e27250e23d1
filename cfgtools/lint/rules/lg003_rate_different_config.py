from __future__ import annotations

from cfgtools.lint.core import Severity
from cfgtools.lint.rules._log import LogRule
from cfgtools.trainlog.findings import RATE_DIFFERENT_CONFIG


class RateDifferentConfig(LogRule):
    """## What it does
    Checks whether the rates in a training log fit the config with one setting changed: the
    base rate, `max_batches`/`max_iter`, the steps (`steps`, `stepvalue`, `stepsize`) or
    `power`. The finding names the value that fits every logged rate.

    ## Why is this bad?
    The run trained with another config than the one you are looking at: an edited copy on
    the training machine, a file changed after the run started, a solver other than the
    one in the repository. Plans made from the wrong config (when the next step comes, how
    far `poly` has decayed, what to resume with) are wrong too.

    ## Example
    ```text
    # pj.cfg says learning_rate=0.001, burn_in=10, power=2, policy=poly, max_batches=60
    20: 26.104534, 33.040760 avg, 0.000889 rate, 0.070020 seconds, 160 images
    40: 18.022461, 21.384010 avg, 0.000222 rate, 0.070040 seconds, 320 images
    ```

    ## Use instead
    ```cfg
    [net]
    batch=8
    # the value every logged rate fits: the config the run used
    learning_rate=0.002
    burn_in=10
    power=2
    policy=poly
    max_batches=60
    ```

    ## Options
    - `--log TRAIN.log`: the training log (`cfgtools log` takes it as its argument).
    - `--gpus N`: the GPUs the run trained on (darknet multiplies the rate by N).
    """

    code = "LG003"
    name = "rate-different-config"
    severity = Severity.WARNING
    summary = "the logged rates fit the config with one setting changed: the run used another config"
    kind = RATE_DIFFERENT_CONFIG
