"""The framework-neutral learning-rate schedule.

A framework package builds a :class:`Schedule` from its typed model (darknet's
``[net]``, a Caffe solver) and attaches its own :class:`Arithmetic`, the exact
rate function of that framework; ``cfgtools.schedule.evaluate`` evaluates any
schedule through it, so this layer knows no framework. Every number of a
neutral policy is already what the framework stores: float parameters are
float32 values, counts are C ints. A :class:`FrameworkDefined` schedule keeps
its framework's own numbers in its parameters (ultralytics: Python floats).

Iteration conventions (``first_update``/``last_update``) come from the
arithmetic: darknet's update k = 1 .. max_batches uses ``rate(k)`` (``rate(0)``
exists but is never used from scratch); Caffe's iteration i = 0 .. max_iter-1
uses ``lr(i)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Annotated, Any, ClassVar, Literal, NamedTuple, Union

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

    def advances(self) -> list[int]:
        """The iterations at which ``current_step`` advances, from a fresh start.

        ``t_j = max(stepvalues[j], t_(j-1) + 1)`` (``t_0 = max(stepvalues[0], 0)``):
        index j is compared only once index j-1 has passed, one advance per iteration.
        """
        times: list[int] = []
        for value in self.stepvalues:
            times.append(max(value, 0) if not times else max(value, times[-1] + 1))
        return times


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


class FrameworkDefined(_Frozen):
    """A schedule only its framework's :class:`Arithmetic` evaluates: the framework names it and gives its
    parameters as plain data (JSON-ready values).

    For schedules that are not one rate per update of a neutral policy (ultralytics: three parameter
    groups, a factor per epoch and a warm-up per iteration). ``rates`` then gives the one rate the
    schedule rules see, and :meth:`Arithmetic.columns` the rest.
    """

    kind: Literal["framework"] = "framework"
    #: the framework's name for it (``ultralytics``)
    name: str
    parameters: dict[str, Any] = Field(default_factory=dict)


Policy = Annotated[
    Union[Constant, Step, Steps, MultiStep, Exp, Poly, Inv, Sigmoid, Random, Sgdr, FrameworkDefined],
    Field(discriminator="kind"),
]


class SourceConstant(NamedTuple):
    """A module-level constant of :class:`RateSource`, as a value: the emitter writes the literal."""

    name: str
    #: an int, a float, or a tuple of ints or of floats
    value: int | float | tuple[int, ...] | tuple[float, ...]
    #: what the framework calls it, for the comment beside it
    comment: str = ""
    #: the policy field it holds (``step``, ``gamma``, ``max_iter``, ...), so other code can reuse the name
    field: str = ""


class RateSource(NamedTuple):
    """A framework's rate function for one schedule, as standard-library Python source.

    ``function`` defines ``framework_rate(it)`` (``it``: the framework's
    iteration index) and refers to ``BASE_LR`` (the rate the schedule scales,
    a float), to its :attr:`constants` by name, to the modules ``math`` and
    ``bisect``, and to the C-arithmetic helpers ``_f32(x)`` (round to a C
    float), ``_pow(x, y)`` (C ``pow``) and ``_exp(x)`` (C ``exp``). Nothing in
    it comes from input text: every number read from a config is a constant.
    """

    function: str
    constants: tuple[SourceConstant, ...] = ()


class HookSource(NamedTuple):
    """A framework's per-iteration training hook for one run, as standard-library Python source.

    For frameworks that set each parameter group's lr and momentum at every
    training iteration and step the optimizer only on some of them (YOLOv5 and
    ultralytics: warm-up per iteration, gradient accumulation). ``function``
    defines ``framework_hook(it)`` (``it``: the framework's iteration index,
    from 0) returning ``(lrs, momenta, step)``: a tuple with one lr (float) per
    parameter group in the optimizer's order, a tuple with one momentum per
    group (None for a group the framework gives no momentum, e.g. Adam's), and
    whether the optimizer steps after this iteration's backward pass. It may
    refer to its :attr:`constants` by name and to the modules ``math`` and
    ``bisect``; nothing in it comes from input text.
    """

    function: str
    constants: tuple[SourceConstant, ...] = ()


class Arithmetic(ABC):
    """A framework's own rate function, supplied by the framework package that builds schedules.

    ``rates`` gives the float32 rate at each iteration index exactly as the
    framework computes it; ``resume=(iteration, state)`` evaluates a run
    restored from a checkpoint taken after ``iteration`` updates, ``state``
    being what the framework restores besides the iteration (see
    :meth:`state_after`).
    """

    #: the iteration index whose rate a run's first update uses
    first_update: ClassVar[int]
    #: what the framework calls its iteration index and its rate function (for comments and messages)
    iteration_name: ClassVar[str] = "iteration"
    rate_function: ClassVar[str] = "the rate function"
    #: whether the configured rate is multiplied by the number of GPUs (``Schedule.gpus``)
    gpu_multiplier: ClassVar[bool] = False
    #: ``sign`` in the framework's sigmoid ``base / (1 + exp(sign * gamma * (i - step)))``: +1 where a
    #: positive gamma decays, -1 where it rises (the form :class:`Sigmoid` documents)
    sigmoid_sign: ClassVar[int] = -1

    @abstractmethod
    def rates(self, schedule: "Schedule", iterations: Any, resume: tuple[int, Any] | None = None) -> Any:
        """The rate at each iteration in ``iterations`` (a numpy array: float32 where the framework stores its
        rate in a float, as darknet and Caffe do; float64 where it computes in double, as ultralytics does)."""

    def state_after(self, schedule: "Schedule", updates: int) -> Any:
        """What a checkpoint written after ``updates`` updates stores besides the iteration (None: nothing)."""
        return None

    def pieces(self, schedule: "Schedule", first: int, last: int, resume: tuple[int, Any] | None = None) -> Any:
        """``schedule`` over ``first..last`` cut into pieces of known shape (``cfgtools.schedule.analysis.Piece``).

        The analysis then costs what the number of pieces costs, not the number
        of updates. None: no cut known (the analysis evaluates every update).
        """
        return None

    def column_names(self, schedule: "Schedule") -> tuple[str, ...]:
        """Names of the values :meth:`columns` gives at each iteration besides the iteration itself
        (e.g. ``epoch``, ``lr_pg0``, ``momentum_pg0``); empty: the rate is all there is."""
        return ()

    def columns(self, schedule: "Schedule", iterations: Any, resume: tuple[int, Any] | None = None) -> dict[str, Any]:
        """Every column of :meth:`column_names` at each iteration (numpy arrays, in that order)."""
        raise NotImplementedError(f"{type(self).__name__} has no columns")

    def period_ends(self, schedule: "Schedule", period: str) -> Any:
        """The last iteration of each ``period`` (``epoch``) of a run, in order (a numpy int64 array),
        for listings with one row per period; None when the schedule has no such period."""
        return None

    def python_source(self, schedule: "Schedule") -> RateSource | None:
        """The rate function of ``schedule`` as standard-library Python (None: it has no exact one)."""
        return None

    def gpu_sync_interval(self, schedule: "Schedule") -> int:
        """Every how many iterations a multi-GPU run adds the other GPUs' iterations to its counter, so
        that the rate printed on those iterations is the rate that many iterations on (0: never)."""
        return 0

    def hook_source(self, schedule: "Schedule") -> HookSource | None:
        """The per-iteration training hook of ``schedule`` as standard-library Python (see :class:`HookSource`);
        None: the framework has one lr per update for one parameter group (:meth:`python_source`)."""
        return None

    def unsigned_iterations(self, schedule: "Schedule") -> bool:
        """Whether the iteration index is an unsigned number that int parameters are converted to.

        Then a negative step is a huge number that never fires, and ``i - step``
        wraps around below the step (so a sigmoid is exactly 0 there).
        """
        return False

    def setting_key(self, schedule: "Schedule", parameter: str) -> str:
        """The config key that sets a neutral parameter of ``schedule`` (``horizon`` -> ``max_iter``).

        Parameters are the field names of the schedule and its policy, with
        ``horizon``, ``base_lr`` and ``burn_in_power`` (burn-in's exponent). Two
        parameters with the same key are one setting: editing one edits both.
        """
        return parameter

    def worked_out(self, schedule: "Schedule", parameter: str) -> str | None:
        """What messages call a parameter that no config key holds, because the schedule was worked out from
        elsewhere (e.g. steps found in a training log); None: :meth:`setting_key` names its key."""
        return None

    def lowest(self, schedule: "Schedule", parameter: str) -> float | None:
        """The smallest value of a parameter the framework accepts for this policy (None: it checks none)."""
        return None

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))


class Schedule(_Frozen):
    """A learning-rate schedule with the conventions of the framework it came from."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    #: the framework's name (``darknet``, ``caffe``), for messages and emitted headers
    framework: str
    #: the framework's dialect (darknet fork) whose arithmetic applies, if it has several
    dialect: str | None = None
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
    #: the framework's rate function (not part of the schedule's data)
    arithmetic: Arithmetic = Field(exclude=True, repr=False)

    @property
    def first_update(self) -> int:
        """The iteration index whose rate the first update uses (darknet 1, Caffe 0)."""
        return self.arithmetic.first_update

    @property
    def last_update(self) -> int:
        """The iteration index whose rate the last update uses (inclusive)."""
        return self.first_update + self.horizon - 1

    @property
    def is_random(self) -> bool:
        return self.policy.kind == "random"


class ScheduleError(LocatedError, ValueError):
    """A schedule the framework itself cannot run (it aborts, crashes or loops forever).

    ``format()`` gives the one ``PATH:LINE:COL: message`` line; ``str()`` the message alone, for the
    messages that quote it (``cannot convert: ...``), which name the file themselves.
    """

    def __str__(self) -> str:
        return self.message
