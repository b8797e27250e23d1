from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._ultralytics import resume_case, run_of
from cfgtools.positions import Span
from cfgtools.schedule.model import ScheduleError
from cfgtools.ultralytics.schedule import ScheduleError as RunError


class ScheduleUnchecked(Rule):
    """## What it does
    Checks that the learning-rate schedule of a YOLOv5/ultralytics file could be
    checked, and says why not when it could not: a hyp file has no epoch count or
    batch size, `batch: -1` leaves the batch size to AutoBatch, a v5.0/v6.1 opt.yaml
    names a hyp file that is not found, the resume rules need the batches per epoch.

    ## Why is this bad?
    The schedule rules (UL009 to UL014) need the run: without it they stay silent,
    and a report without findings would read as "the schedule is fine" when nothing
    looked at it. This finding (info) says what was not checked and what to give.

    ## Example
    ```yaml
    lr0: 0.01
    lrf: 0.01
    momentum: 0.937
    weight_decay: 0.0005
    warmup_epochs: 3.0
    warmup_momentum: 0.8
    warmup_bias_lr: 0.1
    obj: 1.0
    ```

    ## Use instead
    ```yaml
    task: detect
    epochs: 300
    batch: 16
    lr0: 0.01
    lrf: 0.01
    optimizer: SGD
    ```

    ## Options
    - `--images N`, `--batches-per-epoch NB`: the training images (the batches per
      epoch are `ceil(N / batch)`) or the batches per epoch, which the resume rules
      need.
    - `--gpus N`: the DDP world size (each GPU counts its own batches).
    - `--classes NC`: the dataset's classes, which `optimizer=auto` needs below
      10000 iterations.
    - `--resume-from EPOCHS|last.pt`, `--previous OLD.yaml`: the resume to check.
    """

    code = "UL008"
    name = "schedule-unchecked"
    severity = Severity.INFO
    needs = ("yolo_settings",)
    summary = "the schedule rules could not check this file's run (and why)"

    def check(self) -> Iterator[Diagnostic]:
        settings = self.ctx.settings
        options = settings.training_options
        run = run_of(self.ctx, options)
        if isinstance(run, ScheduleError):
            yield self.diagnostic(Span.point(run.line, run.column), f"the schedule is not checked: {run.message}")
            return
        if run.nb is not None:
            try:
                run.schedule()
            except RunError as exc:
                yield self.diagnostic(self.ctx.setting_span("optimizer", "epochs"),
                                      f"the schedule is not checked: {exc}")
                return
        if settings.resume_from is None:
            return
        what = f"the resume from {settings.resume_from}"
        if run.nb is None:
            yield self.diagnostic(
                self.ctx.setting_span("epochs"),
                f"{what} is not checked: it needs the batches per epoch (the warm-up and the optimizer steps "
                "are counted in iterations)",
                Fix("give the training images (--images N) or --batches-per-epoch NB"),
            )
            return
        case = resume_case(self.ctx, run, settings.resume_from, settings.previous, options)
        if isinstance(case, str):
            yield self.diagnostic(self.ctx.setting_span("epochs"), f"{what} is not checked: {case}",
                                  Fix("give the settings the checkpoint was trained with (--previous OLD.yaml)"))
