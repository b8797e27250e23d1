"""What the schedule-aware rules (LR*, RS*) share: the training goal, the resume point, the rate profile.

The profile itself is ``cfgtools.schedule.analysis``'s (by pieces: its cost does
not grow with max_batches/max_iter).

Each is computed once per file (``LintContext`` keeps them) from the loaded
config and the schedule engine; the rules only decide what to say.

Conventions (see ``cfgtools.schedule.model``): darknet's update k uses
``rate(k)``, k = 1..max_batches; Caffe's update i uses ``lr(i)``,
i = 0..max_iter-1. A checkpoint taken after ``s`` updates stores ``s``: the
last update before it used the rate at ``first_update + s - 1`` and the first
update after resuming uses the rate at ``first_update + s`` (darknet:
``rate(s)`` then ``rate(s+1)``; Caffe: ``lr(s-1)`` then ``lr(s)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cfgtools.lint.settings import LintSettings
from cfgtools.loading import load
from cfgtools.plugin import LoadedConfig, RunOptions
from cfgtools.schedule.analysis import RateProfile, profile
from cfgtools.schedule.evaluate import rate_at
from cfgtools.schedule.model import Schedule


def format_lr(value: float) -> str:
    """A rate as people write it in configs (6 significant digits, like Caffe's log)."""
    if math.isnan(value) or math.isinf(value):
        return str(value)
    return f"{value:.6g}"


@dataclass(frozen=True)
class Goal:
    updates: int  #: how many updates the user wants to train for
    how: str  #: where that number came from, for messages

    def last_update(self, schedule: Schedule) -> int:
        """The iteration index of the goal's last update (darknet k, Caffe i)."""
        return schedule.first_update + self.updates - 1


def training_goal(loaded: LoadedConfig, settings: LintSettings, schedule: Schedule) -> Goal:
    """How many updates the user means to train: --goal, --epochs with --images, or the horizon."""
    if settings.goal is not None:
        return Goal(settings.goal, f"--goal {settings.goal}")
    if settings.epochs is not None and settings.images is not None:
        per_update = loaded.framework.images_per_update(loaded, settings.run_options)
        if per_update is not None:
            updates = math.ceil(settings.epochs * settings.images / per_update)
            return Goal(
                updates,
                f"{settings.epochs:g} epochs of {settings.images} images at {per_update} images per update",
            )
    return Goal(schedule.horizon, loaded.setting_name("horizon"))


def analysed_range(goal: Goal, schedule: Schedule) -> tuple[int, int]:
    """The updates the rate rules look at: from the first update to the goal (within the horizon)."""
    return schedule.first_update, min(goal.last_update(schedule), schedule.last_update)


# ----------------------------------------------------------------------------- resuming


@dataclass(frozen=True)
class ResumePoint:
    iteration: int  #: completed updates stored in the checkpoint
    state: object  #: what the framework restored besides the iteration (Caffe's multistep index)
    described: str  #: e.g. "iteration 300019" or "backup/yolo_last.weights (iteration 300019)"
    old: Schedule  #: the schedule the checkpoint was trained with (--previous, --previous-gpus)
    new: Schedule  #: the schedule of the file being linted
    old_lr: float | None  #: rate of the last update before the checkpoint (None at iteration 0)
    new_lr: float  #: rate of the first update after resuming (or after restarting with --clear)
    changed: tuple[str, ...]  #: settings whose values differ between the two configs


def resume_point(loaded: LoadedConfig, settings: LintSettings, new: Schedule) -> ResumePoint | None:
    """The resume (or restart) the user described with --resume-from, or None.

    Raises :class:`InputError` for an unreadable checkpoint or previous config.
    """
    spec = settings.resume_from
    if spec is None:
        return None
    if isinstance(spec, int):
        iteration, state, described = spec, None, f"iteration {spec}"
    else:
        checkpoint = loaded.checkpoint(str(spec))
        iteration, state, described = checkpoint.iteration, checkpoint.state, checkpoint.described
    previous = loaded
    if settings.previous:
        previous = load(settings.previous, {loaded.kind: loaded.dialect}, loaded.framework)
    old = previous.schedule(RunOptions(gpus=settings.previous_gpus or settings.gpus))
    if state is None:  # a bare iteration: what a checkpoint of the old run would have restored
        state = old.arithmetic.state_after(old, iteration)
    first = new.first_update
    old_lr = rate_at(old, first + iteration - 1) if iteration >= 1 else None
    if settings.clear:
        new_lr = rate_at(new, first)
    else:
        new_lr = rate_at(new, first + iteration, resume=(iteration, state))
    changed = loaded.framework.changed_settings(previous, loaded) if previous is not loaded else ()
    return ResumePoint(iteration=iteration, state=state, described=described, old=old, new=new,
                       old_lr=old_lr, new_lr=new_lr, changed=changed)


# ----------------------------------------------------------------------------- the LR rules' profile


def rate_profile(schedule: Schedule, goal: Goal, settings: LintSettings) -> RateProfile | None:
    """The profile of the schedule up to the goal (None for random or empty schedules), by pieces where it can."""
    if schedule.is_random or schedule.horizon <= 0:
        return None
    first, last = analysed_range(goal, schedule)
    if last < first:
        return None
    warm = max(first, schedule.burn_in.iterations) if schedule.burn_in is not None else first
    return profile(schedule, first, last, warm, settings.lr_floor_fraction, settings.rise_factor)
