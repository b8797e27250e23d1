"""A framework is a plug-in: a toy framework, written here and not in the package, works with show, schedule and lint.

The toy format: a first line ``toy-schedule``, then ``key = value`` lines
(``lr``, ``gamma``, ``step``, ``iterations``); the rate of update k (1-based)
is ``lr * gamma ** (k // step)``, computed in double and stored as a float.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from cfgtools import frameworks
from cfgtools.cli import main
from cfgtools.errors import InputError
from cfgtools.plugin import Description, Framework, LoadedConfig, Recognition, RunOptions
from cfgtools.positions import Span
from cfgtools.schedule.model import Arithmetic, Schedule, Step
from cfgtools.sources import SourceText


class ToyArithmetic(Arithmetic):
    first_update = 1

    def rates(self, schedule: Schedule, iterations: Any, resume=None) -> np.ndarray:
        k = np.asarray(iterations, dtype=np.int64)
        p = schedule.policy
        return (schedule.base_lr * np.power(p.gamma, (k // p.step).astype(np.float64))).astype(np.float32)


class Toy(Framework):
    name = "toy"
    noun = "toy schedule"
    dialects = ("v1",)
    suffixes = (".toy",)
    views = ("settings",)

    def recognise(self, source: SourceText) -> Recognition:
        return Recognition.YES if source.text.startswith("toy-schedule\n") else Recognition.NO

    def read(self, source: SourceText, dialect: str) -> dict[str, tuple[float, Span]]:
        values = {}
        for number, line in enumerate(source.text.split("\n")[1:], 2):
            if not line.strip():
                continue
            key, equals, value = line.partition("=")
            try:
                values[key.strip()] = (float(value), Span(number, 1, number, len(line) + 1))
            except ValueError:
                raise InputError(f"not a number: {value.strip()!r}", source.path, number,
                                 line.index(value.strip()) + 1) from None
        return values

    def view(self, loaded: LoadedConfig, name: str) -> Any:
        return loaded.model if name == "settings" else None

    def schedule(self, loaded: LoadedConfig, options: RunOptions) -> Schedule:
        get = {key: value for key, (value, _) in loaded.model.items()}
        policy = Step(step=int(get.get("step", 1)), gamma=get.get("gamma", 1.0))
        return Schedule(framework="toy", base_lr=get.get("lr", 0.1), policy=policy,
                        horizon=int(get.get("iterations", 0)), source=loaded.path, arithmetic=ToyArithmetic())

    def describe(self, loaded: LoadedConfig) -> Description:
        data = {key: value for key, (value, _) in loaded.model.items()}
        return Description(data, "".join(f"{key}: {value:g}\n" for key, value in data.items()))

    def setting_span(self, loaded: LoadedConfig, name: str) -> Span | None:
        entry = loaded.model.get(name)
        return entry[1] if entry else None


TOY_FILE = "toy-schedule\nlr = 0.5\nstep = 10\ngamma = 0\niterations = 40\n"


TOY = Toy()


@pytest.fixture
def toy(monkeypatch, tmp_path):
    # adding a framework is one line in the registry
    monkeypatch.setitem(frameworks.PLUGINS, "toy", "tests.test_plugin:TOY")
    path = tmp_path / "run.toy"
    path.write_text(TOY_FILE)
    return path


def test_show(toy, capsys):
    assert main(["show", str(toy)]) == 0
    assert capsys.readouterr().out == "lr: 0.5\nstep: 10\ngamma: 0\niterations: 40\n"
    assert main(["show", "--format", "json", str(toy)]) == 0
    assert json.loads(capsys.readouterr().out) == {"lr": 0.5, "step": 10, "gamma": 0, "iterations": 40}


def test_schedule(toy, capsys):
    assert main(["schedule", str(toy), "--at", "1,9,10,40"]) == 0
    # 0.5 * 0 ** (k // 10): 0 ** 0 = 1 below k = 10, then exactly 0
    assert capsys.readouterr().out == "1\t0.5\n9\t0.5\n10\t0.0\n40\t0.0\n"


def test_lint_runs_the_schedule_rules_and_points_into_the_toy_file(toy, capsys):
    assert main(["lint", "--format", "json", str(toy)]) == 1
    found = json.loads(capsys.readouterr().out)
    # the rate is 0 for updates 10..40 (31 of them), and gamma is written on line 4
    assert [(d["code"], d["line"]) for d in found if d["code"] == "LR001"] == [("LR001", 4)]
    assert "31 updates, 10 to 40" in next(d["message"] for d in found if d["code"] == "LR001")
    # no darknet or Caffe rule ran on it
    assert {d["code"][:2] for d in found} <= {"LR", "RS"}


def test_an_unreadable_toy_file_is_one_line(toy, capsys):
    toy.write_text("toy-schedule\nlr = fast\n")
    assert main(["schedule", str(toy)]) == 2
    assert capsys.readouterr().err == f"{toy}:2:6: not a number: 'fast'\n"


# extend: the neutral planner on any plug-in's schedule, the plug-in's own text edit

class EditableToyArithmetic(ToyArithmetic):
    def setting_key(self, schedule: Schedule, parameter: str) -> str:
        return {"base_lr": "lr", "horizon": "iterations"}.get(parameter, parameter)


class EditableToy(Toy):
    """The toy with the config keys of its parameters and a text edit: enough for ``cfgtools extend``."""

    def schedule(self, loaded: LoadedConfig, options: RunOptions) -> Schedule:
        return super().schedule(loaded, options).model_copy(update={"arithmetic": EditableToyArithmetic()})

    def edit_text(self, loaded: LoadedConfig, changes) -> str:
        lines = loaded.source.text.split("\n")
        for key, value in changes.items():
            at = next(i for i, line in enumerate(lines) if line.partition("=")[0].strip() == key)
            lines[at] = f"{key} = {value}"
        return "\n".join(lines)


EDITABLE_TOY = EditableToy()


def test_extend_cannot_write_for_a_plug_in_without_a_text_edit(toy, capsys):
    toy.write_text("toy-schedule\nlr = 0.5\nstep = 10\ngamma = 0.5\niterations = 40\n")
    assert main(["extend", str(toy), "--from", "15", "--to", "80"]) == 2
    assert capsys.readouterr().err == f"{toy}:1:1: cfgtools cannot edit a toy schedule\n"


def test_extend_plans_and_writes_for_any_plug_in(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(frameworks.PLUGINS, "toy", "tests.test_plugin:EDITABLE_TOY")
    path = tmp_path / "run.toy"
    path.write_text("toy-schedule\nlr = 0.5\nstep = 10\ngamma = 0.5\niterations = 40\n")
    new = tmp_path / "new.toy"
    assert main(["extend", str(path), "--from", "15", "--to", "80", "--prefer", "step", "-o", str(new)]) == 0
    # after 15 updates the toy ran at 0.5 * 0.5 ** (15 // 10) = 0.25 and ends at 0.5 * 0.5 ** 4 = 0.03125;
    # 80 updates with step 10 would end at 0.5 ** 9. No single step keeps update 16 on the second level and
    # puts update 80 on the fifth, so lr = 0.25 with step 21 starts the levels at the resume: 80 // 21 = 3
    assert new.read_text() == "toy-schedule\nlr = 0.25\nstep = 21\ngamma = 0.5\niterations = 80\n"
    assert main(["schedule", str(new), "--at", "16,80"]) == 0
    assert capsys.readouterr().out.splitlines()[-2:] == ["16\t0.25", "80\t0.03125"]
