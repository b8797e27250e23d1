from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.numeric import format_lr
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._ultralytics import resume_case, run_of, weights_lr_by_epoch, written, yaml_number
from cfgtools.schedule.model import ScheduleError
from cfgtools.ultralytics.rate import weights_group
from cfgtools.ultralytics.schedule import ScheduleError as RunError
from cfgtools.ultralytics.schedule import YoloSchedule


class RestartWarmup(Rule):
    """## What it does
    Checks what training again from a checkpoint's weights does to the learning
    rate: from a finished run's `last.pt` (which cannot be resumed), or with
    `--clear`.

    ## Why is this bad?
    A finished run's `last.pt` is stripped (`epoch` -1, no optimizer): `--resume`
    refuses it, so "training for more epochs" means `train.py --weights last.pt` or
    `yolo train model=last.pt`, a new run. It starts at epoch 0 with a fresh
    optimizer and the whole warm-up: the weights' lr climbs from 0 back to
    `lr0·lf(epoch)` and the biases restart at `warmup_bias_lr` (0.1 by default),
    tens of times the lr the finished run ended at. The trained weights are shaken
    hard before the new run settles.

    ## Example
    ```yaml
    # cfgtools lint --resume-from runs/train/exp/weights/last.pt --images 12000 opt.yaml
    # (last.pt: 300 epochs, finished; this run: 300 more)
    epochs: 300
    batch_size: 16
    hyp:
      lr0: 0.01
      lrf: 0.01
    ```

    ## Use instead
    ```yaml
    # start where the finished run ended
    epochs: 300
    batch_size: 16
    hyp:
      lr0: 0.0001
      lrf: 0.01
      warmup_bias_lr: 0.0
    ```

    ## Options
    - `--resume-from EPOCHS|last.pt`: the checkpoint whose weights the run starts
      from; without it the rule does not run. A finished checkpoint is a restart
      whether or not `--clear` is given.
    - `--clear`: the run starts over on the checkpoint's weights (YOLOv5 `--weights`,
      ultralytics `model=`).
    - `--previous OLD.yaml`: the settings the checkpoint was trained with (default:
      those stored in the checkpoint, else this file).
    - `--images N`, `--batches-per-epoch NB`, `--gpus N`, `--classes NC`: the
      batches per epoch (needed) and what `optimizer=auto` decides by.
    - `spike-ratio` (`[tool.cfgtools]`, default 2): a rise by more than this factor
      is reported.
    """

    code = "UL010"
    name = "restart-warmup"
    severity = Severity.WARNING
    needs = ("yolo_training",)
    summary = "training again from a finished last.pt restarts the warm-up far above the lr it ended at"

    def check(self) -> Iterator[Diagnostic]:
        settings = self.ctx.settings
        if settings.resume_from is None:
            return
        options = settings.training_options
        run = run_of(self.ctx, options)
        if isinstance(run, ScheduleError) or run.nb is None:
            return  # UL008 says why
        case = resume_case(self.ctx, run, settings.resume_from, settings.previous, options)
        if case is None or isinstance(case, str) or not (case.finished or settings.clear):
            return
        try:
            ended = float(weights_lr_by_epoch(YoloSchedule(case.previous, run.rules, run.nb))[-1])
            fresh = run.schedule()
        except RunError:
            return  # UL008 says why
        weights = weights_group(fresh)
        top = min(fresh.nw, fresh.last_iteration) if fresh.warmup_on else 0
        peak = float(fresh.rows_at([top]).lr[weights, 0])
        if not (ended > 0 and peak > ended * settings.spike_ratio):
            return
        why = "a finished run cannot be resumed, so training from it is a new run" if case.finished else \
            "--clear: a new run on its weights"
        if fresh.warmup_on:
            climb = f"the warm-up takes the weights' lr from 0 back up to {format_lr(peak)} at iteration {top}"
        else:
            climb = f"the weights' lr restarts at {format_lr(peak)}"
        biases = [index for index, group in enumerate(fresh.groups) if group.role == "bias"]
        restart = ""
        if fresh.warmup_on and biases:
            restart = f"; the biases restart at {format_lr(float(fresh.rows_at([0]).lr[biases[0], 0]))}"
        also = []
        if fresh.optimizer.auto:
            also.append(f"optimizer={fresh.optimizer.name} (auto ignores lr0)")
        if fresh.warmup_on and biases and fresh.optimizer.warmup_bias_lr > ended:
            also.append("warmup_bias_lr=0.0")
        fix = f"to go on from the lr the previous run ended at, start there: lr0={yaml_number(ended)}"
        fix += "".join(f", {edit}" for edit in also)
        # one edit only can be a replacement of the value the finding points at
        replacement = yaml_number(ended) if written(self.ctx, "lr0") and not also else None
        yield self.diagnostic(
            self.ctx.setting_span("lr0", "epochs"),
            f"{case.described}: {why} from epoch 0; {climb}, x{peak / ended:.3g} the {format_lr(ended)} the "
            f"previous run ended at{restart}",
            Fix(fix, replacement=replacement),
        )
