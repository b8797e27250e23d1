"""What the schedule-aware rules (LR*, RS*) share: the schedule, the goal, the resume point.

Each piece is computed once per file (cached on the :class:`LintContext`) from
the typed models and the schedule engine; the rules only decide what to say.

Conventions (see ``cfgtools.schedule.model``): darknet's update k uses
``rate(k)``, k = 1..max_batches; Caffe's update i uses ``lr(i)``,
i = 0..max_iter-1. A checkpoint taken after ``s`` updates stores ``s``: the
last update before it used ``rate(s)`` (darknet) or ``lr(s-1)`` (Caffe), and
the first update after resuming uses ``rate(s+1)`` or ``lr(s)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cfgtools.errors import InputError
from cfgtools.positions import Span

if TYPE_CHECKING:
    from cfgtools.lint.core import LintContext
    from cfgtools.schedule.model import Schedule


def format_lr(value: float) -> str:
    """A rate as people write it in configs (6 significant digits, like Caffe's log)."""
    if math.isnan(value) or math.isinf(value):
        return str(value)
    return f"{value:.6g}"


def current_schedule(ctx: "LintContext") -> "Schedule | None":
    """The file's schedule with ``--gpus`` applied (None when the framework cannot run it)."""

    def build():
        from cfgtools.schedule.build import schedule_from_net, schedule_from_solver
        from cfgtools.schedule.model import ScheduleError

        try:
            if ctx.kind == "darknet":
                net = ctx.net
                return None if net is None else schedule_from_net(net, gpus=ctx.settings.gpus, source=ctx.path)
            if ctx.solver is not None:
                return schedule_from_solver(ctx.solver)
        except (ScheduleError, InputError, ValueError):
            return None
        return None

    return ctx.cached("numeric:schedule", build)


@dataclass(frozen=True)
class Goal:
    updates: int  #: how many updates the user wants to train for
    how: str  #: where that number came from, for messages

    def last_update(self, schedule: "Schedule") -> int:
        """The iteration index of the goal's last update (darknet k, Caffe i)."""
        return schedule.first_update + self.updates - 1


def training_goal(ctx: "LintContext", schedule: "Schedule") -> Goal:
    """How many updates the user means to train: --goal, --epochs with --images, or the horizon."""
    settings = ctx.settings
    if settings.goal is not None:
        return Goal(settings.goal, f"--goal {settings.goal}")
    if settings.epochs is not None and settings.images is not None and ctx.kind == "darknet" and ctx.net:
        net = ctx.net
        # darknet counts batch//subdivisions * time_steps * subdivisions * ngpus images per update
        per_update = max(1, net.mini_batch * net.subdivisions.value * settings.gpus)
        updates = math.ceil(settings.epochs * settings.images / per_update)
        return Goal(
            updates,
            f"{settings.epochs:g} epochs of {settings.images} images at {per_update} images per update",
        )
    return Goal(schedule.horizon, "max_batches" if schedule.framework == "darknet" else "max_iter")


def analysed_range(ctx: "LintContext", schedule: "Schedule") -> tuple[int, int]:
    """The updates the rate rules look at: from the first update to the goal (within the horizon)."""
    goal = training_goal(ctx, schedule)
    return schedule.first_update, min(goal.last_update(schedule), schedule.last_update)


def setting_span(ctx: "LintContext", *names: str) -> Span:
    """Where the first of ``names`` that is written in the file stands (value, else key).

    Falls back to the ``[net]`` header (darknet) or the first line (Caffe).
    """
    if ctx.kind == "darknet":
        net = ctx.net
        for name in names:
            setting = getattr(net, name, None) if net is not None else None
            if setting is not None and setting.from_file:
                return setting.span or setting.key_span
        section = ctx.document.net if ctx.document is not None else None
        return section.span if section is not None else Span.point(1)
    solver = ctx.solver
    for name in names:
        field = solver.fields.get(name) if solver is not None else None
        if field is not None and field.explicit:
            return field.span or field.key_span or Span.point(1)
    return Span.point(1)


# ----------------------------------------------------------------------------- resuming


@dataclass(frozen=True)
class ResumePoint:
    iteration: int  #: completed updates stored in the checkpoint
    current_step: int | None  #: Caffe's restored multistep index (None: derived from the old schedule)
    described: str  #: e.g. "iteration 300019" or "backup/yolo_last.weights (iteration 300019)"
    old: "Schedule"  #: the schedule the checkpoint was trained with (--previous, --previous-gpus)
    new: "Schedule"  #: the schedule of the file being linted
    old_lr: float | None  #: rate of the last update before the checkpoint (None at iteration 0)
    new_lr: float  #: rate of the first update after resuming (or after restarting with --clear)
    changed: tuple[str, ...]  #: settings whose values differ between the two configs


def _checkpoint_iteration(ctx: "LintContext", spec: int | str) -> tuple[int, int | None, str]:
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().lstrip("+").isdigit()):
        iteration = int(spec)
        return iteration, None, f"iteration {iteration}"
    path = str(spec)
    if ctx.kind == "darknet":
        from cfgtools.darknet.weights import read_weights_header

        header = read_weights_header(path, ctx.settings.dialect)
        net = ctx.net
        # darknet divides by the *current* cfg's stored mini-batch times subdivisions
        per_iteration = net.mini_batch * net.subdivisions.value
        iteration = header.seen // per_iteration if per_iteration > 0 else 0
        return iteration, None, f"{path} (seen={header.seen}: iteration {iteration})"
    from cfgtools.caffe.solverstate import read_solverstate

    state = read_solverstate(path)
    return state.iter, state.current_step, f"{path} (iteration {state.iter})"


def _previous_schedule(ctx: "LintContext") -> tuple["Schedule | None", object]:
    """The schedule (and typed model) of --previous, or of this file again."""
    from cfgtools.schedule.build import schedule_from_net, schedule_from_solver
    from cfgtools.sources import read_source

    settings = ctx.settings
    gpus = settings.previous_gpus or settings.gpus
    if not settings.previous:
        model = ctx.net if ctx.kind == "darknet" else ctx.solver
        if ctx.kind == "darknet":
            return (schedule_from_net(ctx.net, gpus=gpus, source=ctx.path) if ctx.net else None), model
        return current_schedule(ctx), model
    source = read_source(settings.previous)
    if ctx.kind == "darknet":
        from cfgtools.darknet.document import read_cfg
        from cfgtools.darknet.net import read_net

        document = read_cfg(source, source.path, ctx.settings.dialect)
        if document.net is None:
            raise InputError("the previous config has no [net] section", source.path)
        net = read_net(document)
        return schedule_from_net(net, gpus=gpus, source=source.path), net
    from cfgtools.caffe.solver import read_solver

    solver = read_solver(source)
    return schedule_from_solver(solver), solver


def _changed_settings(ctx: "LintContext", previous_model: object) -> tuple[str, ...]:
    if previous_model is None:
        return ()
    if ctx.kind == "darknet":
        # only keys darknet reads in either config (sgdr_cycle follows max_batches unread under poly)
        read = {s.key for s in ctx.net.settings() if s.read}
        read |= {s.key for s in previous_model.settings() if s.read}  # type: ignore[attr-defined]
        current = {s.key: s.value for s in ctx.net.settings() if s.key in read}
        before = {s.key: s.value for s in previous_model.settings()}  # type: ignore[attr-defined]
    else:
        current = {name: f.value for name, f in ctx.solver.fields.items()}
        before = {name: f.value for name, f in previous_model.fields.items()}  # type: ignore[attr-defined]
    return tuple(key for key in current if before.get(key) != current[key])


def resume_point(ctx: "LintContext") -> ResumePoint | None:
    """The resume (or restart) the user described with --resume-from, or None.

    Raises :class:`InputError` for an unreadable checkpoint or previous config.
    """

    def build() -> ResumePoint | None:
        from cfgtools.schedule.evaluate import rate_at

        settings = ctx.settings
        if settings.resume_from is None:
            return None
        new = current_schedule(ctx)
        if new is None:
            return None
        iteration, current_step, described = _checkpoint_iteration(ctx, settings.resume_from)
        old, previous_model = _previous_schedule(ctx)
        if old is None:
            return None
        darknet = new.framework == "darknet"
        old_lr = None
        if iteration >= 1:
            old_lr = rate_at(old, iteration if darknet else iteration - 1)
        if settings.clear:
            new_lr = rate_at(new, new.first_update)
        elif darknet:
            new_lr = rate_at(new, iteration + 1)
        else:
            resume = None
            if new.policy.kind == "multistep":
                if current_step is None:
                    current_step = _restored_multistep_index(old, iteration)
                resume = (iteration, current_step)
            new_lr = rate_at(new, iteration, resume=resume)
        return ResumePoint(
            iteration=iteration, current_step=current_step, described=described, old=old, new=new,
            old_lr=old_lr, new_lr=new_lr, changed=_changed_settings(ctx, previous_model),
        )

    return ctx.cached("numeric:resume", build)


def _restored_multistep_index(old: "Schedule", iteration: int) -> int:
    """Caffe's current_step_ saved after ``iteration`` updates under the old solver."""
    if iteration < 1:
        return 0
    if old.policy.kind == "step":  # Caffe recomputes and saves iter / stepsize for step too
        return (iteration - 1) // old.policy.step
    if old.policy.kind != "multistep":
        return 0
    import numpy as np

    from cfgtools.caffe.rate import multistep_index

    return int(multistep_index(old.policy.stepvalues, np.asarray([iteration - 1]))[0])


# ----------------------------------------------------------------------------- one pass for the LR rules

#: rises kept with their numbers (the rest are only counted)
MAX_RISES = 3


@dataclass
class RateProfile:
    """What LR001, LR003 and LR004 need, from two chunked passes over the analysed updates."""

    first: int  #: first analysed update
    last: int  #: last analysed update (the goal, within the horizon)
    after_warm_up: int  #: first update after burn-in
    first_zero: int | None = None  #: first update whose rate is exactly 0
    zero_end: int | None = None  #: last update of that run of zeros
    peak: float = 0.0  #: highest finite rate after burn-in
    low_count: int = 0  #: updates after burn-in below lr_floor_fraction * peak
    first_low: int | None = None
    last_low: int | None = None
    rises: list = None  # type: ignore[assignment]  #: (update, rate before, rate) of the first rises
    rise_count: int = 0

    @property
    def analysed_after_warm_up(self) -> int:
        return max(0, self.last - self.after_warm_up + 1)


def rate_profile(ctx: "LintContext") -> RateProfile | None:
    """The shared profile of the file's schedule (None for random or empty schedules)."""

    def build() -> RateProfile | None:
        import numpy as np

        from cfgtools.schedule.evaluate import iter_chunks

        schedule = current_schedule(ctx)
        if schedule is None or schedule.is_random or schedule.horizon <= 0:
            return None
        first, last = analysed_range(ctx, schedule)
        if last < first:
            return None
        warm = max(first, schedule.burn_in.iterations) if schedule.burn_in is not None else first
        profile = RateProfile(first=first, last=last, after_warm_up=warm, rises=[])
        settings = ctx.settings
        ceiling = schedule.base_lr * schedule.gpus * (1 + 1e-6)
        previous, running_max, in_zero_run = None, -np.inf, False
        for iters, lrs in iter_chunks(schedule, first, last):
            # zeros: the first run of exact zeros
            if profile.zero_end is None:
                zero = lrs == 0
                if in_zero_run or profile.first_zero is None:
                    if not in_zero_run and zero.any():
                        start = int(np.argmax(zero))
                        profile.first_zero, in_zero_run = int(iters[start]), True
                        zero, iters_z = zero[start:], iters[start:]
                    else:
                        iters_z = iters
                    if in_zero_run:
                        ends = np.flatnonzero(~zero)
                        if ends.size:
                            profile.zero_end, in_zero_run = int(iters_z[ends[0]]) - 1, False
            # after burn-in: the peak and the rises
            keep = iters >= warm
            if not keep.any():
                continue
            it, lr = iters[keep], lrs[keep]
            finite = np.where(np.isfinite(lr), lr, -np.inf)
            before = np.concatenate(([np.nan if previous is None else previous], lr[:-1]))
            peak_before = np.maximum.accumulate(np.concatenate(([running_max], finite[:-1])))
            with np.errstate(all="ignore"):
                jump = np.isfinite(before) & np.isfinite(lr) & (lr > before * settings.rise_factor) & (lr > 0)
                # a first climb that has not decayed yet and stays within the base rate is a
                # warm-up written with steps (e.g. steps=-1,100 scales=.1,10): not a spike
                jump &= ~((before >= peak_before) & (lr <= ceiling))
            for index in np.flatnonzero(jump):
                profile.rise_count += 1
                if len(profile.rises) < MAX_RISES:
                    profile.rises.append((int(it[index]), float(before[index]), float(lr[index])))
            previous = float(lr[-1])
            running_max = max(running_max, float(finite.max()))
        if in_zero_run:
            profile.zero_end = last
        profile.peak = max(running_max, 0.0)
        if profile.peak > 0:
            floor = settings.lr_floor_fraction * profile.peak
            for iters, lrs in iter_chunks(schedule, warm, last):
                mask = np.isfinite(lrs) & (lrs < floor)
                count = int(mask.sum())
                if count:
                    hits = iters[mask]
                    profile.low_count += count
                    profile.first_low = int(hits[0]) if profile.first_low is None else profile.first_low
                    profile.last_low = int(hits[-1])
        return profile

    return ctx.cached("numeric:profile", build)
