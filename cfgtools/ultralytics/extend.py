"""Extending a run: the ``lr0``/``lrf`` edits that make a resume with more epochs continue smoothly.

Resuming with a larger epoch count rebuilds ``lf`` with the new ``E2``: after
the resume the lr jumps back up (300 -> 600 epochs, linear, lrf 0.01: from
about 0.017 lr0 to about 0.5 lr0). After the warm-up every group trains at
``lr0 * lf(x)`` and both factors are of the form ``lf(x) = 1 - g(x) (1 - lrf)``
(linear: ``g = x / E2``, v5.0 ``x / (E2 - 1)``; cosine:
``g = (1 - cos(pi x / E2)) / 2``). With ``u = lr0`` and ``v = lr0 (1 - lrf)`` the
lr is ``u - g(x) v``: linear in the unknowns, so two conditions fix them:

- continuity: the first epoch the new scheduler sets trains at ``L0``, the lr
  of the epoch before it. Where the scheduler steps at the end of an epoch
  (YOLOv5, ultralytics 8.0/8.1) the resumed epoch ``s`` still trains at the
  lr restored from the checkpoint and epoch ``s + 1`` is the first at
  ``lf(s)``: ``L0`` is the restored lr. Where it steps at the start (8.2+) epoch
  ``s`` trains at ``lf(s)`` and ``L0`` is the lr of epoch ``s - 1``;
- target: the last epoch (``lf(E2 - 2)`` or ``lf(E2 - 1)``) trains at ``target``,
  by default ``lr0 * lrf`` of the original run.

``g`` rises with ``x``, so every epoch-to-epoch ratio after the resume is at most
1 when ``target <= L0``. With ``optimizer=auto`` ultralytics 8.0-8.3 ignore
``lr0``: the plan then also names the optimizer auto chose.

:func:`neutral_plan` gives the plan as the neutral
:class:`~cfgtools.schedule.extend.Plan` ``cfgtools extend`` prints and writes:
its schedule is the edited run's (``cfgtools.ultralytics.rate``, iterations
``ni``), evaluated with ``resume=(start_epoch * nb, Resume(...))``.

Where a resume reads its settings from: YOLOv5 ``--resume`` replaces every
option with the run's ``opt.yaml`` (the one two folders above ``last.pt``; v7.0
train.py ``main``: ``opt_yaml = last.parent.parent / 'opt.yaml'``, the
checkpoint's ``opt`` only when that file is missing) and, up to v6.1, opens the
hyp file it names; ultralytics 8.x ``resume=True`` rebuilds the arguments from
``last.pt``'s ``train_args`` (8.3.0 engine/trainer.py ``check_resume``), so an
edited args.yaml changes nothing there.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from cfgtools.schedule.evaluate import rate_at
from cfgtools.schedule.extend import TOLERANCE, Change, Plan
from cfgtools.ultralytics.rate import schedule_for_run
from cfgtools.ultralytics.schedule import (
    Resume,
    ScheduleError,
    TrainingConfig,
    YoloSchedule,
    choose_optimizer,
    epoch_factor,
)
from cfgtools.ultralytics.versions import VersionRules


class ExtensionPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str
    start_epoch: int
    epochs: int
    #: False when no edit of lr0/lrf can do it (``reason`` says why); the numbers are then those of the bare resume
    feasible: bool
    reason: str | None = None
    #: the settings to write: epochs, lr0, lrf (and optimizer when it was auto)
    edits: dict[str, object]
    #: lr of the weights group: the last epoch before the resume, the first resumed epoch, the new last epoch
    lr_before: float
    lr_resumed: float
    lr_end: float
    target: float
    #: the largest lr after the resume over lr_before when only the epoch count is edited
    jump_without_edit: float
    #: the largest epoch-to-epoch ratio after the resume with the edits
    largest_ratio: float


def _weights_group(schedule: YoloSchedule) -> int:
    for index, group in enumerate(schedule.groups):
        if group.role == "weight" and group.scale == 1:
            return index
    return 0


def _epoch_lrs(schedule: YoloSchedule):
    rows = schedule.epoch_rows()
    return rows.epoch, rows.lr[_weights_group(schedule)]


def plan_extension(
    previous: TrainingConfig,
    rules: VersionRules,
    batches_per_epoch: int,
    start_epoch: int,
    new_epochs: int,
    target: float | None = None,
    restored_lr: tuple[float, ...] | None = None,
) -> ExtensionPlan:
    """The edits for resuming ``previous`` (a run of ``previous.epochs``) at ``start_epoch`` with ``new_epochs``.

    ``restored_lr`` is the checkpoint's ``param_groups`` lr (optimizer order),
    computed from ``previous`` when not given. Raises :class:`ScheduleError`
    when the resume itself is impossible (a finished run, a version that refuses).
    """
    nb = batches_per_epoch
    if not 1 <= start_epoch <= previous.epochs:
        raise ScheduleError(f"the run has epochs 0..{previous.epochs - 1}: no checkpoint to resume at {start_epoch}")
    old_epochs, old_lrs = _epoch_lrs(YoloSchedule(previous, rules, nb))
    lr_before = float(old_lrs[start_epoch - 1])
    resume = Resume(start_epoch=start_epoch, previous=previous, lr=restored_lr)
    bare = YoloSchedule(previous.model_copy(update={"epochs": new_epochs}), rules, nb, resume)
    _, bare_lrs = _epoch_lrs(bare)
    jump = float(bare_lrs.max() / lr_before)
    if target is None:
        target = choose_optimizer(previous, rules).lr * previous.lrf

    steps_at_end = rules.scheduler_steps_at == "end"
    first_x = start_epoch
    last_x = new_epochs - 2 if steps_at_end else new_epochs - 1
    level = float(bare_lrs[0]) if steps_at_end else lr_before
    edits: dict[str, object] = {"epochs": new_epochs}

    def infeasible(reason: str) -> ExtensionPlan:
        return ExtensionPlan(
            version=rules.name, start_epoch=start_epoch, epochs=new_epochs, feasible=False, reason=reason,
            edits=edits, lr_before=lr_before, lr_resumed=float(bare_lrs[0]), lr_end=float(bare_lrs[-1]),
            target=target, jump_without_edit=jump, largest_ratio=_largest_ratio(lr_before, bare_lrs),
        )

    if bare.warmup_in_run:
        return infeasible("the resume falls inside the warm-up, which sets the lr itself")
    if last_x <= first_x:
        return infeasible(f"{new_epochs} epochs leave no epoch after the resume at {start_epoch} to decay over")
    if target > level:
        return infeasible(f"the target {target:.6g} is above the lr at the resume ({level:.6g}): the lr would rise")
    # g(x) = 1 - lf(x) with lrf = 0, the version's own factor
    g_first = 1 - epoch_factor(rules, previous.cos_lr, 0.0, new_epochs, first_x)
    g_last = 1 - epoch_factor(rules, previous.cos_lr, 0.0, new_epochs, last_x)
    slope = (level - target) / (g_last - g_first)  # v = lr0 * (1 - lrf)
    lr0 = level + g_first * slope  # u
    lrf = 1 - slope / lr0
    if not 0.0 <= lrf <= 1.0 or not 0.0 < lr0 <= 1.0:
        return infeasible(f"it needs lr0={lr0:.6g}, lrf={lrf:.6g}, outside 0..1")
    edits.update(lr0=lr0, lrf=lrf)
    update = {"epochs": new_epochs, "lr0": lr0, "lrf": lrf}
    if previous.optimizer == "auto":
        update["optimizer"] = edits["optimizer"] = choose_optimizer(previous, rules).name
    edited = YoloSchedule(previous.model_copy(update=update), rules, nb, resume)
    _, lrs = _epoch_lrs(edited)
    return ExtensionPlan(
        version=rules.name, start_epoch=start_epoch, epochs=new_epochs, feasible=True, edits=edits,
        lr_before=lr_before, lr_resumed=float(lrs[0]), lr_end=float(lrs[-1]), target=target,
        jump_without_edit=jump, largest_ratio=_largest_ratio(lr_before, lrs),
    )


def _largest_ratio(lr_before: float, lrs) -> float:
    """The largest ratio of an epoch's lr to the previous epoch's, from the resume on."""
    previous = [lr_before, *[float(v) for v in lrs[:-1]]]
    return max(float(current) / before for current, before in zip(lrs, previous))


#: the neutral parameter each planned setting stands for (``Change.name``)
_NEUTRAL_NAMES = {"epochs": "horizon", "lr0": "base_lr", "lrf": "lrf", "optimizer": "optimizer"}


def neutral_plan(plan: ExtensionPlan, previous: TrainingConfig, rules: VersionRules, batches_per_epoch: int,
                 restored_lr: tuple[float, ...] | None = None, source: str = "") -> Plan:
    """A feasible ``plan`` for resuming ``previous`` as a neutral Plan (iterations ``ni``, the weights' lr).

    ``first_update`` is the first iteration of the first epoch the new factor
    sets (``start + 1`` where the scheduler steps at the end of an epoch: the
    resumed epoch still trains at the restored lr, which is then the
    ``reference_lr``; ``start`` where it steps at the start: the reference is
    the lr of epoch ``start - 1``); ``end_iteration`` is the new run's last
    iteration. Every rate is evaluated with the neutral arithmetic, as
    ``cfgtools extend`` and ``cfgtools schedule`` print them.
    """
    if not plan.feasible:
        raise ValueError(f"nothing to plan: {plan.reason}")
    nb, start = batches_per_epoch, plan.start_epoch
    edited = previous.model_copy(update=plan.edits)
    schedule = schedule_for_run(edited, rules, nb, source)
    resume = (start * nb, Resume(start_epoch=start, previous=previous, lr=restored_lr))
    steps_at_end = rules.scheduler_steps_at == "end"
    first_epoch = start + 1 if steps_at_end else start
    first_update = first_epoch * nb
    reference = plan.lr_resumed if steps_at_end else plan.lr_before
    after = rate_at(schedule, first_update, resume)
    end_lr = rate_at(schedule, schedule.last_update, resume)
    changes = tuple(Change(_NEUTRAL_NAMES.get(key, key), key, getattr(previous, key), value)
                    for key, value in plan.edits.items())
    notes = []
    if steps_at_end:
        notes.append(f"epoch {start} trains at the lr the checkpoint restores ({rules.name} steps its scheduler at "
                     f"the end of an epoch): epoch {first_epoch} is the first the new factor sets")
    if "optimizer" in plan.edits:
        notes.append(f"optimizer=auto ignores lr0: the plan names the optimizer auto chose, "
                     f"{plan.edits['optimizer']}, so that lr0 is used")
    written = ", ".join(f"{key}={value!r}" for key, value in plan.edits.items())
    if rules.family == "ultralytics":
        notes.append(f"ultralytics resumes with the train_args stored in last.pt, not args.yaml: resume=True "
                     f"needs {written} in last.pt's train_args too")
    else:
        notes.append("YOLOv5 --resume reads the run's opt.yaml, two folders above last.pt (last.pt's opt only "
                     "when it is missing): the plan must be written to that file")
    return Plan(
        schedule=schedule, strategy="new lr0 and lrf for the new epoch count", changes=changes,
        resume_iteration=start * nb, first_update=first_update, resume=resume, before_lr=plan.lr_before,
        reference_lr=reference, after_lr=after, end_iteration=schedule.last_update, end_lr=end_lr, last_lr=end_lr,
        target_lr=plan.target,
        exact=_close(after, reference) and _close(end_lr, plan.target),
        notes=tuple(notes),
    )


def _close(value: float, wanted: float) -> bool:
    """Within the planner's relative TOLERANCE (exactly, for 0)."""
    return value == wanted if wanted == 0 else abs(value / wanted - 1) <= TOLERANCE
