from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._ultralytics import plugin, settings_file, written
from cfgtools.plugin import RunOptions
from cfgtools.schedule.model import ScheduleError
from cfgtools.ultralytics.keys import ULTRALYTICS_KEYS
from cfgtools.ultralytics.schedule import ScheduleError as RunError
from cfgtools.ultralytics.schedule import choose_optimizer


class OptimizerAuto(Rule):
    """## What it does
    Checks for an ultralytics file that sets `lr0`, `momentum` or `warmup_bias_lr`
    while `optimizer` is `auto` (the default), which ignores them.

    ## Why is this bad?
    With `optimizer=auto`, `build_optimizer` (engine/trainer.py) picks the optimizer
    by the length of the run: above 10000 iterations
    (`ceil(images / max(batch, nbs)) · epochs`) SGD with lr 0.01 (8.4: MuSGD), else
    AdamW with lr `round(0.002·5/(4 + nc), 6)`; momentum 0.9 either way, and it sets
    `warmup_bias_lr` to 0. The `lr0` you tuned is never used, and args.yaml still
    shows it, because it is written before the optimizer is built.

    ## Example
    ```yaml
    task: detect
    epochs: 100
    batch: 16
    lr0: 0.002
    momentum: 0.9
    ```

    ## Use instead
    ```yaml
    task: detect
    epochs: 100
    batch: 16
    optimizer: SGD
    lr0: 0.002
    momentum: 0.9
    ```

    ## Options
    - `--images N`, `--classes NC`: the training images and the dataset's classes;
      with them the finding says which optimizer and lr auto picks for the run.
    """

    code = "UL011"
    name = "optimizer-auto"
    severity = Severity.WARNING
    needs = ("yolo_settings",)
    summary = "optimizer=auto ignores lr0 and momentum (and zeroes warmup_bias_lr)"

    def check(self) -> Iterator[Diagnostic]:
        read = settings_file(self.ctx)
        if not read.kind.startswith("ultralytics"):
            return  # YOLOv5 has no auto
        values, rules = read.values, read.rules
        if not isinstance(values.get("optimizer"), str) or values["optimizer"].lower() != "auto":
            return
        if values["optimizer"] != "auto" and rules.name != "ultralytics-latest":
            return  # before 8.4 'Auto' is not auto: the version refuses the name (UL009's reading finds it)
        defaults = ULTRALYTICS_KEYS[rules.name].defaults
        ignored = [key for key in ("lr0", "momentum", "warmup_bias_lr")
                   if key in read.present and key not in read.invalid and values[key] != defaults[key]]
        if not ignored:
            return
        above = rules.auto_above_10000 or "SGD"
        picks = (f"{above} with lr 0.01 above 10000 iterations, else AdamW with lr round(0.002*5/(4+nc), 6), "
                 "momentum 0.9 either way, and warmup_bias_lr 0")
        chosen = self._choice(self.ctx.settings.images, self.ctx.settings.classes)
        if chosen:
            picks += f"; for this run: {chosen}"
        optimizer_written = written(self.ctx, "optimizer")
        yield self.diagnostic(
            self.ctx.setting_span("optimizer", *ignored),
            f"optimizer=auto ignores {', '.join(f'{key}={values[key]}' for key in ignored)}: it picks {picks}",
            Fix("name an optimizer (optimizer=SGD) to train with lr0 and momentum",
                replacement="SGD" if optimizer_written else None),
        )

    def _choice(self, images: int | None, classes: int | None) -> str | None:
        if images is None:
            return None
        try:
            config = plugin(self.ctx).training(self.ctx.loaded, RunOptions(images=images, classes=classes))
            choice = choose_optimizer(config, settings_file(self.ctx).rules)
        except (ScheduleError, RunError):
            return None  # the run cannot be built (UL008 says why), or AdamW's lr needs the classes
        return f"{choice.name} with lr {choice.lr:g}"
