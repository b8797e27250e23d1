from __future__ import annotations

from cfgtools.lint.core import Severity
from cfgtools.lint.rules._log import LogRule
from cfgtools.trainlog.findings import LOSS_NONFINITE


class LossNonFinite(LogRule):
    """## What it does
    Checks for a loss that turns NaN or infinite (`nan`, `-nan`, `inf`, `-nan(ind)`,
    `1.#QNAN0`), at the first such iteration of each run, and says whether the rate there
    was unusual: not the config's, or well above the rates just before.

    ## Why is this bad?
    Neither darknet nor Caffe stops: the run goes on, saves weights full of NaN and exits
    0, so a job that looks finished produced nothing usable. The first NaN iteration is
    where to look; a rate spike there (a resume with an edited config, a `-gpus` multiplier,
    a step up) points at the schedule, a rate that is the config's points at the data or the
    gradients.

    ## Example
    ```text
    # diverge.cfg: learning_rate=10, policy=constant
     1: 5.896641, 5.896641 avg loss, 10.000000 rate, 0.122079 seconds, 8 images, -1.000000 hours left
     2: -nan, -nan avg loss, 10.000000 rate, 0.059774 seconds, 16 images, 0.003993 hours left
    ```

    ## Use instead
    ```cfg
    [net]
    batch=8
    learning_rate=0.001
    policy=constant
    ```

    ## Options
    - `--log TRAIN.log`: the training log (`cfgtools log` takes it as its argument).
    - `--gpus N`: the GPUs the run trained on (the rate at the NaN is compared with N times
      the config's).
    """

    code = "LG006"
    name = "loss-nonfinite"
    severity = Severity.ERROR
    summary = "the loss turns NaN or infinite (the program goes on and saves its weights)"
    kind = LOSS_NONFINITE
