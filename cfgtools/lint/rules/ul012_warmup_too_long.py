from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._ultralytics import plugin
from cfgtools.plugin import RunOptions
from cfgtools.schedule.model import ScheduleError
from cfgtools.ultralytics.schedule import warmup_iterations


class WarmupTooLong(Rule):
    """## What it does
    Checks whether the warm-up lasts into the last epoch of the run or beyond it.

    ## Why is this bad?
    During the warm-up the weights' lr climbs from 0 (`np.interp` over the first
    `nw` iterations) and the momentum from `warmup_momentum`: a run whose warm-up
    does not end before its last epoch never trains at the scheduled lr. The warm-up
    is `max(round(warmup_epochs · nb), 100)` iterations (1000 in YOLOv5 v5.0/v6.1),
    so a small dataset stretches it over many epochs, and YOLOv5 keeps that floor
    even with `warmup_epochs: 0`; ultralytics 8.4 caps it at `epochs - 1`.

    ## Example
    ```yaml
    task: detect
    epochs: 3
    batch: 16
    optimizer: SGD
    warmup_epochs: 3.0
    ```

    ## Use instead
    ```yaml
    task: detect
    epochs: 30
    batch: 16
    optimizer: SGD
    warmup_epochs: 3.0
    ```

    ## Options
    - `--images N`, `--batches-per-epoch NB`, `--gpus N`: the batches per epoch;
      with them the warm-up is counted in iterations, its floor included (without,
      in epochs).
    """

    code = "UL012"
    name = "warmup-too-long"
    severity = Severity.WARNING
    needs = ("yolo_training",)
    summary = "the warm-up lasts into the last epoch (or beyond): the run never trains at its scheduled lr"

    def check(self) -> Iterator[Diagnostic]:
        config = self.ctx.view("yolo_training")
        rules = self.ctx.view("yolo_settings").rules
        settings = self.ctx.settings
        options = RunOptions(gpus=settings.gpus, images=settings.images, batches_per_epoch=settings.batches_per_epoch)
        try:
            nb = plugin(self.ctx).batches(self.ctx.loaded, options, config)
        except ScheduleError:
            nb = None
        epochs, warmup = config.epochs, config.warmup_epochs
        if nb is None:
            if not (warmup > 0 and warmup >= epochs - 1):
                return
            length = f"{warmup:g} epochs"
        else:
            nw = warmup_iterations(rules, warmup, nb, epochs)
            if nw <= 0 or nw < (epochs - 1) * nb:
                return
            length = f"{nw} iterations (to epoch {min(nw // nb, epochs - 1)})"
            if rules.warmup_floor and nw == rules.warmup_floor and round(warmup * nb) < nw:
                length += f", at least {rules.warmup_floor} in {rules.name}"
        yield self.diagnostic(
            self.ctx.setting_span("warmup_epochs", "epochs"),
            f"warmup_epochs={warmup:g} with epochs={epochs}: the warm-up lasts {length} of the "
            f"{epochs} epochs" + (f" ({epochs * nb} iterations)" if nb else "")
            + ": it does not end before the last epoch, so the run never trains at lr0*lf(epoch)",
            Fix("shorten the warm-up (warmup_epochs well below epochs) or train for more epochs"),
        )
