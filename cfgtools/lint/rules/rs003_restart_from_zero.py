from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.numeric import format_lr


class RestartFromZero(Rule):
    """The run restarts the schedule from 0 on top of trained weights.

    darknet's ``-clear`` and Caffe's ``--weights`` (fine-tuning) keep the
    weights but reset the iteration to 0: burn-in starts again and the rate
    jumps from its value at the checkpoint back to the start of the schedule.
    That is right for a new dataset, and a surprise when you meant to resume
    (lint with ``--clear`` to check such a run).

    Bad::

        # darknet detector train obj.data yolo.cfg backup/yolo_last.weights -clear
        # (iteration 5400, rate 0.0001): the rate goes back to 0.001 after a new burn-in
        [net]
        learning_rate=0.001
        burn_in=1000

    Good::

        # resume without -clear to continue the schedule, or fine-tune on purpose
        # with a lower learning_rate
        [net]
        learning_rate=0.0001
        burn_in=1000
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
        parts.append(f"the rate goes from {format_lr(old_lr)} at the checkpoint to {format_lr(new_lr)} "
                     f"at the first update")
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
