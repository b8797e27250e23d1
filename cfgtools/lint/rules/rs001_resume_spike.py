from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.numeric import format_lr


class ResumeSpike(Rule):
    """## What it does
    Checks whether resuming from a checkpoint makes the learning rate jump.

    ## Why is this bad?
    darknet and Caffe recompute the rate from the stored iteration and the edited
    config (darknet: `get_current_rate` of the batch number that `seen` in the
    .weights file gives; Caffe: `Solver::Restore` restores `iter` and multistep's
    `current_step`, everything else comes from the edited solver). Changing
    `max_batches` under `poly`, the base rate, the steps or the number of GPUs moves
    the rate at the resume point; a jump of more than `spike-ratio` (default 2)
    knocks a converging model off its minimum for a long time.

    ## Example
    ```cfg
    # trained to batch 300019 with max_batches=392480, policy=poly, power=4
    # cfgtools lint --resume-from 300019 --previous old.cfg new.cfg
    [net]
    learning_rate=0.001
    policy=poly
    power=4
    # the rate at 300020 is 19x the rate at 300019
    max_batches=592480
    ```

    ## Use instead
    ```cfg
    [net]
    # continuous at the resume point (the fix hint gives the value)
    learning_rate=0.0000518792
    policy=poly
    power=4
    max_batches=592480
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
    - `spike-ratio` (`[tool.cfgtools]`, default 2): a jump by more than this factor
      is reported.
    """

    code = "RS001"
    name = "resume-spike"
    severity = Severity.WARNING
    needs = ("resume",)
    summary = "resuming at the checkpoint's iteration makes the learning rate jump"

    def check(self) -> Iterator[Diagnostic]:
        point = self.ctx.resume
        if self.ctx.settings.clear or point.old_lr is None:
            return
        new = point.new
        if point.iteration >= new.last_update + (1 if new.framework == "caffe" else 0):
            return  # nothing trains (RS002)
        old_lr, new_lr = point.old_lr, point.new_lr
        if not (old_lr > 0 and new_lr > old_lr * self.ctx.settings.spike_ratio):
            return
        key = self.ctx.loaded.setting_name("base_lr")
        continuous = f"{point.continuous_base_lr():.6g}"
        yield self.diagnostic(
            self.ctx.setting_span(*point.changed, key),
            f"resuming from {point.described}: the rate jumps x{new_lr / old_lr:.3g}, from {format_lr(old_lr)} "
            f"(update {point.update_before}, {point.previous_from}) to {format_lr(new_lr)} "
            f"(update {point.update_after}, this config); changed: {point.what_changed() or 'no training setting'}",
            Fix(f"{key}={continuous} keeps the rate continuous at the resume point", replacement=continuous),
        )
