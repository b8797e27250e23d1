"""The framework-neutral training recipe: optimizer, learning-rate schedule, backward passes per step.

A framework package builds a :class:`Recipe` from a loaded config
(:meth:`cfgtools.plugin.Framework.recipe`); the emitters in
``cfgtools.convert`` read only this module's types, so they know no
framework. A recipe is validated on construction (every number finite,
every count sane). Text read from the input (paths, type strings, keys) is
kept as data and only ever shown in comments, after
``cfgtools.convert.text.comment_text``.

Translating a recipe to another framework asks the *target* to express the
source schedule (:class:`Expression`: candidate schedules with its own
arithmetic, compared with the source by the caller) and to write its config
(:class:`WrittenRecipe`).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cfgtools.schedule.model import Schedule
from cfgtools.values import format_float32, to_float32

OptimizerKind = Literal["sgd", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "adamax", "nadam",
                        "radam"]
#: what a parameter group holds, in neutral terms
ParameterKind = Literal["biases", "weights_with_decay", "norm_weights"]

#: longest steps list a translation writes when it unrolls a periodic step policy
MAX_UNROLLED_STEPS = 100_000


def _finite(value: float | None, name: str) -> float | None:
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} is not a finite number ({number!r})")
    return number


class OptimizerSpec(BaseModel):
    """The update rule and its numbers, in the terms of ``torch.optim`` (the framework's names in :attr:`labels`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)  # built on first use: start-up

    kind: OptimizerKind
    #: SGD/Nesterov momentum; AdaDelta's rho
    momentum: float = 0.0
    #: where the lr enters a momentum update: "outside" the buffer (torch.optim.SGD:
    #: buf = m*buf + g; w -= lr*buf) or "inside" the history (h = m*h + lr*g; w -= h).
    #: The two agree while the lr is constant and differ after every change.
    momentum_rule: Literal["outside", "inside"] = "outside"
    #: coupled weight decay (added to the gradient before the update)
    weight_decay: float = 0.0
    regularization: Literal["L2", "L1"] = "L2"
    #: Adam betas
    beta1: float | None = None
    beta2: float | None = None
    #: Adam/AdaGrad/RMSProp/AdaDelta epsilon
    eps: float | None = None
    #: the framework keeps Adam's moments on the update summed over the update batch:
    #: torch's eps (on the mean) is eps / update_batch
    eps_per_update_batch: bool = False
    #: RMSProp smoothing
    alpha: float | None = None
    #: global L2-norm threshold on the gradient summed over the backward passes, before weight decay
    clip_gradients: float | None = None
    #: the optimizer name as the config wrote it (comment text only)
    written_as: str = ""
    #: torch argument (momentum, rho, beta1, beta2, eps, alpha) -> (constant name, what the framework
    #: calls it) for the emitted code; unlisted ones use the argument's own name
    labels: dict[str, tuple[str, str]] = Field(default_factory=dict, exclude=True)
    #: the framework's update rule compared with torch's, as plain text lines (comment text)
    explanation: tuple[str, ...] = Field(default=(), exclude=True)

    @field_validator("momentum", "weight_decay", "beta1", "beta2", "eps", "alpha", "clip_gradients")
    @classmethod
    def _check_finite(cls, value, info):
        return _finite(value, info.field_name)

    @field_validator("labels")
    @classmethod
    def _check_labels(cls, labels: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
        for constant, _ in labels.values():
            if not (constant.isidentifier() and constant.isupper()):
                raise ValueError(f"not a constant name: {constant!r}")
        return labels


class ParameterGroup(BaseModel):
    """One parameter group of the optimizer: which parameters, their weight decay, their warm-up start.

    The lr and momentum of the group at each iteration come from the schedule's
    per-iteration hook (``Arithmetic.hook_source``); the warm-up starts here
    are what that hook starts from, for the emitted comments and checks.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    #: the framework's name of the group (``pg0``); an identifier
    name: str
    holds: ParameterKind
    #: the group's own weight decay (coupled L2 for SGD/Adam/RMSprop, decoupled for AdamW)
    weight_decay: float
    #: the lr the per-iteration warm-up starts from (None: no warm-up)
    warmup_start_lr: float | None = None
    #: the momentum the warm-up starts from (None: no warm-up, or a group without momentum)
    warmup_start_momentum: float | None = None

    @field_validator("weight_decay", "warmup_start_lr", "warmup_start_momentum")
    @classmethod
    def _check_finite(cls, value, info):
        return _finite(value, info.field_name)

    @field_validator("name")
    @classmethod
    def _check_name(cls, name: str) -> str:
        if not name.isidentifier() or not name.isascii():
            raise ValueError(f"not a group name: {name!r}")
        return name


class ParameterGrouping(BaseModel):
    """How the parameters of a ``torch.nn.Module`` are sorted into the groups' :attr:`ParameterGroup.holds`.

    ``attributes``: each module's ``.bias`` and ``.weight`` when they are
    Parameters (other parameters belong to no group), a ``BatchNorm2d`` weight
    is a norm weight. ``names``: every parameter by its own name (``bias``; a
    ``weight`` of a normalisation layer, i.e. a ``torch.nn`` class whose name
    contains "Norm"; anything else is a weight with decay). ``full_names``: by
    the module path and name (any name containing "bias" is a bias; every other
    parameter of a normalisation layer, and with ``logit_scale_without_decay``
    any name containing "logit_scale", is a norm weight).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    rule: Literal["attributes", "names", "full_names"]
    logit_scale_without_decay: bool = False


def scaled_base_lr(schedule: Schedule) -> float:
    """The rate a schedule's policy scales: the base rate times the GPU multiplier, as a float32."""
    return to_float32(to_float32(schedule.base_lr) * to_float32(schedule.gpus))


def float32_text(value: float) -> str:
    """The shortest text a framework reads back as the same C float (whole numbers written out: 10, not 1e+01)."""
    stored = to_float32(value)
    if not math.isfinite(stored):
        raise ValueError(f"not a finite number: {value!r}")
    text = format_float32(stored)
    return str(int(stored)) if "e+" in text and stored.is_integer() else text


def header_value(value: object) -> str:
    """A setting's value as an emitted header shows it: lists comma-separated, floats to 9 digits,
    "" for anything else (messages, nested blocks)."""
    if isinstance(value, (list, tuple)):
        return ",".join(header_value(item) for item in value)
    if isinstance(value, float):
        return f"{value:.9g}"
    if isinstance(value, (bool, int, str)):
        return str(value)
    return ""


def offset_text(number: int) -> str:
    """``number`` as a term added to an index: "", " + 1", " - 1"."""
    return "" if number == 0 else f" + {number}" if number > 0 else f" - {-number}"


def shifted_exp_base(base_lr: float, gamma: float, shift: int) -> tuple[float, str] | None:
    """The base rate b' with ``b' * gamma**i == base_lr * gamma**(i + shift)``, and how it was made
    ("x gamma", "/ gamma^2"); None when gamma cannot be divided by."""
    power = f"^{abs(shift)}" if abs(shift) > 1 else ""
    if shift >= 0:
        return base_lr * gamma**shift, f"x gamma{power}"
    return (base_lr / gamma**-shift, f"/ gamma{power}") if gamma > 0 else None


def sigmoid_direction(schedule: Schedule) -> int:
    """+1 when a sigmoid schedule rises through its centre, -1 when it decays, 0 when it is flat.

    Read from the schedule's own arithmetic, because frameworks write gamma with
    opposite signs (see :class:`~cfgtools.schedule.model.Sigmoid`).
    """
    centre = schedule.policy.step
    at_centre, after = (float(rate) for rate in schedule.arithmetic.rates(schedule, [centre, centre + 1]))
    return (after > at_centre) - (after < at_centre)


class HeaderKey(NamedTuple):
    """One config setting shown at the top of an emitted file: where the value came from."""

    key: str
    #: the value as the framework reads it (comment text only)
    value: str
    #: "file line N" | "default" | "--gpus N" | "derived"
    origin: str
    #: the recipe quantity it sets, if any: "base_lr", "horizon" or "backward_passes"
    sets: Literal["", "base_lr", "horizon", "backward_passes"] = ""


class Recipe(BaseModel):
    """Everything needed to train with the config's optimizer and schedule elsewhere."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)  # built on first use: start-up

    #: the framework's registry name (``darknet``, ``caffe``)
    framework: str
    #: how the framework and its dialect are shown ("darknet", "alexeyab fork"; "Caffe", "BVLC")
    title: str
    variant: str = ""
    #: the input file name (comment text only)
    source: str = ""
    schedule: Schedule
    optimizer: OptimizerSpec
    #: backward passes accumulated per optimizer step (darknet subdivisions, Caffe iter_size)
    backward_passes: int = Field(ge=1)
    #: images per update when the config says (darknet: mini-batch x subdivisions)
    update_batch: int | None = None
    #: the settings that shape the recipe, in the order an emitted header lists them
    header: tuple[HeaderKey, ...] = ()
    #: where each setting came from: name -> "file line N" | "default" | "--gpus N"
    provenance: dict[str, str] = Field(default_factory=dict)
    #: facts the emitted code states in comments (plain text)
    notes: list[str] = Field(default_factory=list)
    #: why the framework itself would not train with this config (conversion refuses unless --approximate)
    problems: list[str] = Field(default_factory=list)
    #: input text the recipe does not use, shown for reference (label -> text as written)
    reference_text: dict[str, str] = Field(default_factory=dict)
    #: the optimizer's parameter groups in order; empty: one group of every parameter, with the optimizer's
    #: weight decay and the schedule's one lr per update. With groups, the schedule's per-iteration hook
    #: (``Arithmetic.hook_source``) sets every group's lr and momentum and says when the optimizer steps.
    parameter_groups: tuple[ParameterGroup, ...] = ()
    #: how a model's parameters are sorted into the groups (with parameter_groups only)
    grouping: ParameterGrouping | None = None
    #: what a config with one lr schedule of updates for every parameter cannot say about this recipe (one
    #: sentence each): a translation to such a framework refuses with them
    beyond_one_group: tuple[str, ...] = ()

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
    def _check_consistency(self) -> "Recipe":
        if self.schedule.framework != self.framework:
            raise ValueError("schedule and recipe frameworks differ")
        if self.optimizer.eps_per_update_batch and not self.update_batch:
            raise ValueError("eps is per update batch but the update batch is unknown")
        if bool(self.parameter_groups) != (self.grouping is not None):
            raise ValueError("parameter groups and their grouping rule go together")
        if self.parameter_groups and {group.holds for group in self.parameter_groups} != set(ParameterKind.__args__):
            raise ValueError("the parameter groups must hold biases, weights with decay and norm weights")
        return self

    @property
    def base_lr(self) -> float:
        """The rate the scheduler scales: the base rate times the GPU multiplier, as a float32."""
        return scaled_base_lr(self.schedule)

    @property
    def horizon(self) -> int:
        """Number of optimizer steps a run from scratch makes."""
        return max(self.schedule.horizon, 0)


class Candidate(NamedTuple):
    """A schedule a target framework can write, with its own arithmetic."""

    schedule: Schedule
    #: how it was derived from the source (comment text)
    label: str


class Expression(NamedTuple):
    """How a target framework can express a schedule: its candidates, most faithful first."""

    candidates: tuple[Candidate, ...] = ()
    #: why no candidate may be exact (one sentence each), for when none is
    notes: tuple[str, ...] = ()


class Offers:
    """A target framework's candidates for one source schedule, collected in order: the ones meant to be exact
    first. ``build(base_lr, policy)`` makes a schedule with the target's arithmetic."""

    def __init__(self, build: Callable[[float, Any], Schedule]):
        self.build = build
        self.exact: list[Candidate] = []
        self.approximate: list[Candidate] = []
        self.notes: list[str] = []

    def offer(self, policy: Any, base_lr: float, label: str, exact: bool = True) -> None:
        """Offer ``policy`` from ``base_lr`` (stored as a float32; not offered if no float32 holds it)."""
        rate = to_float32(base_lr)
        if math.isfinite(rate):
            (self.exact if exact else self.approximate).append(Candidate(self.build(rate, policy), label))

    def expression(self) -> Expression:
        return Expression((*self.exact, *self.approximate), tuple(self.notes))


class WrittenRecipe(NamedTuple):
    """A recipe written as a target framework's config text."""

    #: the config text (without the common header the caller adds)
    text: str
    #: what of the recipe the config cannot say (each makes the translation inexact)
    problems: tuple[str, ...] = ()
