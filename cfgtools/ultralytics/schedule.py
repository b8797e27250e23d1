"""The lr and momentum of every parameter group at every iteration, as YOLOv5 and ultralytics set them.

The training loop of every supported version does, per batch ``i`` of epoch
``e`` (``ni = i + nb * e``, ``nb`` batches per epoch)::

    if warm-up is on and ni <= nw:
        accumulate = max(1, round(interp(ni, [0, nw], [1, nbs / batch])))
        for each group: lr = interp(ni, [0, nw], [warmup_bias_lr if bias else 0.0, initial_lr * lf(e)])
                        momentum = interp(ni, [0, nw], [warmup_momentum, momentum])   # SGD-like only
    forward, backward
    if ni - last_opt_step >= accumulate: optimizer.step(); last_opt_step = ni

and a ``LambdaLR(optimizer, lf)`` whose ``last_epoch`` starts at
``start_epoch - 1`` steps once per epoch, at its end (YOLOv5, ultralytics
8.0/8.1) or at its start (8.2+). What differs by version is in
:mod:`cfgtools.ultralytics.versions`. This module reproduces that loop in
closed form, chunk by chunk: nothing grows with the number of iterations except
the rows asked for, and the warm-up (a prefix of ``nw`` iterations) is scanned
once in vectorised chunks to find where the optimizer steps.

Arithmetic: every lr and momentum is a Python float / numpy float64 upstream
(hyperparameters come from YAML as floats, ``lf`` is Python float arithmetic,
``np.interp`` works in float64), so the values here are float64 computed the
same way: ``lf`` with the upstream expression (Python ``math.cos`` for the
cosine, numpy only for the linear factor, whose IEEE operations are the same),
the warm-up with ``np.interp`` itself. No step is float32.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from cfgtools.ultralytics.versions import Role, VersionRules

DEFAULT_CHUNK = 1 << 18


class ScheduleError(ValueError):
    """The settings cannot train (upstream would crash or refuse); the message says why, in one line.

    ``key`` names the setting at fault when there is one (``batch``, ``hyp.lr0``), for pointing at it.
    """

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


class TrainingConfig(BaseModel):
    """The settings the lr schedule depends on, as the trainer sees them.

    ``batch`` is the total batch size (all GPUs). ``cos_lr`` is the cosine
    factor (YOLOv5 v5.0: ``not linear_lr``). ``images`` (the training set size)
    and ``classes`` are needed only by ``optimizer=auto``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    lr0: float
    lrf: float
    momentum: float
    warmup_epochs: float
    warmup_momentum: float
    warmup_bias_lr: float
    epochs: int = Field(ge=1)
    batch: int = Field(ge=1)
    nbs: int = Field(default=64, ge=1)
    cos_lr: bool = False
    optimizer: str = "SGD"
    images: int | None = Field(default=None, ge=1)
    classes: int | None = Field(default=None, ge=1)


class Resume(BaseModel):
    """A ``--resume`` / ``resume=True`` from a checkpoint of epoch ``start_epoch - 1``.

    ``previous`` holds the settings of the run that wrote the checkpoint (None:
    the same as now, which is wrong when the epoch count or lr0/lrf was edited
    for the resume: then pass the original settings, or the checkpoint's
    values); the checkpoint's optimizer ``param_groups`` values
    (``lr``, ``initial_lr``, ``momentum``, in optimizer order) are computed from
    that run when not given. Upstream restores them with
    ``optimizer.load_state_dict`` (YOLOv5 utils/torch_utils.py:365-366 at v7.0,
    ultralytics 8.3.0 trainer.py:725-726).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    start_epoch: int = Field(ge=0)
    previous: TrainingConfig | None = None
    lr: tuple[float, ...] | None = None
    initial_lr: tuple[float, ...] | None = None
    momentum: tuple[float, ...] | None = None


@dataclass(frozen=True)
class ParamGroup:
    role: Role
    #: lr multiplier of the group (MuSGD's boosted groups: 3)
    scale: int
    #: the group has a ``momentum`` entry (SGD, RMSProp, MuSGD) that the warm-up ramps; Adam's beta1 stays
    has_momentum: bool


@dataclass(frozen=True)
class OptimizerChoice:
    """What ``build_optimizer`` / ``smart_optimizer`` builds from the settings."""

    name: str
    lr: float
    #: the constructor's momentum (Adam: beta1)
    momentum: float
    groups: tuple[ParamGroup, ...]
    #: the warm-up start of the bias groups (optimizer=auto sets it to 0)
    warmup_bias_lr: float
    auto: bool


@dataclass(frozen=True)
class ScheduleRows:
    """Rows of the schedule: one column per iteration; ``lr``/``momentum`` have one row per group."""

    iteration: np.ndarray  # int64, ni (from 0)
    epoch: np.ndarray  # int64, from 0
    lr: np.ndarray  # float64, (groups, n)
    momentum: np.ndarray  # float64, (groups, n); Adam groups hold beta1
    accumulate: np.ndarray  # int64
    step: np.ndarray  # bool: the optimizer steps at this iteration

    def __len__(self) -> int:
        return int(self.iteration.size)


_ADAM_LIKE = ("Adam", "Adamax", "AdamW", "NAdam", "RAdam")


def batches_per_epoch(images: int, batch: int, world_size: int = 1) -> int:
    """``len(train_loader)``: ``ceil(ceil(images / world_size) / (batch // world_size))``.

    The loaders keep the last partial batch (YOLOv5 utils/dataloaders.py
    ``InfiniteDataLoader``; ultralytics data/build.py ``build_dataloader``, whose
    ``drop_last`` is only set with ``compile`` in 8.4); each DDP rank gets
    ``batch // world_size`` images of a ``DistributedSampler`` shard of
    ``ceil(images / world_size)``.
    """
    if images < 1 or batch < 1 or world_size < 1:
        raise ScheduleError("images, batch and world size must be at least 1")
    per_rank_batch = batch // world_size
    if per_rank_batch < 1:
        raise ScheduleError(f"batch {batch} is smaller than the world size {world_size}")
    shard = -(-images // world_size)
    return -(-shard // min(per_rank_batch, shard))


def choose_optimizer(config: TrainingConfig, rules: VersionRules) -> OptimizerChoice:
    """The optimizer, its lr, momentum and parameter groups (YOLOv5 ``smart_optimizer``, 8.x ``build_optimizer``).

    ``optimizer=auto`` (8.x): ``iterations = ceil(images / max(batch, nbs)) * epochs``;
    above 10000 SGD (8.4: MuSGD) with lr 0.01, else AdamW with
    ``round(0.002 * 5 / (4 + nc), 6)``; momentum 0.9 either way, lr0 and
    momentum ignored, ``warmup_bias_lr`` set to 0 (8.3.0 trainer.py:774-783,
    8.4.190 trainer.py:1177-1186).
    """
    name = config.optimizer
    if rules.name == "ultralytics-latest":  # 8.4 matches names case-insensitively (trainer.py:1176)
        name = {choice.lower(): choice for choice in rules.optimizers}.get(name.lower(), name)
    if name not in rules.optimizers:
        raise ScheduleError(
            f"{rules.name} has no optimizer {config.optimizer!r} (choices: {', '.join(rules.optimizers)})"
        )
    lr, momentum, warmup_bias_lr, auto = config.lr0, config.momentum, config.warmup_bias_lr, False
    if name == "auto":
        if config.images is None:
            raise ScheduleError("optimizer=auto chooses by the number of training images: give it (--images N)")
        iterations = math.ceil(config.images / max(config.batch, config.nbs)) * config.epochs
        auto, momentum, warmup_bias_lr = True, 0.9, 0.0
        if iterations > 10000:
            name, lr = rules.auto_above_10000 or "SGD", 0.01
        else:
            if config.classes is None:
                raise ScheduleError("optimizer=auto picks AdamW with lr 0.002*5/(4+nc) for this run: give the number of "
                                    "classes (--classes NC)")
            name, lr = "AdamW", round(0.002 * 5 / (4 + config.classes), 6)
    has_momentum = name not in _ADAM_LIKE
    if name == "MuSGD":
        # trainer.py:1221-1239: each of weight, bn, bias, muon splits into a 3x-lr group and a 1x group
        groups = tuple(
            ParamGroup(role, scale, True) for role in ("weight", "bn", "bias", "muon") for scale in (3, 1)
        )
    else:
        groups = tuple(ParamGroup(role, 1, has_momentum) for role in rules.group_order)
    return OptimizerChoice(name, lr, momentum, groups, warmup_bias_lr, auto)


def epoch_factor(rules: VersionRules, cos_lr: bool, lrf: float, epochs: int, x: int) -> float:
    """``lf(x)``, the LambdaLR factor, with the version's exact expression (Python float)."""
    if cos_lr:
        # one_cycle(1, lrf, epochs): ((1 - cos(x * pi / steps)) / 2) * (y2 - y1) + y1
        ramp = (1 - math.cos(x * math.pi / epochs)) / 2
        if rules.clamps_factor:
            ramp = max(ramp, 0)
        return ramp * (lrf - 1) + 1
    divisor = epochs - 1 if rules.linear_divides_by_epochs_minus_one else epochs
    if divisor == 0:
        raise ScheduleError(f"{rules.name} divides by epochs - 1 in its linear lr factor: epochs = 1 crashes it")
    fraction_left = 1 - x / divisor
    if rules.clamps_factor:
        fraction_left = max(fraction_left, 0)
    return fraction_left * (1.0 - lrf) + lrf


def _epoch_factors(rules: VersionRules, cos_lr: bool, lrf: float, epochs: int, xs: np.ndarray) -> np.ndarray:
    """``lf`` at each of ``xs`` (float64); the linear factor vectorised (same IEEE operations)."""
    if cos_lr:
        return np.array([epoch_factor(rules, True, lrf, epochs, int(x)) for x in xs], dtype=np.float64)
    divisor = epochs - 1 if rules.linear_divides_by_epochs_minus_one else epochs
    if divisor == 0:
        epoch_factor(rules, False, lrf, epochs, 0)  # raises the explanation
    fraction_left = 1 - xs.astype(np.int64) / divisor
    if rules.clamps_factor:
        fraction_left = np.maximum(fraction_left, 0.0)
    return fraction_left * (1.0 - lrf) + lrf


def warmup_iterations(rules: VersionRules, warmup_epochs: float, nb: int, epochs: int) -> int:
    """``nw``; -1 or 0 when the version switches the warm-up off (then no iteration warms up)."""
    if rules.warmup_capped_before_last_epoch:
        capped = min(warmup_epochs, max(epochs - 1, 0))
        return round(capped * nb) if capped > 0 else 0
    if rules.zero_warmup_disables and not warmup_epochs > 0:
        return -1
    return max(round(warmup_epochs * nb), rules.warmup_floor)


class YoloSchedule:
    """The schedule of one training run (a fresh one, or a resume)."""

    def __init__(
        self,
        config: TrainingConfig,
        rules: VersionRules,
        batches_per_epoch: int,
        resume: Resume | None = None,
    ):
        if batches_per_epoch < 1:
            raise ScheduleError("batches per epoch must be at least 1")
        self.config = config
        self.rules = rules
        self.nb = nb = int(batches_per_epoch)
        self.optimizer = choose_optimizer(config, rules)
        self.start_epoch = 0 if resume is None else resume.start_epoch
        self.epochs = self._effective_epochs(resume)
        # the linear lf reads the epoch count when called (a closure over `epochs`, or self.epochs), so it sees
        # an epoch count raised by a resume; one_cycle took its `steps` when the scheduler was built
        self.lf_epochs = config.epochs if config.cos_lr else self.epochs
        epoch_factor(rules, config.cos_lr, config.lrf, self.lf_epochs, 0)  # LambdaLR calls lf(0) when built
        self.nw = warmup_iterations(rules, config.warmup_epochs, nb, config.epochs)
        self.warmup_on = self.nw > 0
        self.first_iteration = self.start_epoch * nb
        self.last_iteration = self.epochs * nb - 1
        nominal = max(round(config.nbs / config.batch), 1)
        if rules.accumulate_capped:
            nominal = min(nominal, nb * config.epochs)
        self.accumulate = nominal
        self._accumulate_ramp_to = nominal if rules.accumulate_capped else config.nbs / config.batch
        groups = self.optimizer.groups
        self.base_lr = tuple(self.optimizer.lr * g.scale if g.scale != 1 else self.optimizer.lr for g in groups)
        self._warmup_start_lr = np.array(
            [self.optimizer.warmup_bias_lr if g.role == "bias" else 0.0 for g in groups], dtype=np.float64
        )
        self._has_momentum = np.array([g.has_momentum for g in groups], dtype=bool)
        self.initial_lr, self._restored_lr, self._restored_momentum = self._restored_state(resume)
        self._runs = self._step_runs()

    # -- set-up ---------------------------------------------------------------------------------------------------

    def _effective_epochs(self, resume: Resume | None) -> int:
        epochs = self.config.epochs
        if resume is None:
            return epochs
        start = resume.start_epoch
        if start < 1:
            raise ScheduleError("the checkpoint is of a finished run (epoch -1): nothing to resume")
        if self.rules.resume_short_epochs == "refuse":
            if not start < epochs:
                raise ScheduleError(
                    f"{self.rules.name} refuses to resume at epoch {start} of {epochs} (trainer.py:1133)"
                )
        elif epochs < start:
            epochs += start - 1  # "has been trained for N epochs. Fine-tuning for E more epochs."
        if start >= epochs:
            raise ScheduleError(f"nothing to train: resuming at epoch {start} of {epochs}")
        return epochs

    def _restored_state(self, resume: Resume | None):
        count = len(self.optimizer.groups)
        if resume is None:
            return self.base_lr, None, None
        given = (resume.lr, resume.initial_lr, resume.momentum)
        for values in given:
            if values is not None and len(values) != count:
                raise ScheduleError(f"the checkpoint has {len(values)} parameter groups, the optimizer {count}")
        if all(values is not None for values in given):
            return tuple(resume.initial_lr), np.array(resume.lr), np.array(resume.momentum)
        previous = YoloSchedule(resume.previous or self.config, self.rules, self.nb)
        if previous.epochs < resume.start_epoch:
            raise ScheduleError(f"the previous run had {previous.epochs} epochs: "
                                f"it wrote no checkpoint of epoch {resume.start_epoch - 1}")
        saved = previous.saved_state(resume.start_epoch - 1)
        lr = resume.lr if resume.lr is not None else saved["lr"]
        initial = resume.initial_lr if resume.initial_lr is not None else saved["initial_lr"]
        momentum = resume.momentum if resume.momentum is not None else saved["momentum"]
        return tuple(initial), np.asarray(lr, dtype=np.float64), np.asarray(momentum, dtype=np.float64)

    def _warmup_accumulate(self, ni: np.ndarray) -> np.ndarray:
        ramp = np.interp(ni, [0, self.nw], [1, self._accumulate_ramp_to])
        return np.maximum(1, np.round(ramp)).astype(np.int64)

    def _step_runs(self):
        """Stretches of constant ``accumulate`` with the first iteration that steps in each.

        ``ni - last_opt_step >= accumulate`` with ``last_opt_step = -1`` at the
        start of the run: in a stretch ``[a, b]`` of constant ``c`` the optimizer
        steps at ``first, first + c, ...`` with ``first = max(a, last + c)``.
        """
        first, last = self.first_iteration, self.last_iteration
        starts, accumulates = [], []
        if self.warmup_on and self.nw >= first:
            warm_end = min(self.nw, last)
            position = first
            while position <= warm_end:
                stop = min(warm_end + 1, position + DEFAULT_CHUNK)
                values = self._warmup_accumulate(np.arange(position, stop, dtype=np.int64))
                changes = np.flatnonzero(np.diff(values)) + 1
                for index in np.concatenate(([0], changes)):
                    value = int(values[index])
                    if not accumulates or accumulates[-1] != value:
                        starts.append(position + int(index))
                        accumulates.append(value)
                position = stop
            if warm_end < last and (not accumulates or accumulates[-1] != self.accumulate):
                starts.append(warm_end + 1)
                accumulates.append(self.accumulate)
        else:
            starts.append(first)
            accumulates.append(self.accumulate)
        firsts = []
        last_step = -1
        for index, (start, value) in enumerate(zip(starts, accumulates)):
            end = starts[index + 1] - 1 if index + 1 < len(starts) else last
            first_step = max(start, last_step + value)
            firsts.append(first_step)
            if first_step <= end:
                last_step = first_step + (end - first_step) // value * value
        return (np.array(starts, dtype=np.int64), np.array(accumulates, dtype=np.int64),
                np.array(firsts, dtype=np.int64))

    # -- facts ------------------------------------------------------------------------------------------------------

    @property
    def groups(self) -> tuple[ParamGroup, ...]:
        return self.optimizer.groups

    @property
    def warmup_start_lr(self) -> tuple[float, ...]:
        """Each group's lr at iteration 0 of the warm-up (the biases' ``warmup_bias_lr``, the others 0)."""
        return tuple(float(lr) for lr in self._warmup_start_lr)

    @property
    def step_stretches(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where the optimizer steps: the first iteration of each stretch of constant ``accumulate``, that
        ``accumulate``, and the first iteration of the stretch that steps (see ``_step_runs``)."""
        return self._runs

    @property
    def warmup_in_run(self) -> bool:
        """Some iteration of this run warms up."""
        return self.warmup_on and self.nw >= self.first_iteration

    @property
    def warmup_end_epoch(self) -> int | None:
        """The epoch that holds iteration ``nw`` (None: no warm-up in this run, or it outlasts the run)."""
        if not self.warmup_in_run or self.nw > self.last_iteration:
            return None
        return self.nw // self.nb

    def factor(self, epoch: int) -> float:
        """``lf(epoch)`` of this run."""
        return epoch_factor(self.rules, self.config.cos_lr, self.config.lrf, self.lf_epochs, epoch)

    # -- the values --------------------------------------------------------------------------------------------------

    def _after_warmup(self, epochs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """lr and momentum of each group at the iterations of ``epochs`` that do not warm up, (groups, n)."""
        config, count = self.config, len(self.groups)
        base = np.asarray(self.base_lr, dtype=np.float64)[:, None]
        if self.rules.scheduler_steps_at == "start":
            scheduled_x = epochs
        else:
            scheduled_x = np.maximum(epochs - 1, 0)  # stepped at the end of the previous epoch
        lr = base * self._factors(scheduled_x)[None, :]
        end_epoch = self.warmup_end_epoch
        if end_epoch is not None:
            # the rest of the epoch where warm-up ends keeps its last value, initial_lr * lf(that epoch)
            at_end = epochs == end_epoch
            if at_end.any():
                final = np.asarray(self.initial_lr, dtype=np.float64) * self.factor(end_epoch)
                lr[:, at_end] = final[:, None]
        if self.rules.scheduler_steps_at == "end":
            first_epoch = (epochs == self.start_epoch) & (epochs != end_epoch)
            if first_epoch.any():
                # nothing has stepped yet: LambdaLR's construction (lr * lf(0)) or the restored optimizer
                held = base[:, 0] * self.factor(0) if self._restored_lr is None else self._restored_lr
                lr[:, first_epoch] = np.asarray(held, dtype=np.float64)[:, None]
        momentum = np.empty((count, epochs.size), dtype=np.float64)
        baseline = self._restored_momentum
        if baseline is None:
            baseline = np.full(count, self.optimizer.momentum)
        momentum[:] = np.asarray(baseline, dtype=np.float64)[:, None]
        if self.warmup_in_run:
            ramped = self._has_momentum[:, None] & (epochs[None, :] >= (end_epoch if end_epoch is not None else 0))
            momentum[ramped] = config.momentum
        return lr, momentum

    def _factors(self, xs: np.ndarray) -> np.ndarray:
        unique, inverse = np.unique(xs, return_inverse=True)
        return _epoch_factors(self.rules, self.config.cos_lr, self.config.lrf, self.lf_epochs, unique)[inverse]

    def rows_at(self, iterations) -> ScheduleRows:
        """The rows of the given iterations (sorted, within ``first_iteration..last_iteration``)."""
        ni = np.asarray(iterations, dtype=np.int64)
        if ni.size and (ni[0] < self.first_iteration or ni[-1] > self.last_iteration or np.any(np.diff(ni) < 0)):
            raise ValueError("iterations must be sorted and inside the run")
        epochs = ni // self.nb
        lr, momentum = self._after_warmup(epochs)
        warming = np.zeros(ni.size, dtype=bool)
        if self.warmup_on:
            warming = ni <= self.nw
        if warming.any():
            self._warm_up(ni, epochs, warming, lr, momentum)
        run = np.searchsorted(self._runs[0], ni, side="right") - 1
        accumulate = self._runs[1][run]
        if self.rules.optimizer_step_rule == "modulo":
            # v5.0 train.py:314 `ni % accumulate == 0` (accumulate is a float during warm-up; same test)
            step = ni % accumulate == 0
        else:
            first = self._runs[2][run]
            step = (ni >= first) & ((ni - first) % accumulate == 0)
        return ScheduleRows(ni, epochs, lr, momentum, accumulate, step)

    def _warm_up(self, ni, epochs, warming, lr, momentum) -> None:
        xp = [0, self.nw]
        initial = np.asarray(self.initial_lr, dtype=np.float64)
        indices = np.flatnonzero(warming)
        for epoch in np.unique(epochs[indices]):
            at = indices[epochs[indices] == epoch]
            target = initial * self.factor(int(epoch))
            for group in range(len(self.groups)):
                lr[group, at] = np.interp(ni[at], xp, [self._warmup_start_lr[group], target[group]])
        if self._has_momentum.any():
            ramp = np.interp(ni[indices], xp, [self.config.warmup_momentum, self.config.momentum])
            for group in np.flatnonzero(self._has_momentum):
                momentum[group, indices] = ramp

    def iter_rows(self, start: int | None = None, stop: int | None = None,
                  chunk: int = DEFAULT_CHUNK) -> Iterator[ScheduleRows]:
        """Every iteration from ``start`` to ``stop`` (inclusive; default the whole run), ``chunk`` at a time."""
        position = self.first_iteration if start is None else max(int(start), self.first_iteration)
        last = self.last_iteration if stop is None else min(int(stop), self.last_iteration)
        chunk = max(1, int(chunk))
        while position <= last:
            end = min(last + 1, position + chunk)
            yield self.rows_at(np.arange(position, end, dtype=np.int64))
            position = end

    def iter_epochs(self, chunk: int = DEFAULT_CHUNK) -> Iterator[ScheduleRows]:
        """One row per epoch, its last iteration: results.csv's ``lr/pg0..2`` (``x/lr0..2`` in YOLOv5)
        before their rounding to 5 significant digits."""
        position = self.start_epoch
        while position < self.epochs:
            end = min(self.epochs, position + max(1, int(chunk)))
            epochs = np.arange(position, end, dtype=np.int64)
            yield self.rows_at(epochs * self.nb + self.nb - 1)
            position = end

    def epoch_rows(self) -> ScheduleRows:
        """Every epoch's row at once (memory grows with the epoch count only)."""
        parts = list(self.iter_epochs())
        return ScheduleRows(
            np.concatenate([p.iteration for p in parts]), np.concatenate([p.epoch for p in parts]),
            np.concatenate([p.lr for p in parts], axis=1), np.concatenate([p.momentum for p in parts], axis=1),
            np.concatenate([p.accumulate for p in parts]), np.concatenate([p.step for p in parts]),
        )

    def saved_state(self, epoch: int) -> dict[str, tuple[float, ...]]:
        """The optimizer ``param_groups`` values in the checkpoint written after ``epoch``.

        YOLOv5 and 8.0 save after ``scheduler.step()``: the lr is then the
        scheduler's ``base_lr * lf(epoch)`` whatever the warm-up did; 8.1+ save
        before it (the lr of the epoch's last iteration).
        """
        rows = self.rows_at([epoch * self.nb + self.nb - 1])
        lr = rows.lr[:, 0]
        if self.rules.scheduler_steps_at == "end" and self.rules.checkpoint_after_step:
            lr = np.asarray(self.base_lr, dtype=np.float64) * self.factor(epoch)
        return {
            "lr": tuple(float(v) for v in lr),
            "initial_lr": tuple(float(v) for v in self.initial_lr),
            "momentum": tuple(float(v) for v in rows.momentum[:, 0]),
        }
