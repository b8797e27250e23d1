"""The framework-neutral learning-rate schedule.

Built from a typed darknet ``NetConfig`` or a Caffe ``CaffeSolver`` (see
``cfgtools.schedule.build``); evaluated by the framework's own arithmetic
(``cfgtools.darknet.rate``, ``cfgtools.caffe.rate``) through
``cfgtools.schedule.evaluate``. Every number here is already what the
framework stores: float parameters are float32 values, counts are C ints.

Iteration conventions (``first_update``/``last_update``):

- darknet: update k = 1 .. max_batches uses ``rate(k)``; ``rate(0)`` exists
  (the value before the first update) but is never used from scratch.
- Caffe: iteration i = 0 .. max_iter-1 uses ``lr(i)``.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from cfgtools.errors import LocatedError


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BurnIn(_Frozen):
    """darknet's warm-up: ``lr * (b / iterations) ** power`` while ``b < iterations``."""

    iterations: int
    power: float


class Constant(_Frozen):
    kind: Literal["constant"] = "constant"


class Step(_Frozen):
    """``lr * gamma ** (i // step)`` (darknet ``step``: gamma is ``scale``; Caffe ``step``: ``stepsize``)."""

    kind: Literal["step"] = "step"
    step: int
    gamma: float


class Steps(_Frozen):
    """darknet ``steps``: multiply by ``scales[j]`` once ``b >= steps[j]``, walking in file order
    and stopping at the first step still in the future."""

    kind: Literal["steps"] = "steps"
    steps: list[int]
    scales: list[float]


class MultiStep(_Frozen):
    """Caffe ``multistep``: ``lr * gamma ** current_step``, where ``current_step`` advances by at
    most one per iteration, comparing ``stepvalues[current_step]`` only."""

    kind: Literal["multistep"] = "multistep"
    stepvalues: list[int]
    gamma: float


class Exp(_Frozen):
    kind: Literal["exp"] = "exp"
    gamma: float


class Poly(_Frozen):
    """``lr * (1 - i / max_iter) ** power`` (darknet: max_batches)."""

    kind: Literal["poly"] = "poly"
    power: float
    max_iter: int


class Inv(_Frozen):
    """Caffe ``inv``: ``lr * (1 + gamma * i) ** -power``."""

    kind: Literal["inv"] = "inv"
    gamma: float
    power: float


class Sigmoid(_Frozen):
    """``lr / (1 + exp(-gamma * (i - step)))`` in Caffe; darknet writes it as
    ``lr / (1 + exp(gamma * (b - step)))`` (so a positive gamma decays there)."""

    kind: Literal["sigmoid"] = "sigmoid"
    gamma: float
    step: int


class Random(_Frozen):
    """darknet ``random``: ``lr * U(0,1) ** power``, non-deterministic in darknet; seeded here."""

    kind: Literal["random"] = "random"
    power: float
    seed: int = 0


class Sgdr(_Frozen):
    """AlexeyAB ``sgdr``: cosine restarts; cycles ``[0, cycle]``, ``(cycle, cycle + cycle*mult]``, ..."""

    kind: Literal["sgdr"] = "sgdr"
    cycle: int
    mult: int
    lr_min: float


Policy = Annotated[
    Union[Constant, Step, Steps, MultiStep, Exp, Poly, Inv, Sigmoid, Random, Sgdr],
    Field(discriminator="kind"),
]


class Schedule(_Frozen):
    """A learning-rate schedule with the conventions of the framework it came from."""

    framework: Literal["darknet", "caffe"]
    #: darknet fork whose arithmetic applies (None for Caffe)
    dialect: Literal["alexeyab", "pjreddie"] | None = None
    #: the configured base rate (float32 value), before the GPU multiplier
    base_lr: float
    #: darknet multiplies the base rate by the number of GPUs (1 for Caffe)
    gpus: int = 1
    burn_in: BurnIn | None = None
    policy: Policy
    #: max_batches (darknet) or max_iter (Caffe)
    horizon: int
    #: where the schedule came from, for messages and emitted headers
    source: str = ""

    @property
    def first_update(self) -> int:
        """The iteration index whose rate the first update uses (darknet 1, Caffe 0)."""
        return 1 if self.framework == "darknet" else 0

    @property
    def last_update(self) -> int:
        """The iteration index whose rate the last update uses (inclusive)."""
        return self.horizon if self.framework == "darknet" else self.horizon - 1

    @property
    def is_random(self) -> bool:
        return self.policy.kind == "random"


class ScheduleError(LocatedError, ValueError):
    """A schedule the framework itself cannot run (it aborts, crashes or loops forever)."""
