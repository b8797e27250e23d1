"""The ultralytics schedule in the framework-neutral model, evaluated by :class:`UltralyticsArithmetic`.

The neutral :class:`~cfgtools.schedule.model.Schedule` has one rate per
update and neutral policies; an ultralytics run has three parameter groups (up
to eight under MuSGD), a factor per epoch and a warm-up per iteration. It is
therefore a :class:`~cfgtools.schedule.model.FrameworkDefined` policy named
``ultralytics`` whose parameters are the run's settings (the version, the
batches per epoch and the :class:`~cfgtools.ultralytics.schedule.TrainingConfig`
as plain data), and this module's arithmetic evaluates it with
:class:`~cfgtools.ultralytics.schedule.YoloSchedule`:

- iterations are ``ni`` (from 0: ``first_update`` is 0), the index the
  training loop computes as ``i + nb * epoch``;
- ``rates`` is the lr of the weights group (the 1x weights group under MuSGD):
  the group holding every convolution weight, whose lr is ``lr0 * lf(epoch)``
  after the warm-up and climbs from 0 during it like darknet's burn-in; it is
  the ``lr/pg1`` column of results.csv (``lr/pg0`` from 8.4 on, whose order is
  weight, bn, bias) and the lr the extension plan keeps continuous;
- ``columns`` give every group's lr and momentum, the epoch, ``accumulate`` and
  whether the optimizer steps; ``period_ends(schedule, "epoch")`` the last
  iteration of each epoch (results.csv's rows).

Values are float64, as upstream computes them (see ``schedule``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import numpy as np

from cfgtools.schedule.model import Arithmetic, FrameworkDefined, HookSource, Schedule
from cfgtools.ultralytics.hook_source import hook_source
from cfgtools.ultralytics.schedule import Resume, TrainingConfig, YoloSchedule
from cfgtools.ultralytics.versions import VersionRules, get_version

#: the name of the FrameworkDefined policy
POLICY_NAME = "ultralytics"
#: the settings that set a neutral parameter of the schedule
_SETTING_KEYS = {"horizon": "epochs", "base_lr": "lr0"}


def weights_group(run: YoloSchedule) -> int:
    """The index of the group whose lr stands for the run: the (1x) weights with decay."""
    for index, group in enumerate(run.groups):
        if group.role == "weight" and group.scale == 1:
            return index
    return 0


def schedule_for_run(config: TrainingConfig, rules: VersionRules, batches_per_epoch: int,
                     source: str = "") -> Schedule:
    """The neutral schedule of a fresh run; :class:`~cfgtools.ultralytics.schedule.ScheduleError` when it
    cannot train."""
    run = _run(_key(config, rules, batches_per_epoch), None)
    parameters = {"version": rules.name, "batches_per_epoch": int(batches_per_epoch),
                  "config": config.model_dump(mode="json")}
    return Schedule(
        framework="ultralytics", dialect=rules.name, base_lr=float(run.base_lr[weights_group(run)]),
        policy=FrameworkDefined(name=POLICY_NAME, parameters=parameters),
        horizon=(run.epochs - run.start_epoch) * run.nb, source=source, arithmetic=ARITHMETIC,
    )


def run_of(schedule: Schedule, resume: Resume | None = None) -> YoloSchedule:
    """The :class:`YoloSchedule` a neutral ultralytics schedule stands for (``resume``: a resumed run)."""
    policy = schedule.policy
    if not isinstance(policy, FrameworkDefined) or policy.name != POLICY_NAME:
        raise ValueError(f"not an ultralytics schedule: {policy.kind}")
    parameters = policy.parameters
    config = TrainingConfig(**parameters["config"])
    return _run(_key(config, get_version(parameters["version"]), parameters["batches_per_epoch"]), resume)


def _key(config: TrainingConfig, rules: VersionRules, batches_per_epoch: int) -> str:
    return json.dumps([rules.name, int(batches_per_epoch), config.model_dump(mode="json")], sort_keys=True)


@lru_cache(maxsize=32)
def _run(key: str, resume: Resume | None) -> YoloSchedule:
    # a YoloSchedule scans its warm-up once to find where the optimizer steps: keep the few in use
    version, batches_per_epoch, config = json.loads(key)
    return YoloSchedule(TrainingConfig(**config), get_version(version), batches_per_epoch, resume)


def _resumed(resume: tuple[int, Any] | None) -> Resume | None:
    """The :class:`Resume` of a neutral ``resume=(iteration, state)``: the state is the Resume itself."""
    if resume is None:
        return None
    state = resume[1]
    if not isinstance(state, Resume):
        raise ValueError("an ultralytics resume carries its Resume (start epoch and restored groups) as state")
    return state


class UltralyticsArithmetic(Arithmetic):
    """Evaluates the ``ultralytics`` FrameworkDefined policy (see the module docstring)."""

    first_update = 0

    def rates(self, schedule: Schedule, iterations: Any, resume: tuple[int, Any] | None = None) -> np.ndarray:
        """The weights group's lr at each iteration (float64); NaN for an iteration outside the run."""
        run = run_of(schedule, _resumed(resume))
        ni = np.asarray(iterations, dtype=np.int64).reshape(-1)
        out = np.full(ni.size, np.nan)
        inside, rows, at = _rows(run, ni)
        out[inside] = rows.lr[weights_group(run)][at]
        return out

    def column_names(self, schedule: Schedule) -> tuple[str, ...]:
        count = len(run_of(schedule).groups)
        return ("epoch", *(f"lr_pg{g}" for g in range(count)), *(f"momentum_pg{g}" for g in range(count)),
                "accumulate", "step")

    def columns(self, schedule: Schedule, iterations: Any, resume: tuple[int, Any] | None = None) -> dict[str, Any]:
        """Every column at each iteration, which must lie inside the run (a ValueError otherwise)."""
        run = run_of(schedule, _resumed(resume))
        ni = np.asarray(iterations, dtype=np.int64).reshape(-1)
        inside, rows, at = _rows(run, ni)
        if not inside.all():
            outside = ni[~inside]
            raise ValueError(f"iteration {int(outside[0])} is outside the run "
                             f"({run.first_iteration}..{run.last_iteration})")
        columns: dict[str, Any] = {"epoch": rows.epoch[at]}
        for group in range(len(run.groups)):
            columns[f"lr_pg{group}"] = rows.lr[group][at]
        for group in range(len(run.groups)):
            columns[f"momentum_pg{group}"] = rows.momentum[group][at]
        columns["accumulate"] = rows.accumulate[at]
        columns["step"] = rows.step[at].astype(np.int64)
        return columns

    def setting_key(self, schedule: Schedule, parameter: str) -> str:
        """``horizon`` is set by ``epochs`` (times the batches per epoch), ``base_lr`` by ``lr0``."""
        return _SETTING_KEYS.get(parameter, parameter)

    def hook_source(self, schedule: Schedule) -> HookSource:
        """``framework_hook(ni)``: every group's lr and momentum and the step flag (``hook_source``)."""
        return hook_source(run_of(schedule))

    def period_ends(self, schedule: Schedule, period: str) -> Any:
        if period != "epoch":
            return None
        run = run_of(schedule)
        return np.arange(run.start_epoch, run.epochs, dtype=np.int64) * run.nb + run.nb - 1


def _rows(run: YoloSchedule, ni: np.ndarray):
    """The rows of the distinct iterations of ``ni`` inside the run, and where each of ``ni`` finds its row."""
    inside = (ni >= run.first_iteration) & (ni <= run.last_iteration)
    wanted = ni[inside]
    if wanted.size > 1 and not bool(np.all(wanted[1:] > wanted[:-1])):  # listings ask in order: no sort then
        wanted = np.unique(wanted)
        return inside, run.rows_at(wanted), np.searchsorted(wanted, ni[inside])
    return inside, run.rows_at(wanted), np.arange(wanted.size)


ARITHMETIC = UltralyticsArithmetic()
