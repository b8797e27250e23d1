from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.numeric import format_lr


class RestartFromZero(Rule):
    """## What it does
    Checks whether the run restarts the schedule from 0 on top of trained weights.

    ## Why is this bad?
    darknet's `-clear` (AlexeyAB's `train_detector` and pjreddie's `load_network`
    set `seen` to 0 after loading the weights) and Caffe's `--weights` (fine-tuning,
    `train()` in tools/caffe.cpp) keep the weights but reset the iteration to 0: burn-in starts again and the rate
    jumps from its value at the checkpoint back to the start of the schedule. That
    is right for a new dataset, and a surprise when you meant to resume.

    ## Example
    ```cfg
    # darknet detector train obj.data yolo.cfg backup/yolo_last.weights -clear
    # (iteration 5400, rate 0.0001): the rate goes back to 0.001 after a new burn-in
    [net]
    learning_rate=0.001
    burn_in=1000
    ```

    ## Use instead
    ```cfg
    # resume without -clear to continue the schedule, or fine-tune on purpose
    # with a lower learning_rate
    [net]
    learning_rate=0.0001
    burn_in=1000
    ```

    ## Options
    - `--clear`: says the run restarts at iteration 0; without it the rule does not
      report.
    - `--resume-from ITER|FILE`: the checkpoint the weights come from, as an
      iteration or a `.weights` or `.solverstate` file; without it the rule does not
      run.
    - `--previous OLD_CFG`: the config the checkpoint was trained with; `git:REV`
      for the file as committed in REV. By default the file's committed version
      when it has uncommitted changes in a git work tree, else the file itself.
    - `--previous-gpus N`, `--gpus N`: the GPUs of the previous run and of the new
      one (darknet multiplies the rate by the GPU count).
    - `spike-ratio` (`[tool.cfgtools]`, default 2): a jump by more than this factor,
      up or down, is reported even without burn-in.
    """

    code = "RS003"
    name = "restart-from-zero"
    severity = Severity.WARNING
    needs = ("resume",)
    summary = "the run restarts the schedule from 0 (darknet -clear, Caffe --weights): burn-in starts again"

    def check(self) -> Iterator[Diagnostic]:
        point = self.ctx.resume
        if not self.ctx.settings.clear or point.old_lr is None:
            return
        new = point.new
        darknet = new.framework == "darknet"
        old_lr, new_lr = point.old_lr, point.new_lr
        spike = self.ctx.settings.spike_ratio
        burn_in = new.burn_in.iterations if new.burn_in is not None else 0
        jump = old_lr > 0 and (new_lr > old_lr * spike or new_lr * spike < old_lr)
        if not burn_in and not jump:
            return
        parts = [f"the schedule restarts at 0 from {point.described}"]
        parts.append(f"the rate goes from {format_lr(old_lr)} at the checkpoint ({point.previous_from}) to "
                     f"{format_lr(new_lr)} at the first update")
        if burn_in:
            parts.append(f"burn-in starts again and climbs back to {format_lr(new.base_lr * new.gpus)} "
                         f"over {burn_in} updates")
        key = "learning_rate" if darknet else "base_lr"
        yield self.diagnostic(
            self.ctx.setting_span("burn_in", key),
            "; ".join(parts),
            Fix("to continue the schedule resume without -clear (darknet) or with --snapshot (Caffe); "
                f"to fine-tune on purpose, consider a lower {key}"),
        )
