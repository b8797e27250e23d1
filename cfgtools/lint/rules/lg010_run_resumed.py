from __future__ import annotations

from cfgtools.lint.core import Fix, Severity
from cfgtools.lint.rules._log import LogRule
from cfgtools.trainlog.findings import RUN_RESUMED, Finding


class RunResumed(LogRule):
    """## What it does
    Checks for runs in a training log that resume from a checkpoint (an iteration counter
    that goes on, `Loading weights from`, `Resuming from`), with the rate just before and
    after the resume and their ratio. Information, or a warning when the rate jumps by
    `spike-ratio` or more.

    ## Why is this bad?
    A resume recomputes the rate from the restored iteration and the config as it is now
    (RS001): a `max_batches` raised under `poly`, steps moved or another GPU count make the
    rate jump at the resume point and can knock a converged model off its minimum. A resume
    at an iteration before the previous run's last trains those iterations again.

    ## Example
    ```text
    # trained to 60 with steps=50, scales=.1 (rate 0.0001); resumed after steps=80 was written
    60: 3.1, 3.2 avg, 0.000100 rate, 0.07 seconds, 480 images
    Loading weights from backup/steps_last.weights...Done!
    61: 3.4, 3.4 avg, 0.001000 rate, 0.07 seconds, 488 images
    ```

    ## Use instead
    ```cfg
    [net]
    batch=8
    learning_rate=0.001
    policy=steps
    # the step the run already took stays: the rate at 61 is the one at 60
    steps=50,80
    scales=.1,.1
    max_batches=100
    ```

    ## Options
    - `--log TRAIN.log`: the training log (`cfgtools log` takes it as its argument).
    - `--gpus N`: the GPUs the run trained on (darknet multiplies the rate by N).
    - `spike-ratio` (`[tool.cfgtools]`, default 2): a rate that rises by this factor or more
      at the resume is a warning.
    """

    code = "LG010"
    name = "run-resumed"
    severity = Severity.INFO
    summary = "a run in the log resumes from a checkpoint (a warning when the rate jumps)"
    kind = RUN_RESUMED

    def severity_of(self, finding: Finding) -> Severity:
        return Severity.WARNING if finding.numbers.get("spike") else self.severity

    def fix_of(self, finding: Finding) -> Fix | None:
        if not finding.numbers.get("spike"):
            return None
        return Fix("cfgtools lint NEW_CFG --resume-from CHECKPOINT --previous OLD_CFG (RS001) gives the base rate "
                   "that keeps the rate continuous")
