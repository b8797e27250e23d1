from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.numeric import format_lr
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._ultralytics import changes, resume_case, run_of, weights_lr_by_epoch, yaml_number
from cfgtools.schedule.model import ScheduleError
from cfgtools.ultralytics.rate import weights_group
from cfgtools.ultralytics.extend import plan_extension
from cfgtools.ultralytics.schedule import ScheduleError as RunError
from cfgtools.ultralytics.schedule import YoloSchedule


class ResumeLrJump(Rule):
    """## What it does
    Checks whether resuming a YOLOv5/ultralytics run with edited settings (above
    all a larger epoch count) makes the learning rate jump, and plans the `lr0` and
    `lrf` that keep it continuous.

    ## Why is this bad?
    A resume (`train.py --resume`, `yolo train resume=True`) rebuilds the per-epoch
    `LambdaLR` from the edited settings: `lf(x) = (1 - x/E)·(1 - lrf) + lrf` (or
    the cosine `one_cycle`) with the new `E`. Trained 300 epochs and resumed with
    600, the lr jumps from about 0.017·lr0 to about 0.5·lr0 at the first epoch the
    new factor sets (x30): mAP falls off a cliff and takes many epochs to recover.
    Two linear equations in `lr0` and `lrf` keep the lr continuous there and reach
    the old final lr (`lr0·lrf`) at the new last epoch.

    ## Example
    ```yaml
    # opt.yaml of a YOLOv5 run trained to epoch 299 of 300, edited to resume to 600
    # cfgtools lint --resume-from last.pt --images 12000 opt.yaml
    epochs: 600
    batch_size: 16
    hyp:
      lr0: 0.01
      lrf: 0.01
    ```

    ## Use instead
    ```yaml
    # the values the fix hint plans: the lr goes on from 0.000133 at epoch 301
    # and reaches 0.0001, the old lr0·lrf, at epoch 599
    epochs: 600
    batch_size: 16
    hyp:
      lr0: 0.000166221
      lrf: 0.600275
    ```

    ## Options
    - `--resume-from EPOCHS|last.pt`: the checkpoint (its epoch and the lr its
      optimizer state restores) or the epochs done; without it the rule does not
      run.
    - `--previous OLD.yaml`: the settings the checkpoint was trained with (default:
      those stored in the checkpoint, else this file).
    - `--clear`: the run starts over on the checkpoint's weights (UL010's case);
      this rule is quiet.
    - `--images N`, `--batches-per-epoch NB`, `--gpus N`, `--classes NC`: the
      batches per epoch (needed) and what `optimizer=auto` decides by.
    - `spike-ratio` (`[tool.cfgtools]`, default 2): a jump by more than this factor
      is reported.
    """

    code = "UL009"
    name = "resume-lr-jump"
    severity = Severity.WARNING
    needs = ("yolo_training",)
    summary = "resuming with an edited epoch count (or lr0/lrf) makes the learning rate jump"

    def check(self) -> Iterator[Diagnostic]:
        settings = self.ctx.settings
        if settings.resume_from is None or settings.clear:
            return
        options = settings.training_options
        run = run_of(self.ctx, options)
        if isinstance(run, ScheduleError) or run.nb is None:
            return  # UL008 says why
        case = resume_case(self.ctx, run, settings.resume_from, settings.previous, options)
        if case is None or isinstance(case, str) or case.finished:
            return
        start, rules = case.start_epoch, run.rules
        try:
            old = YoloSchedule(case.previous, rules, run.nb)
            resumed = run.schedule(case.resume(run))
        except RunError as exc:
            yield self.diagnostic(self.ctx.setting_span("epochs"),
                                  f"resuming at epoch {start} from {case.described} cannot train: {exc}",
                                  severity=Severity.ERROR)
            return
        restored = case.resume(run).lr
        if case.previous_known or restored is None:
            if not 1 <= start <= old.epochs:
                return
            before, when = float(weights_lr_by_epoch(old)[start - 1]), f"epoch {start - 1}"
            against = f"with {', '.join(changes(case.previous, run.config)) or 'no setting changed'} " \
                f"(against {case.previous_from})"
        else:  # the old settings are unknown: the lr the checkpoint's optimizer restores stands for them
            before, when = float(restored[weights_group(resumed)]), "restored from the checkpoint"
            against = "(the checkpoint stores no settings to compare with)"
        # the first epoch whose lr the rebuilt scheduler sets: the resumed epoch still trains at the restored lr
        # where the scheduler steps at the end of an epoch (YOLOv5, ultralytics 8.0/8.1)
        first = start + 1 if rules.scheduler_steps_at == "end" else start
        lrs = weights_lr_by_epoch(resumed)
        if first - start >= lrs.size:
            return
        after = float(lrs[first - start])
        if not (before > 0 and after > before * settings.spike_ratio):
            return
        names = [item.split(" ", 1)[0] for item in changes(case.previous, run.config)]
        yield self.diagnostic(
            self.ctx.setting_span(*(["epochs"] if "epochs" in names else names), "epochs"),
            f"resuming at epoch {start} from {case.described} {against}: the weights' lr jumps "
            f"x{after / before:.3g} at epoch {first}, from {format_lr(before)} ({when}) to {format_lr(after)}",
            Fix(self._plan(case, run, first), replacement=None),
        )

    def _plan(self, case, run, first: int) -> str:
        if not case.previous_known:
            return ("give the settings the checkpoint was trained with (--previous OLD.yaml) for the lr0 and lrf "
                    "that keep the lr continuous")
        new_epochs = run.config.epochs
        if new_epochs <= case.start_epoch:
            return f"keep epochs={case.previous.epochs} for this resume, or start a new run"
        restored = case.resume(run).lr
        try:
            plan = plan_extension(case.previous, run.rules, run.nb, case.start_epoch, new_epochs,
                                  restored_lr=restored)
        except RunError as exc:
            return f"no lr0/lrf edit found: {exc}"
        if not plan.feasible:
            return f"no lr0/lrf edit keeps the lr continuous: {plan.reason}"
        edits = f"lr0={yaml_number(plan.edits['lr0'])}, lrf={yaml_number(plan.edits['lrf'])}"
        if "optimizer" in plan.edits:
            edits += f", optimizer={plan.edits['optimizer']} (auto ignores lr0)"
        where = ""
        if run.rules.family == "ultralytics":
            where = " (ultralytics resumes with last.pt's train_args: write them there)"
        elif self.ctx.view("yolo_settings").kind == "yolov5-opt" and \
                not isinstance(self.ctx.view("yolo_settings").values.get("hyp"), dict):
            where = " (in the hyp file this opt.yaml names)"
        return (f"{edits} keep the lr continuous at epoch {first} and end at {format_lr(plan.target)} "
                f"(the old lr0*lrf) at epoch {new_epochs - 1}{where}")
