"""Caffe as a cfgtools framework: recognise, read, schedule, snapshots, show, convert.

A loaded solver offers one view, ``solver`` (the :class:`CaffeSolver`: every
SolverParameter field with its value, presence and position).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Mapping

from cfgtools.caffe import DIALECTS, fork_name
from cfgtools.caffe.edit import edit_solver
from cfgtools.caffe.recipe import caffe_recipe, express, write_solver
from cfgtools.caffe.log import CAFFE_LOG
from cfgtools.caffe.schedule import schedule_from_solver
from cfgtools.caffe.solver import CaffeSolver, plain_value, read_solver
from cfgtools.caffe.solverstate import read_solverstate
from cfgtools.errors import InputError
from cfgtools.plugin import Checkpoint, Description, Framework, LoadedConfig, Recognition, RunOptions
from cfgtools.positions import Span
from cfgtools.recipe import Expression, Recipe, WrittenRecipe
from cfgtools.schedule.model import Schedule
from cfgtools.sources import UTF8_BOM, SourceText
from cfgtools.trainlog.model import LogFormat
from cfgtools.values import format_value, printable

if TYPE_CHECKING:
    from cfgtools.trainlog.compare import ScheduleFor  # numpy: not on the path of reading a solver
    from cfgtools.trainlog.source import TrainingLog

_PROTO_FIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(:|\{)")
#: Fields that only a SolverParameter has (a NetParameter has name/layer/input...).
_SOLVER_MARKERS = frozenset(
    {
        "base_lr", "lr_policy", "max_iter", "train_net", "test_net", "net", "solver_mode",
        "snapshot_prefix", "stepsize", "stepvalue", "test_iter", "test_interval", "momentum",
        "weight_decay", "solver_type", "iter_size", "display", "gamma", "power", "type",
    }
)


class Caffe(Framework):
    name = "caffe"
    noun = "Caffe solver"
    dialects = DIALECTS
    suffixes = (".prototxt", ".pt")  # py-faster-rcnn names its solvers solver.pt
    views = ("solver",)
    setting_names = {"base_lr": "base_lr", "horizon": "max_iter", "policy": "lr_policy"}

    def recognise(self, source: SourceText) -> Recognition:
        """A solver is protobuf text whose first field is one a SolverParameter has (a net's is not).

        A ``.yaml``/``.yml`` file is never one: ``momentum: 0.937`` also opens a YOLO hyperparameters file.
        """
        if source.path.lower().endswith((".yaml", ".yml")):
            return Recognition.NO
        for raw in source.text.lstrip(UTF8_BOM).split("\n"):
            line = raw.strip(" \t\r")
            if line and line[0] not in "#;":
                match = _PROTO_FIELD.match(line)
                return Recognition.YES if match and match.group(1) in _SOLVER_MARKERS else Recognition.NO
        return Recognition.NO

    def read(self, source: SourceText, dialect: str) -> CaffeSolver:
        try:
            return read_solver(source, dialect)
        except InputError as exc:
            raise exc.with_path(source.path) from None

    def view(self, loaded: LoadedConfig, name: str) -> Any:
        return loaded.model if name == "solver" else None

    def schedule(self, loaded: LoadedConfig, options: RunOptions) -> Schedule:
        return schedule_from_solver(loaded.model)  # Caffe does not scale the rate by the GPU count

    def checkpoint(self, path: str, loaded: LoadedConfig) -> Checkpoint:
        state = read_solverstate(path)
        return Checkpoint(state.iter, state.current_step, f"{path} (iteration {state.iter})")

    def setting_span(self, loaded: LoadedConfig, name: str) -> Span | None:
        field = loaded.model.fields.get(name)
        if field is not None and field.explicit:
            return field.span or field.key_span or Span.point(1)
        return None

    def edit_text(self, loaded: LoadedConfig, changes: Mapping[str, Any]) -> str:
        return edit_solver(loaded.model, loaded.source.text, changes)

    def changed_settings(self, old: LoadedConfig, new: LoadedConfig) -> tuple[str, ...]:
        before = {name: f.value for name, f in old.model.fields.items()}
        return tuple(name for name, f in new.model.fields.items() if before.get(name) != f.value)

    def log_format(self) -> LogFormat:
        return CAFFE_LOG

    def log_schedule(self, loaded: LoadedConfig, options: RunOptions,
                     log: TrainingLog) -> tuple[ScheduleFor, str] | None:
        solver = loaded.model
        if solver.lr_policy != "plateau" or solver.dialect != "ssd":
            return None
        from cfgtools.caffe.plateau_log import PlateauFromLog  # lazy: only a plateau run's log needs it

        found = PlateauFromLog(solver, log)
        return found, found.basis

    def schedule_notes(self, schedule: Schedule, options: RunOptions) -> list[str]:
        notes = []
        if options.gpus != 1:
            notes.append("Caffe does not scale the learning rate by the number of GPUs; --gpus is ignored")
        if schedule.horizon <= 0:
            notes.append(f"max_iter is {schedule.horizon} (unset?): 'caffe train' runs zero iterations (scripts "
                         "that drive the solver themselves, like py-faster-rcnn's, choose the count)")
        return notes

    def recipe(self, loaded: LoadedConfig, options: RunOptions) -> Recipe:
        return caffe_recipe(loaded, options)

    def express(self, schedule: Schedule) -> Expression:
        return express(schedule)

    def write_recipe(self, recipe: Recipe, schedule: Schedule) -> WrittenRecipe:
        return write_solver(recipe, schedule)

    def describe(self, loaded: LoadedConfig) -> Description:
        solver: CaffeSolver = loaded.model
        path = loaded.path
        fork = fork_name(solver.dialect)
        warnings = [
            printable(f"{path}:{unknown.span.line}:{unknown.span.column}: warning: unknown field "
                      f"{unknown.name!r}: {fork} refuses this file (the rest is shown)")
            for unknown in solver.unknown_fields
        ]
        fields = {}
        for name, field in solver.fields.items():
            if not field.explicit and field.value in ([], None):
                continue
            fields[name] = {
                "value": plain_value(field.value),
                "source": "file" if field.explicit else "default",
                "position": None if field.span is None else {"line": field.span.line, "column": field.span.column},
            }
        data = {
            "path": path,
            "kind": "caffe-solver",
            "fork": solver.dialect,
            "solver_type": solver.solver_type_name,
            "fields": fields,
            "unknown_fields": [
                {"name": u.name, "position": {"line": u.span.line, "column": u.span.column}}
                for u in solver.unknown_fields
            ],
        }
        lines = [printable(f"{path}: Caffe solver ({solver.solver_type_name}), read as {fork} reads it")]
        for name, entry in fields.items():
            position = entry["position"]
            origin = "default" if entry["source"] == "default" else (
                f"line {position['line']}" if position else "file")
            lines.append(f"  {name:<22} {format_value(entry['value']):<24} {origin}")
        for unknown in solver.unknown_fields:
            lines.append(f"  {printable(unknown.name):<22} {f'(unknown: {fork} refuses the file)':<24} "
                         f"line {unknown.span.line}")
        return Description(data, "\n".join(lines) + "\n", warnings)


CAFFE = Caffe()
