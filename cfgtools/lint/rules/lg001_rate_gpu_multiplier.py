from __future__ import annotations

from cfgtools.lint.core import Fix, Severity
from cfgtools.lint.rules._log import LogRule
from cfgtools.trainlog.findings import RATE_GPU_MULTIPLIER, Finding


class RateGpuMultiplier(LogRule):
    """## What it does
    Checks whether every rate in a darknet training log is the config's rate times a whole
    number: the run trained on that many GPUs.

    ## Why is this bad?
    darknet multiplies `learning_rate` by the number of GPUs given with `-gpus` right after
    loading the network (`nets[k].learning_rate *= ngpus` in `train_detector`, AlexeyAB
    src/detector.c and pjreddie examples/detector.c), burn-in included, and prints the
    product in its `Learning Rate:` line and on every iteration line. A recipe tuned on one
    GPU trains at four times its rate on four, which can make the loss diverge. The images
    column (iteration x batch x GPUs) confirms the count when the config's batch is known.

    ## Example
    ```text
    # yolo.cfg says learning_rate=0.001, policy=constant; the run used -gpus 0,1
    1: 51.491703, 51.491703 avg, 0.002000 rate, 0.070001 seconds, 128 images
    2: 45.510666, 50.893600 avg, 0.002000 rate, 0.070002 seconds, 256 images
    ```

    ## Use instead
    ```cfg
    [net]
    batch=64
    # on 2 GPUs darknet trains at 2 x 0.0005: the rate the recipe was tuned with
    learning_rate=0.0005
    policy=constant
    ```

    ## Options
    - `--log TRAIN.log`: the training log (`cfgtools log` takes it as its argument).
    - `--gpus N`: the GPUs the run trained on: the rates are checked against N times the
      config's, as darknet computes them.
    """

    code = "LG001"
    name = "rate-gpu-multiplier"
    severity = Severity.WARNING
    summary = "every logged rate is the config's times the GPU count: the run had more GPUs than checked for"
    kind = RATE_GPU_MULTIPLIER

    def fix_of(self, finding: Finding) -> Fix | None:
        gpus = finding.numbers.get("gpus")
        if not isinstance(gpus, int):
            return None
        return Fix(f"if the run trained on {gpus} GPU{'s' if gpus != 1 else ''}, check it with --gpus {gpus}")
