from __future__ import annotations

from cfgtools.lint.core import Severity
from cfgtools.lint.rules._log import LogRule
from cfgtools.trainlog.findings import RATE_NEAR_ZERO, Finding


class RateNearZero(LogRule):
    """## What it does
    Checks for a run that spends 5% of its logged iterations or more at a rate at or near 0
    (printed as 0, or below a thousandth of the run's highest rate), and says the config's
    exact rate there and whether the loss still falls. A warning when the loss no longer
    falls, information when it does.

    ## Why is this bad?
    Updates at a negligible rate cost GPU time and change nothing. darknet prints the rate
    with `%f`, so any rate below 5e-7 shows as `0.000000`: a printed 0 does not prove the
    rate is 0, and the finding gives the exact value (a `poly` schedule's last updates, a
    step schedule with too many `.1` scales, a `max_batches` far beyond the steps).

    ## Example
    ```text
    # poly100.cfg: learning_rate=0.001, policy=poly, power=4, max_batches=100
    94: 2.951220, 4.111970 avg, 0.000000 rate, 0.072249 seconds, 752 images
    95: 2.736996, 3.974473 avg, 0.000000 rate, 0.065757 seconds, 760 images
    ```

    ## Use instead
    ```cfg
    [net]
    batch=8
    learning_rate=0.001
    policy=poly
    # power 1: the last updates still learn
    power=1
    max_batches=100
    ```

    ## Options
    - `--log TRAIN.log`: the training log (`cfgtools log` takes it as its argument).
    - `--gpus N`: the GPUs the run trained on (darknet multiplies the rate by N).
    """

    code = "LG009"
    name = "rate-near-zero"
    severity = Severity.WARNING
    summary = "the rate is at or near 0 for a share of the run"
    kind = RATE_NEAR_ZERO

    def severity_of(self, finding: Finding) -> Severity:
        # training still goes on: worth knowing, not a problem
        return Severity.INFO if finding.numbers.get("loss_falls") else self.severity
