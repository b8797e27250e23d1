from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule


class ResumePastEnd(Rule):
    """## What it does
    Checks whether the checkpoint is already at or past `max_batches` /
    `max_iter`, so that nothing will train.

    ## Why is this bad?
    darknet's training loop (`train_detector`) runs while the iteration is below
    `max_batches`, so it writes the final weights at once; Caffe runs
    `max_iter - iter` iterations (`Solver::Solve`), i.e. none, and still takes a
    snapshot. The usual cause is resuming a finished run to train longer without
    raising `max_batches`.

    ## Example
    ```cfg
    # cfgtools lint --resume-from backup/yolo_last.weights yolo.cfg   (iteration 6000)
    [net]
    max_batches=6000
    ```

    ## Use instead
    ```cfg
    [net]
    max_batches=8000
    ```

    ## Options
    - `--resume-from ITER|FILE`: the checkpoint, as an iteration or a `.weights` or
      `.solverstate` file; without it the rule does not run.
    - `--clear`: the run restarts at iteration 0, so it trains; this rule is quiet.
    """

    code = "RS002"
    name = "resume-past-end"
    severity = Severity.ERROR
    needs = ("resume",)
    summary = "the checkpoint's iteration is at or past max_batches / max_iter: nothing will train"

    def check(self) -> Iterator[Diagnostic]:
        point = self.ctx.resume
        if self.ctx.settings.clear:
            return
        new = point.new
        darknet = new.framework == "darknet"
        name = "max_batches" if darknet else "max_iter"
        if point.iteration < new.horizon:
            return
        what = "darknet writes the final weights at once" if darknet else \
            "Caffe runs zero iterations (and still writes a snapshot)"
        yield self.diagnostic(
            self.ctx.setting_span(name),
            f"resuming from {point.described}, at or past {name}={new.horizon}: nothing will train ({what})",
            Fix(f"raise {name} above {point.iteration}, or start over with --clear"),
        )
