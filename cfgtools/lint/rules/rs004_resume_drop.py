from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.numeric import format_lr
from cfgtools.lint.rule import Rule


class ResumeDrop(Rule):
    """## What it does
    Checks whether resuming from a checkpoint makes the learning rate fall abruptly.

    ## Why is this bad?
    darknet and Caffe recompute the rate from the stored iteration and the edited
    config (darknet: `get_current_rate` of the batch number the .weights file's
    `seen` gives; Caffe: `Solver::Restore` restores `iter` and multistep's
    `current_step`). Raising `max_batches` under `poly` makes the rate jump up
    (RS001); lowering it, lowering the base rate, moving steps earlier or training
    on fewer GPUs makes it fall. A fall by more than `spike-ratio` (default 2)
    in one update leaves the rest of the run crawling at a rate the schedule
    never meant for this point: the resumed run learns little.

    ## Example
    ```cfg
    # trained to batch 300019 with max_batches=592480, policy=poly, power=4
    # cfgtools lint --resume-from 300019 --previous old.cfg new.cfg
    [net]
    learning_rate=0.001
    policy=poly
    power=4
    # the rate at 300020 is 1/19 of the rate at 300019
    max_batches=392480
    ```

    ## Use instead
    ```cfg
    [net]
    # continuous at the resume point (the fix hint gives the value)
    learning_rate=0.0192766
    policy=poly
    power=4
    max_batches=392480
    ```

    ## Options
    - `--resume-from ITER|FILE`: the checkpoint, as an iteration or a `.weights` or
      `.solverstate` file; without it the rule does not run.
    - `--previous OLD_CFG`: the config the checkpoint was trained with; `git:REV`
      for the file as committed in REV. By default the file's committed version
      when it has uncommitted changes in a git work tree, else the file itself.
    - `--previous-gpus N`, `--gpus N`: the GPUs of the resumed run and of the new
      one (darknet multiplies the rate by the GPU count).
    - `--clear`: the run restarts at iteration 0 (RS003's case); this rule is quiet.
    - `spike-ratio` (`[tool.cfgtools]`, default 2): a fall by more than this factor
      is reported.
    """

    code = "RS004"
    name = "resume-drop"
    severity = Severity.WARNING
    needs = ("resume",)
    summary = "resuming at the checkpoint's iteration makes the learning rate fall abruptly"

    def check(self) -> Iterator[Diagnostic]:
        point = self.ctx.resume
        if self.ctx.settings.clear or point.old_lr is None:
            return
        new = point.new
        if point.iteration >= new.last_update + (1 if new.framework == "caffe" else 0):
            return  # nothing trains (RS002)
        old_lr, new_lr = point.old_lr, point.new_lr
        if not (new_lr > 0 and new_lr * self.ctx.settings.spike_ratio < old_lr):
            return  # a fall to exactly 0 is LR001's
        key = self.ctx.loaded.setting_name("base_lr")
        continuous = f"{point.continuous_base_lr():.6g}"
        yield self.diagnostic(
            self.ctx.setting_span(*point.changed, key),
            f"resuming from {point.described}: the rate falls /{old_lr / new_lr:.3g}, from {format_lr(old_lr)} "
            f"(update {point.update_before}, {point.previous_from}) to {format_lr(new_lr)} "
            f"(update {point.update_after}, this config); changed: {point.what_changed() or 'no training setting'}",
            Fix(f"{key}={continuous} keeps the rate continuous at the resume point", replacement=continuous),
        )
