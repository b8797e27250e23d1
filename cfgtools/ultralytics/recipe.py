"""The neutral :class:`~cfgtools.recipe.Recipe` of a YOLOv5/ultralytics run: three parameter groups, a hook per iteration.

The optimizer and its groups are what each version builds (all read at the tags):

- YOLOv5 v5.0 (train.py:109-130) and v6.1 (train.py:150-173): per module, a
  ``.bias`` Parameter is a bias, a ``BatchNorm2d``'s weight a norm weight, any
  other ``.weight`` Parameter a weight with decay; the optimizer is built on the
  norm weights (``SGD(nesterov=True)``, ``Adam``/``AdamW`` with betas
  ``(momentum, 0.999)``), then ``add_param_group`` the weights with
  ``weight_decay`` and the biases with the constructor's default: so under
  v6.1's AdamW the norm weights and biases decay by torch's AdamW default 0.01.
- YOLOv5 v6.2-v7.0 ``smart_optimizer`` (utils/torch_utils.py:318-346 at v7.0):
  per parameter name, ``bias`` / ``weight`` of a ``torch.nn`` class named
  "*Norm*" / anything else; groups biases, weights (decay), norm weights (0).
- ultralytics ``build_optimizer`` (engine/trainer.py): by full name, "bias"
  anywhere / any parameter of a "*Norm*" layer, or one named "logit_scale"
  (YOLO-World's heads; present in the 8.3.x and current trainers read, taken
  as absent from 8.0/8.1, not checked there) / anything else; Adam-like
  optimizers with ``weight_decay=0.0`` on the biases, ``RMSprop`` with the
  momentum, ``SGD`` with ``nesterov=True``. 8.4 passes the groups as weights,
  norm weights, biases.

The weight decay of the weights group is scaled, ``weight_decay * batch *
accumulate / nbs`` (YOLOv5 v7.0 train.py:155, v5.0 train.py:112 with the
total batch; ultralytics engine/trainer.py ``_setup_train``), ``accumulate``
being the one after the warm-up (8.4: the one capped at ``nb * epochs``).
"""

from __future__ import annotations

import math
from cfgtools.recipe import HeaderKey, OptimizerSpec, ParameterGroup, ParameterGrouping, Recipe
from cfgtools.schedule.model import Schedule
from cfgtools.ultralytics.rate import run_of
from cfgtools.ultralytics.schedule import ScheduleError

#: the neutral name of what each role holds
_HOLDS = {"bias": "biases", "weight": "weights_with_decay", "bn": "norm_weights"}
#: torch.optim kind of each upstream optimizer name
_KINDS = {"SGD": "nesterov", "Adam": "adam", "AdamW": "adamw", "Adamax": "adamax", "NAdam": "nadam",
          "RAdam": "radam", "RMSProp": "rmsprop", "RMSprop": "rmsprop"}
#: torch.optim.AdamW's default weight decay, which a group added without one inherits
_ADAMW_DEFAULT_DECAY = 0.01
#: the settings an emitted header lists, in order
HEADER_KEYS = ("lr0", "lrf", "momentum", "weight_decay", "warmup_epochs", "warmup_momentum", "warmup_bias_lr",
               "epochs", "batch", "nbs", "cos_lr", "optimizer")


def _grouping(version: str) -> ParameterGrouping:
    if version in ("yolov5-5.0", "yolov5-6.1"):
        return ParameterGrouping(rule="attributes")
    if version == "yolov5-7.0":
        return ParameterGrouping(rule="names")
    # "logit_scale" (YOLO-World's heads) joined the norm weights after 8.1.0
    return ParameterGrouping(rule="full_names", logit_scale_without_decay=version in ("ultralytics-8.3",
                                                                                      "ultralytics-latest"))


def _unscaled_decay(version: str, optimizer: str) -> float:
    """The weight decay of a group without the scaled one: 0, or AdamW's default where v5.0/v6.1 set none."""
    if version in ("yolov5-5.0", "yolov5-6.1") and optimizer == "AdamW":
        return _ADAMW_DEFAULT_DECAY
    return 0.0


def build_recipe(schedule: Schedule, weight_decay: float, header: tuple[HeaderKey, ...], notes: list[str],
                 source: str) -> Recipe:
    """The recipe of the fresh run ``schedule`` stands for; :class:`ScheduleError` when torch cannot build its
    optimizer (MuSGD)."""
    run = run_of(schedule)
    rules, config, choice = run.rules, run.config, run.optimizer
    if choice.name not in _KINDS:
        raise ScheduleError(f"{rules.name} trains this run with {choice.name}, which is not a torch.optim optimizer")
    if not math.isfinite(weight_decay) or weight_decay < 0:
        raise ScheduleError(f"weight_decay {weight_decay!r} is not a usable weight decay", "weight_decay")
    scaled_decay = weight_decay * config.batch * run.accumulate / config.nbs
    groups = []
    for index, group in enumerate(run.groups):
        decay = scaled_decay if group.role == "weight" else _unscaled_decay(rules.name, choice.name)
        start = run.warmup_start_lr[index] if run.warmup_on else None
        momentum = config.warmup_momentum if run.warmup_on and group.has_momentum else None
        groups.append(ParameterGroup(name=f"pg{index}", holds=_HOLDS[group.role], weight_decay=decay,
                                     warmup_start_lr=start, warmup_start_momentum=momentum))
    kind = _KINDS[choice.name]
    adam_like = not run.groups[0].has_momentum
    optimizer = OptimizerSpec(kind=kind, momentum=choice.momentum, weight_decay=scaled_decay,
                              beta1=choice.momentum if adam_like else None, beta2=0.999 if adam_like else None,
                              written_as=choice.name)
    notes = [*notes, f"weight decay of the weights group: weight_decay x batch x accumulate / nbs = {weight_decay:g}"
             f" x {config.batch} x {run.accumulate} / {config.nbs} = {scaled_decay:.9g}"]
    if _unscaled_decay(rules.name, choice.name):
        notes.append(f"{rules.name} adds the BatchNorm weights and biases without a weight decay: they take "
                     f"AdamW's default {_ADAMW_DEFAULT_DECAY:g}")
    title = "YOLOv5" if rules.family == "yolov5" else "ultralytics"
    return Recipe(
        framework="ultralytics", title=title, variant=rules.name, source=source, schedule=schedule,
        optimizer=optimizer, backward_passes=run.accumulate, update_batch=config.batch * run.accumulate,
        header=header, notes=notes, parameter_groups=tuple(groups), grouping=_grouping(rules.name),
        beyond_one_group=_beyond_one_group(schedule),
    )


def _beyond_one_group(schedule: Schedule) -> tuple[str, ...]:
    """What a config with one lr schedule of updates for every parameter cannot say about this run."""
    run = run_of(schedule)
    config = run.config
    names = ", ".join(f"pg{index} {_HOLDS[group.role].replace('_', ' ')}" for index, group in enumerate(run.groups))
    gaps = []
    if run.warmup_on:
        if len(set(run.warmup_start_lr)) > 1:
            bias = next(index for index, group in enumerate(run.groups) if group.role == "bias")
            gaps.append(f"its parameter groups ({names}) have different lrs during the warm-up: pg{bias} starts at "
                        f"warmup_bias_lr {run.warmup_start_lr[bias]:g}, the others at 0, all reaching lr0 x lf(epoch) "
                        f"at iteration {run.nw}")
        if any(group.has_momentum for group in run.groups) and config.warmup_momentum != config.momentum:
            gaps.append(f"the momentum warms up per iteration from warmup_momentum {config.warmup_momentum:g} to "
                        f"{config.momentum:g} over {run.nw} iterations")
        stretches = run.step_stretches[1]
        if len(set(int(a) for a in stretches)) > 1:
            gaps.append(f"the optimizer steps every accumulate iterations, and accumulate ramps from "
                        f"{int(stretches[0])} to {run.accumulate} during the warm-up")
    gaps.append("the weight decay is per group: the weights decay, the biases and BatchNorm weights do not "
                "(YOLOv5/ultralytics scale it by batch x accumulate / nbs)")
    gaps.append("its lr is lr0 x lf(epoch), set once per epoch from batches per epoch and the epoch count; "
                "cfgtools translates no per-epoch factor into another framework's updates")
    return tuple(gaps)

