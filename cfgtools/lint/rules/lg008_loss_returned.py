from __future__ import annotations

from cfgtools.lint.core import Severity
from cfgtools.lint.rules._log import LogRule
from cfgtools.trainlog.findings import LOSS_RETURNED


class LossReturned(LogRule):
    """## What it does
    Checks for a loss that falls to less than half its initial level and then comes back to
    it (90% of it or more), at the first iteration of the return, and says whether the rate
    changed there and whether it is the config's.

    ## Why is this bad?
    The training undid what it had learnt. When the rate is the config's and changed
    smoothly there, the schedule did not cause it: look at the data (a corrupt shard, a
    label file swapped) or the gradients; when the rate rose, or is not the config's (a
    resume with an edited config, another GPU count), the schedule did.

    ## Example
    ```text
    I0515 14:43:38.669777  1279 solver.cpp:228] Iteration 119000, loss = 2.70265
    I0515 14:43:38.669800  1279 sgd_solver.cpp:106] Iteration 119000, lr = 0.000922632
    I0515 14:44:02.103214  1279 solver.cpp:228] Iteration 119040, loss = 8.3068
    I0515 14:44:02.103240  1279 sgd_solver.cpp:106] Iteration 119040, lr = 0.000922605
    ```

    ## Use instead
    ```text
    I0515 14:44:02.103214  1279 solver.cpp:228] Iteration 119040, loss = 2.69812
    I0515 14:44:02.103240  1279 sgd_solver.cpp:106] Iteration 119040, lr = 0.000922605
    ```

    ## Options
    - `--log TRAIN.log`: the training log (`cfgtools log` takes it as its argument).
    - `--gpus N`: the GPUs the run trained on (darknet multiplies the rate by N).
    """

    code = "LG008"
    name = "loss-returned"
    severity = Severity.WARNING
    summary = "the loss returns to its initial level after having fallen"
    kind = LOSS_RETURNED
