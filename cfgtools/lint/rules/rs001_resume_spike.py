from __future__ import annotations

import math
import shlex
from typing import Iterator

from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.numeric import ResumePoint, format_lr
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import setting_fix
from cfgtools.schedule.extend import NEGLIGIBLE_FRACTION, REWIND_SHARE, rewind_iteration, rewind_limit


class ResumeSpike(Rule):
    """## What it does
    Checks whether resuming from a checkpoint makes the learning rate jump: up
    (also from a rate of 0, as after a finished `poly`), down, or with another
    number of GPUs.

    ## Why is this bad?
    darknet and Caffe recompute the rate from the stored iteration and the edited
    config (darknet: `get_current_rate` of the batch number that `seen` in the
    .weights file gives; Caffe: `Solver::Restore` restores `iter` and multistep's
    `current_step`, everything else comes from the edited solver). Changing
    `max_batches` under `poly`, the base rate, the steps or the number of GPUs
    (darknet multiplies the rate by it) moves the rate at the resume point. A
    jump up by more than `spike-ratio` (default 2) knocks a converging model off
    its minimum; the message says which iteration of the old run had the new
    rate, i.e. how much of the annealing the resume goes back. A run that ended
    at a rate of 0 (`poly` at `max_batches`) always jumps: it is reported when
    the new rate is more than `spike-ratio` times the rate the old run had a few
    percent of its training before the checkpoint. A fall by more than
    `spike-ratio` leaves the rest of the run crawling, and a change of GPU count
    that moves the rate less than that is still worth knowing (info).

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
    # continuous at the resume point: cfgtools extend old.cfg --from 300019
    # --to 592480 writes it (and offers raising power instead)
    learning_rate=0.0000518792
    policy=poly
    power=4
    max_batches=592480
    ```

    ## Fix safety
    Unsafe: the fix sets the base rate that makes the first update after the
    resume use the rate of the last one before it, a new schedule. Only
    `--unsafe-fixes` applies it, and only with `--previous` (without it the
    edited file would also be the config the checkpoint was trained with).
    The hint gives the `cfgtools extend` command
    that plans the whole resume (the end rate, other edits such as `power`, a
    start rate after a finished run).

    ## Options
    - `--resume-from ITER|FILE`: the checkpoint, as an iteration or a `.weights` or
      `.solverstate` file; without it the rule does not run.
    - `--previous OLD_CFG`: the config the checkpoint was trained with (by default
      the linted file itself).
    - `--previous-gpus N`, `--gpus N`: the GPUs of the resumed run and of the new
      one (darknet multiplies the rate by the GPU count).
    - `--clear`: the run restarts at iteration 0 (RS003's case); this rule is quiet.
    - `spike-ratio` (`[tool.cfgtools]`, default 2): a jump by more than this factor,
      up or down, is reported.
    """

    code = "RS001"
    name = "resume-spike"
    severity = Severity.WARNING
    needs = ("resume",)
    summary = "resuming at the checkpoint's iteration makes the learning rate jump (up, down or from 0)"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        point = self.ctx.resume
        if self.ctx.settings.clear or point.old_lr is None:
            return
        new = point.new
        if point.iteration >= new.horizon:
            return  # nothing trains (RS002)
        spike = self.ctx.settings.spike_ratio
        old_lr, new_lr = point.old_lr, point.new_lr
        if not (math.isfinite(old_lr) and math.isfinite(new_lr)):
            return  # LR002 reports rates that are not numbers
        negligible = old_lr <= NEGLIGIBLE_FRACTION * point.old.base_lr * point.old.gpus
        baseline = rewind_limit(point.old, point.iteration)
        if (not negligible and new_lr > old_lr * spike) or (baseline is not None and new_lr > baseline[1] * spike):
            yield self._rise(point, negligible, baseline)
        elif not negligible and new_lr * spike < old_lr:
            yield self._fall(point)
        elif point.old.gpus != new.gpus and not math.isclose(new_lr, old_lr, rel_tol=1e-6):
            yield self._gpus(point)

    # -- the three findings

    def _rise(self, point: ResumePoint, negligible: bool, baseline: tuple[int, float] | None) -> Diagnostic:
        old_lr, new_lr = point.old_lr, point.new_lr
        before, after = self._updates(point)
        if negligible:
            jump = f"the rate jumps from {format_lr(old_lr)} (update {before}, previous config)"
        else:
            jump = f"the rate jumps x{new_lr / old_lr:.3g}, from {format_lr(old_lr)} (update {before}, previous config)"
        message = (f"resuming from {point.described}: {jump} to {format_lr(new_lr)} (update {after}, this config)"
                   f"{self._rewind(point, baseline)}; changed: {self._changed(point)}")
        if negligible:  # nothing to stay continuous with: plan from a rate at most a few percent back
            if baseline is not None:
                how = (f"{self._command(point, rewind_to=baseline[0])} plans a resume from the rate of update "
                       f"{baseline[0]} ({REWIND_SHARE:.0%} of training back, {format_lr(baseline[1])}) down to the "
                       "end rate")
            else:
                how = f"{self._command(point, start_lr=new_lr)} plans the resume from this rate down to the end rate"
            return self.diagnostic(self._span(point), message, Fix(
                f"the old run ended at a rate of {format_lr(old_lr)}; {how}"))
        return self.diagnostic(self._span(point), message, self._continuous(point))

    def _fall(self, point: ResumePoint) -> Diagnostic:
        old_lr, new_lr = point.old_lr, point.new_lr
        before, after = self._updates(point)
        fall = f"falls /{old_lr / new_lr:.3g}" if new_lr > 0 else "falls to 0"
        return self.diagnostic(
            self._span(point),
            f"resuming from {point.described}: the rate {fall}, from {format_lr(old_lr)} (update {before}, previous "
            f"config) to {format_lr(new_lr)} (update {after}, this config); changed: {self._changed(point)}",
            self._continuous(point) if new_lr > 0 else Fix(f"{self._command(point)} plans the resume"),
        )

    def _gpus(self, point: ResumePoint) -> Diagnostic:
        key = self.ctx.loaded.setting_name("base_lr")
        old_gpus, new_gpus = point.old.gpus, point.new.gpus
        before, after = self._updates(point)
        same = point.new.base_lr * old_gpus / new_gpus
        return self.diagnostic(
            self.ctx.setting_span(key),
            f"resuming from {point.described} on {new_gpus} GPUs instead of {old_gpus}: darknet multiplies {key} by "
            f"the GPU count, so the rate goes from {format_lr(point.old_lr)} (update {before}) to "
            f"{format_lr(point.new_lr)} (update {after}), and each iteration trains {new_gpus} batches instead of "
            f"{old_gpus}",
            self._fix(f"{key}={same:.6g} keeps the rate of the {old_gpus}-GPU run; {self._command(point)} plans "
                      "the resume", {key: float(f"{same:.6g}")}, f"{same:.6g}"),
            severity=Severity.INFO,
        )

    # -- parts

    def _continuous(self, point: ResumePoint) -> Fix:
        """The base rate that makes the first update after the resume use the last rate before it (every
        policy, burn-in and the GPU multiplier are proportional to it), and the extend command."""
        key = self.ctx.loaded.setting_name("base_lr")
        continuous = f"{point.new.base_lr * point.old_lr / point.new_lr:.6g}"
        return self._fix(f"{key}={continuous} keeps the rate continuous at the resume point; "
                         f"{self._command(point)} plans the whole resume", {key: float(continuous)}, continuous)

    def _fix(self, description: str, changes: dict, replacement: str) -> Fix:
        """The edit of this file, when the checkpoint's config is another file (--previous): without it, the
        edit would change the config the checkpoint is compared with as well, and never settle."""
        if not self.ctx.settings.previous:
            return Fix(description, replacement)
        return setting_fix(self.ctx, description, changes, replacement)

    def _rewind(self, point: ResumePoint, baseline: tuple[int, float] | None) -> str:
        """Which update of the old (decaying) run had the new rate: how far back the resume goes."""
        old, new_lr = point.old, point.new_lr
        if baseline is None or new_lr <= 0:
            return ""
        before = old.first_update + point.iteration - 1
        text = f", x{new_lr / baseline[1]:.3g} the rate {REWIND_SHARE:.0%} of training earlier (update {baseline[0]})" \
            if baseline[1] > 0 else ""
        rewound = rewind_iteration(old, new_lr, before)
        if rewound is None:
            return text + "; the old run never had so high a rate after its warm-up"
        back = before - rewound
        return (f"{text}; it is the rate the old run had at update {rewound}: the resume goes back {back} updates "
                f"({back / max(old.horizon, 1):.0%} of the old run)")

    def _updates(self, point: ResumePoint) -> tuple[int, int]:
        """The iteration indexes of the last update before the checkpoint and the first after it."""
        first = point.new.first_update
        return first + point.iteration - 1, first + point.iteration

    def _changed(self, point: ResumePoint) -> str:
        parts = list(point.changed)
        if point.old.gpus != point.new.gpus:
            parts.append(f"the GPU count ({point.old.gpus} -> {point.new.gpus})")
        return ", ".join(parts) or "nothing in the config"

    def _span(self, point: ResumePoint):
        return self.ctx.setting_span(*point.changed, self.ctx.loaded.setting_name("base_lr"))

    def _command(self, point: ResumePoint, start_lr: float | None = None, rewind_to: int | None = None) -> str:
        """The ``cfgtools extend`` command line that plans this resume from the previous config."""
        settings, loaded = self.ctx.settings, self.ctx.loaded
        words = ["cfgtools", "extend", settings.previous or loaded.path, "--from", str(settings.resume_from),
                 "--to", str(point.new.horizon)]
        if point.new.gpus != 1 or point.old.gpus != point.new.gpus:
            words += ["--gpus", str(point.new.gpus)]
        if point.old.gpus != point.new.gpus:
            words += ["--previous-gpus", str(point.old.gpus)]
        if loaded.dialect != loaded.framework.default_dialect:
            words += ["--dialect", loaded.dialect]
        if start_lr is not None:
            words += ["--start-lr", f"{start_lr:.6g}"]
        if rewind_to is not None:
            words += ["--rewind-to", str(rewind_to)]
        return "`" + shlex.join(words) + "`"
