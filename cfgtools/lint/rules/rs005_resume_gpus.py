from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.numeric import format_lr
from cfgtools.lint.rule import Rule


class ResumeGpus(Rule):
    """## What it does
    Checks whether the resumed run trains on another number of GPUs than the run
    that wrote the checkpoint.

    ## Why is this bad?
    darknet multiplies `learning_rate` by the GPU count right after loading the
    network (`train_detector` and `train_classifier`, both forks), and each
    iteration of an N-GPU run trains N batches. Going from 1 to 2 GPUs doubles the
    rate at the resume point and the images each iteration sees. That may be what
    you want (the linear scaling rule), but it is easy to miss. A change that
    makes the rate jump or fall by more than `spike-ratio` is reported by RS001
    or RS004 instead, which name the GPU count among the changes.

    ## Example
    ```cfg
    # trained on 1 GPU, resumed on 2:
    # cfgtools lint --resume-from 3000 --previous-gpus 1 --gpus 2 yolo.cfg
    [net]
    learning_rate=0.001
    ```

    ## Use instead
    ```cfg
    # resume on 2 GPUs at the rate of the 1-GPU run
    [net]
    learning_rate=0.0005
    ```

    ## Options
    - `--resume-from ITER|FILE`: the checkpoint, as an iteration or a `.weights`
      file; without it the rule does not run.
    - `--previous-gpus N`, `--gpus N`: the GPUs of the resumed run and of the new
      one.
    - `--previous OLD_CFG`: the config the checkpoint was trained with (see RS001).
    - `--clear`: the run restarts at iteration 0 (RS003's case); this rule is quiet.
    - `spike-ratio` (`[tool.cfgtools]`, default 2): beyond this factor RS001 or
      RS004 report the change instead.
    """

    code = "RS005"
    name = "resume-gpu-count"
    severity = Severity.INFO
    needs = ("resume",)
    summary = "the resumed run trains on another number of GPUs (darknet scales the rate by it)"

    def check(self) -> Iterator[Diagnostic]:
        point = self.ctx.resume
        if self.ctx.settings.clear or not point.gpus_changed or point.old_lr is None:
            return
        old_lr, new_lr, spike = point.old_lr, point.new_lr, self.ctx.settings.spike_ratio
        if old_lr > 0 and new_lr > 0 and (new_lr > old_lr * spike or new_lr * spike < old_lr):
            return  # RS001 or RS004 reports the jump and names the GPU count
        old_gpus, new_gpus = point.old.gpus, point.new.gpus
        key = self.ctx.loaded.setting_name("base_lr")
        same_rate = f"{point.new.base_lr * old_gpus / new_gpus:.6g}"
        yield self.diagnostic(
            self.ctx.setting_span(key),
            f"resuming from {point.described} on {new_gpus} GPUs instead of {old_gpus}: darknet multiplies "
            f"{key} by the GPU count, so the rate goes from {format_lr(old_lr)} (update {point.update_before}) to "
            f"{format_lr(new_lr)} (update {point.update_after}), and each iteration trains {new_gpus} batches "
            f"instead of {old_gpus}",
            Fix(f"{key}={same_rate} keeps the rate of the {old_gpus}-GPU run", replacement=same_rate),
        )
