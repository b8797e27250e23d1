"""The training recipe of a config: optimizer, learning-rate schedule, backward passes per step.

A :class:`Recipe` is built from a typed darknet ``NetConfig`` or a Caffe
``CaffeSolver`` and validated on construction (every number finite, every
count sane). Each value carries its provenance ("file line N", "default",
"--gpus") for the headers of emitted files. Text read from the input
(paths, type strings, snapshot prefixes, keys) is kept as data and only
ever shown in comments, after :func:`cfgtools.convert.text.comment_text`.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cfgtools.caffe import SOLVER_TYPES, fork_name
from cfgtools.caffe.schedule import schedule_from_solver
from cfgtools.caffe.solver import CaffeSolver
from cfgtools.darknet import netkeys
from cfgtools.darknet.net import NetConfig
from cfgtools.darknet.schedule import schedule_from_net
from cfgtools.errors import InputError
from cfgtools.loading import load
from cfgtools.plugin import RunOptions
from cfgtools.schedule.model import Schedule

OptimizerKind = Literal["sgd", "nesterov", "adagrad", "rmsprop", "adadelta", "adam"]

#: Caffe solver type strings (exact, case-sensitive registry keys) -> optimizer kind
CAFFE_TYPES: dict[str, OptimizerKind] = {name: name.lower() for name in SOLVER_TYPES.values()}  # type: ignore[misc]


def _finite(value: float | None, name: str) -> float | None:
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} is not a finite number ({number!r})")
    return number


class OptimizerSpec(BaseModel):
    """The update rule and its numbers (framework names in the comments)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: OptimizerKind
    #: SGD/Nesterov momentum; AdaDelta's rho (Caffe ``momentum``)
    momentum: float = 0.0
    #: coupled weight decay (darknet ``decay``, Caffe ``weight_decay``)
    weight_decay: float = 0.0
    regularization: Literal["L2", "L1"] = "L2"
    #: Adam betas (darknet B1/B2, Caffe momentum/momentum2)
    beta1: float | None = None
    beta2: float | None = None
    #: Adam/AdaGrad/RMSProp/AdaDelta epsilon (darknet eps, Caffe delta)
    eps: float | None = None
    #: RMSProp smoothing (Caffe rms_decay)
    alpha: float | None = None
    #: Caffe clip_gradients (None when off, i.e. negative)
    clip_gradients: float | None = None
    #: the optimizer name as the config wrote it (comment text only)
    written_as: str = ""

    @field_validator("momentum", "weight_decay", "beta1", "beta2", "eps", "alpha", "clip_gradients")
    @classmethod
    def _check_finite(cls, value, info):
        return _finite(value, info.field_name)


class Recipe(BaseModel):
    """Everything needed to train with the config's optimizer and schedule elsewhere."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    framework: Literal["darknet", "caffe"]
    #: the input file name (comment text only)
    source: str = ""
    schedule: Schedule
    optimizer: OptimizerSpec
    #: darknet ``subdivisions`` / Caffe ``iter_size``: backward passes accumulated per optimizer step
    backward_passes: int = Field(ge=1)
    #: darknet: images per update (mini-batch x subdivisions); Caffe: unknown (in the net)
    update_batch: int | None = None
    #: where each value came from: name -> "file line N" | "default" | "--gpus N" | "derived"
    provenance: dict[str, str] = Field(default_factory=dict)
    #: facts the emitted code states in comments (plain text)
    notes: list[str] = Field(default_factory=list)
    #: why the framework itself would not train with this config (conversion refuses unless --approximate)
    problems: list[str] = Field(default_factory=list)
    #: other input text shown for reference (name -> text as written)
    written: dict[str, str] = Field(default_factory=dict)
    #: the value of each config key set in the file, as the framework reads it (for headers)
    values: dict[str, str] = Field(default_factory=dict)

    @field_validator("schedule")
    @classmethod
    def _check_schedule(cls, schedule: Schedule) -> Schedule:
        _finite(schedule.base_lr, "base_lr")
        for name, value in schedule.policy.model_dump().items():
            if isinstance(value, float):
                _finite(value, name)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, float):
                        _finite(item, name)
        if schedule.burn_in is not None:
            _finite(schedule.burn_in.power, "power")
        if schedule.horizon < 0:
            raise ValueError(f"horizon {schedule.horizon} is negative")
        return schedule

    @model_validator(mode="after")
    def _check_framework(self) -> "Recipe":
        if self.schedule.framework != self.framework:
            raise ValueError("schedule and recipe frameworks differ")
        return self

    @property
    def base_lr(self) -> float:
        """The rate the scheduler scales (darknet: learning_rate x gpus as a float32)."""
        s = self.schedule
        return float(np.float32(np.float32(s.base_lr) * np.float32(s.gpus)))

    @property
    def horizon(self) -> int:
        """Number of optimizer steps a run from scratch makes."""
        return max(self.schedule.horizon, 0)


# ---------------------------------------------------------------------------
# darknet


def _setting_origin(setting) -> str:
    if getattr(setting, "source", "default") == "file" and getattr(setting, "line", None):
        return f"file line {int(setting.line)}"
    return "default"


def recipe_from_net(net: NetConfig, gpus: int = 1, source: str = "", other_keys: dict[str, str] | None = None) -> Recipe:
    """The recipe darknet trains ``net`` with (``gpus`` = ``-gpus`` count)."""
    schedule = schedule_from_net(net, gpus=gpus, source=source)
    prov: dict[str, str] = {}
    values: dict[str, str] = {}
    for setting in net.settings():
        prov[setting.key] = _setting_origin(setting)
        if setting.source == "file":
            values[setting.key] = _show(setting.value)
    if gpus != 1:
        prov["gpus"] = f"--gpus {int(gpus)}"
    notes: list[str] = []
    problems = list(net.fatal)
    if net.policy.from_file and not net.policy_known:
        notes.append(f"policy {net.policy.value!r} is unknown to darknet ({net.dialect}): it trains with constant")
    update_batch = net.mini_batch * net.subdivisions.value
    if net.adam.value:
        optimizer = OptimizerSpec(
            kind="adam", weight_decay=net.decay.value, beta1=net.B1.value, beta2=net.B2.value,
            eps=net.eps.value, written_as="adam=1",
        )
    else:
        optimizer = OptimizerSpec(kind="sgd", momentum=net.momentum.value, weight_decay=net.decay.value,
                                  written_as="SGD with momentum")
    subdivisions = net.subdivisions.value
    if subdivisions < 1:
        problems.append(f"subdivisions={subdivisions}: darknet cannot train with it")
        subdivisions = 1
    written = {"policy": net.policy.value}
    if other_keys:
        written.update(other_keys)
    return Recipe(
        framework="darknet", source=source, schedule=schedule, optimizer=optimizer,
        backward_passes=subdivisions, update_batch=update_batch, provenance=prov,
        notes=notes, problems=problems, written=written, values=values,
    )


def _show(value) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(_show(v) for v in value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.9g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value  # shown only through comment_text
    return ""


# ---------------------------------------------------------------------------
# Caffe


def recipe_from_solver(solver: CaffeSolver) -> Recipe:
    """The recipe ``caffe train`` runs ``solver`` with."""
    schedule = schedule_from_solver(solver)
    prov: dict[str, str] = {}
    values: dict[str, str] = {}
    for name, entry in solver.fields.items():
        if entry.explicit:
            span = entry.span or entry.key_span
            prov[name] = f"file line {int(span.line)}" if span is not None else "file"
            shown = _show(entry.value)
            if shown:
                values[name] = shown
        else:
            prov[name] = "default"
    problems: list[str] = []
    notes: list[str] = []
    type_name = solver.solver_type_name
    if solver.both_solver_type_and_type:
        problems.append("both solver_type and type are written: Caffe dies in UpgradeSolverType")
    kind = CAFFE_TYPES.get(type_name)
    if kind is None:
        problems.append(
            "unknown solver type (Caffe aborts with 'Unknown solver type'; known: "
            + ", ".join(CAFFE_TYPES) + "); converting as SGD"
        )
        kind = "sgd"
    momentum = solver.momentum
    decay = solver.weight_decay
    regularization = solver.regularization_type
    if decay != 0 and regularization not in ("L1", "L2"):
        problems.append("regularization_type is neither L1 nor L2: Caffe aborts at the first update")
        regularization = "L2"
    elif regularization not in ("L1", "L2"):
        regularization = "L2"  # never consulted when weight_decay is 0
    if kind in ("adagrad", "rmsprop") and momentum != 0:
        problems.append(f"{type_name} with momentum {momentum!r}: Caffe refuses ('Momentum cannot be used with {type_name}.')")
    if kind == "rmsprop" and not (0 <= solver.rms_decay < 1):
        problems.append(f"rms_decay {solver.rms_decay!r} is outside [0, 1): Caffe refuses")
    if kind == "nesterov" and momentum == 0:
        notes.append("Nesterov with momentum 0 is plain SGD")
        kind = "sgd"
    clip = solver.clip_gradients
    iter_size = solver.iter_size
    if iter_size < 1:
        problems.append(f"iter_size {iter_size}: Caffe runs no forward/backward pass per update")
        iter_size = 1
    optimizer = OptimizerSpec(
        kind=kind,
        momentum=momentum if kind in ("sgd", "nesterov", "adadelta") else 0.0,
        weight_decay=decay,
        regularization=regularization,  # type: ignore[arg-type]
        beta1=momentum if kind == "adam" else None,
        beta2=solver.momentum2 if kind == "adam" else None,
        eps=solver.delta if kind in ("adagrad", "rmsprop", "adadelta", "adam") else None,
        alpha=solver.rms_decay if kind == "rmsprop" else None,
        clip_gradients=clip if clip >= 0 else None,
        written_as=type_name,
    )
    written = {"type": type_name}
    for name in ("net", "train_net", "snapshot_prefix", "lr_policy"):
        try:
            entry = solver.field(name)
        except KeyError:
            continue
        if entry.explicit and isinstance(entry.value, str):
            written[name] = entry.value
    return Recipe(
        framework="caffe", source=solver.path or "", schedule=schedule, optimizer=optimizer,
        backward_passes=iter_size, provenance=prov, notes=notes, problems=problems, written=written,
        values=values,
    )


# ---------------------------------------------------------------------------
# files


def load_recipe(path: str, dialect: str = "alexeyab", gpus: int = 1, caffe_fork: str = "bvlc") -> Recipe:
    """Read a darknet cfg (as the ``dialect`` fork) or Caffe solver (as ``caffe_fork``).

    Raises InputError / ScheduleError with a position.
    """
    loaded = load(path, {"darknet": dialect, "caffe": caffe_fork})
    loaded.schedule(RunOptions(gpus=gpus))  # raises for a file the framework would not train with
    net, solver = loaded.view("net"), loaded.view("solver")
    if net is not None:
        recipe_keys = {s.key for s in net.settings()}
        others: dict[str, str] = {}
        for option in loaded.view("document").net.options:
            key = option.key
            if key in recipe_keys or key in others or key in netkeys.ALL_NET_KEYS:
                continue
            others[f"unknown [net] key {key}"] = option.value or ""
            if len(others) >= 20:
                break
        return recipe_from_net(net, gpus=gpus, source=loaded.path, other_keys=others)
    refused = [(u.span, f"{fork_name(solver.dialect)} refuses the file: SolverParameter has no field {u.name!r}")
               for u in solver.unknown_fields]
    refused += [(d.span, f"Caffe refuses the file: non-repeated field {d.name!r} is given again")
                for d in solver.duplicate_fields]
    if refused:
        span, message = min(refused, key=lambda item: (item[0].line, item[0].column))
        raise InputError(message, loaded.path, span.line, span.column)
    return recipe_from_solver(solver)
