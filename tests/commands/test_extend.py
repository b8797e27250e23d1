"""``cfgtools extend`` end to end: the issue's scenarios, every policy, refusals, and plans through text and reader.

The planned configs are checked as a user would check them: evaluated by
``cfgtools schedule`` and linted by ``cfgtools lint --resume-from ... --previous
OLD`` (no RS001). The rates a plan must continue from and end at come from the
old config (darknet: update ``s`` before the checkpoint, ``s + 1`` after it;
Caffe: ``s - 1`` and ``s``), never from the plan's report.
"""

from __future__ import annotations

import math
import re
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cfgtools.cli import main
from cfgtools.loading import load, load_source
from cfgtools.plugin import Checkpoint, ExtensionRequest, RunOptions
from cfgtools.schedule.evaluate import rate_at
from cfgtools.schedule.extend import ExtendRefused
from cfgtools.sources import SourceText
from tests.schedule.test_extend import CAFFE, DARKNET, REFUSALS, TOL, check_plan

HEAD = "[net]\nbatch=64\nsubdivisions=16\nwidth=416\nheight=416\nchannels=3\n"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")


def rates(capsys, path: Path, first: int, last: int) -> np.ndarray:
    """``cfgtools schedule PATH --from first --to last``, parsed."""
    assert main(["schedule", str(path), "--from", str(first), "--to", str(last)]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [int(i) for i, _ in rows] == list(range(first, last + 1))
    return np.asarray([float(lr) for _, lr in rows])


def changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    """The lines only in ``old`` and the lines only in ``new`` (by position after the common ones)."""
    removed = [line for line in old.splitlines() if line not in new.splitlines()]
    added = [line for line in new.splitlines() if line not in old.splitlines()]
    return removed, added


def key_of(line: str) -> str:
    return re.split(r"[=:]", line, maxsplit=1)[0].strip()


# ----------------------------------------------------------------------------- the two darknet scenarios of issue 13


def test_longer_poly_lowers_learning_rate_and_offers_power(tmp_path, capsys):
    old = tmp_path / "old.cfg"
    old.write_text(HEAD + "# schedule\nlearning_rate=0.01\nburn_in=1000\nmax_batches=392480\npolicy=poly\npower=4\n")
    assert main(["extend", str(old), "--from", "300019", "--to", "592480"]) == 0
    captured = capsys.readouterr()
    removed, added = changed_lines(old.read_text(), _applied(old.read_text(), captured.out))
    assert removed == ["learning_rate=0.01", "max_batches=392480"]
    # learning_rate * (1 - 300020/592480)^4 = 0.01 * (1 - 300019/392480)^4
    continuous = 0.01 * ((1 - 300019 / 392480) / (1 - 300020 / 592480)) ** 4
    assert added[1] == "max_batches=592480" and added[0].startswith("learning_rate=")
    assert float(added[0].split("=")[1]) == pytest.approx(continuous, rel=1e-6)
    summary = captured.err
    before = 0.01 * (1 - 300019 / 392480) ** 4
    naive = 0.01 * (1 - 300020 / 592480) ** 4
    assert f"x{naive / before:.3g}" in summary and f"x{naive / before:.3g}" == "x19.3"
    assert "plan 1 of 2 (written): lower the base rate" in summary and "plan 2 of 2: change power" in summary
    power = math.log(before / 0.01) / math.log(1 - 300020 / 592480)  # 0.01 * (1 - 300020/592480)^power = before
    assert re.search(r"power 4 -> 8\.19\d*", summary) and f"{power:.4g}" == "8.191"
    # --prefer power writes the other plan
    assert main(["extend", str(old), "--from", "300019", "--to", "592480", "--prefer", "power", "-o", "new.cfg"]) == 0
    new = (tmp_path / "new.cfg").read_text()
    removed, added = changed_lines(old.read_text(), new)
    assert removed == ["max_batches=392480", "power=4"] and float(added[1].split("=")[1]) == pytest.approx(power,
                                                                                                         rel=1e-6)
    assert main(["lint", "new.cfg", "--select", "RS001", "--resume-from", "300019", "--previous", str(old)]) == 0


def test_finished_poly_needs_a_start_and_then_decays_to_zero(tmp_path, capsys):
    old = tmp_path / "old.cfg"
    old.write_text(HEAD + "learning_rate=0.01\nmax_batches=700000\npolicy=poly\npower=4\n")
    assert main(["extend", str(old), "--from", "700000", "--to", "1000000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is 0 (poly's annealing is over" in err and "--start-lr X or --rewind-to ITER" in err
    # 5% of the 700,000 updates back: as far as a resume goes without a jump, so RS001 accepts the plan
    assert "--rewind-to 665000 goes back as far as a resume may" in err
    assert main(["extend", str(old), "--from", "700000", "--to", "1000000", "--rewind-to", "665000",
                 "-o", "near.cfg"]) == 0
    capsys.readouterr()
    near_start = 0.01 * (1 - 665_000 / 700_000) ** 4
    near = rates(capsys, tmp_path / "near.cfg", 700_001, 1_000_000)
    assert near[0] == pytest.approx(near_start, rel=TOL) and near[-1] == 0.0 and np.all(np.diff(near) <= 0)
    assert main(["lint", "near.cfg", "--select", "RS001", "--resume-from", "700000", "--previous", str(old)]) == 0
    capsys.readouterr()
    # the user's restart: learning_rate=0.02 and max_batches=1000000 start at 0.02 * (1 - 700001/1e6)^4
    start = 0.02 * (1 - 700_001 / 1_000_000) ** 4
    assert main(["extend", str(old), "--from", "700000", "--to", "1000000", "--start-lr", f"{start:.9g}",
                 "-o", "new.cfg"]) == 0
    out = capsys.readouterr().out
    new = tmp_path / "new.cfg"
    lrs = rates(capsys, new, 700_001, 1_000_000)
    assert lrs[0] == pytest.approx(start, rel=TOL) and lrs[-1] == 0.0 and np.all(np.diff(lrs) <= 0)
    # the old schedule had that rate at b with 0.01 * (1 - b/700000)^4 = start: the resume goes back there
    rewound = 700_000 * (1 - (start / 0.01) ** 0.25)
    assert re.search(rf"old schedule had at iteration ({math.floor(rewound)}|{math.ceil(rewound)})", out)
    assert "wrote new.cfg" in out
    # the linter still reports the restart from 0 (it is one), and it is the jump the user asked for
    assert main(["lint", "new.cfg", "--select", "RS001", "--resume-from", "700000", "--previous", str(old)]) == 1
    assert f"to {start:.6g} (update 700001" in capsys.readouterr().out


# ----------------------------------------------------------------------------- every policy x resume x new end


def old_config(directory: Path, framework: str, name: str) -> tuple[Path, str]:
    if framework == "darknet":
        body, horizon, dialect = DARKNET[name]
        path = directory / f"{name}.cfg"
        path.write_text(f"{HEAD}learning_rate=0.01\nmax_batches={horizon}\n{body}")
        return path, dialect
    body, horizon = CAFFE[name]
    path = directory / f"{name}.prototxt"
    path.write_text(f'net: "train_val.prototxt"\nbase_lr: 0.01\nmax_iter: {horizon}\nmomentum: 0.9\n{body}')
    return path, "alexeyab"


CASES = [("darknet", name) for name in DARKNET] + [("caffe", name) for name in CAFFE]


@pytest.mark.parametrize("longer", [True, False], ids=["longer", "shorter"])
@pytest.mark.parametrize("where", ["start", "middle", "end"])
@pytest.mark.parametrize("framework,name", CASES, ids=[f"{f}-{n}" for f, n in CASES])
def test_every_policy_through_schedule_and_lint(tmp_path, capsys, framework, name, where, longer):
    old, dialect = old_config(tmp_path, framework, name)
    loaded = load(old, {"darknet": dialect})
    horizon = loaded.schedule().horizon
    s = {"start": horizon // 20, "middle": horizon // 2, "end": horizon - horizon // 20}[where]
    new_end = horizon + horizon // 2 if longer else s + (horizon - s) // 2
    new = tmp_path / f"new{old.suffix}"
    assert main(["extend", str(old), "--from", str(s), "--to", str(new_end), "--dialect", dialect, "-o",
                 str(new)]) == 0
    summary = capsys.readouterr().out
    first = s + 1 if framework == "darknet" else s
    options = ["--dialect", dialect]
    old_rates = rates(capsys, old, 1 if framework == "darknet" else 0, horizon)
    new_rates = rates(capsys, new, first, new_end)
    burn_in = loaded.schedule().burn_in.iterations if loaded.schedule().burn_in is not None else 0
    offset = 1 if framework == "darknet" else 0  # old_rates[i - offset] is the old rate at iteration i
    warm_up = first < burn_in
    reference = old_rates[(first if warm_up else first - 1) - offset]
    target = float(np.float32(1e-5)) if "sgdr" in name else old_rates[horizon - offset]
    if framework == "caffe":  # Caffe's end point, max_iter, is no update: the old run's lr there, by formula
        target = float(_caffe_end(loaded, horizon))
    # continuity (inside burn-in the warm-up continues), monotonicity after burn-in, the end
    if "not exact" not in summary:
        assert new_rates[0] == pytest.approx(reference, rel=TOL, abs=0)
        assert new_rates[-1] == pytest.approx(target, rel=TOL, abs=0)
    tail = np.diff(new_rates[max(0, burn_in - first):])
    level = old_rates[burn_in - offset] if warm_up else reference
    if target < level * (1 - TOL):
        assert np.all(tail <= 0)
    elif target > level * (1 + TOL):
        assert np.all(tail >= 0)
    # the text differs only on the lines of the keys the plan changed
    removed, added = changed_lines(old.read_text(), new.read_text())
    changed_keys = {key_of(line) for line in removed + added}
    assert changed_keys and all(key in summary for key in changed_keys)
    # and the linter sees no jump at the resume point
    assert main(["lint", str(new), "--select", "RS001", "--resume-from", str(s), "--previous", str(old),
                 "--no-cache", *options]) == 0
    assert "RS001" not in capsys.readouterr().out


def _caffe_end(loaded, horizon: int) -> float:
    """The old schedule's rate at max_iter (no update uses it, so ``cfgtools schedule`` does not print it)."""
    return rate_at(loaded.schedule(), horizon)


def _applied(old: str, diff: str) -> str:
    """The new text of a one-file unified diff applied to ``old`` (hunks in order)."""
    lines = old.splitlines(keepends=True)
    out, position = [], 0
    for hunk in re.finditer(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@\n((?:[ +\\-].*\n?)*)", diff, re.MULTILINE):
        start = int(hunk.group(1)) - 1
        out.extend(lines[position:start])
        position = start
        for line in hunk.group(3).splitlines(keepends=True):
            if line.startswith("\\"):
                continue
            if line[0] in " -":
                position += 1
            if line[0] in " +":
                out.append(line[1:])
    out.extend(lines[position:])
    return "".join(out)


# ----------------------------------------------------------------------------- options


def test_epochs_give_the_new_end_from_the_images_per_update(tmp_path, capsys):
    old = tmp_path / "old.cfg"
    old.write_text(HEAD + "learning_rate=0.01\nmax_batches=6000\npolicy=steps\nsteps=4800,5400\nscales=.1,.1\n")
    # 64 images per update (batch 64): 120 epochs of 6400 images are 12000 updates
    assert main(["extend", str(old), "--from", "3000", "--epochs", "120", "--images", "6400", "-o", "new.cfg"]) == 0
    # both steps still fire before the new end, which the old rate 0.01 * .1 * .1 ends on: only the end changes
    assert changed_lines(old.read_text(), (tmp_path / "new.cfg").read_text()) == (["max_batches=6000"],
                                                                                  ["max_batches=12000"])
    assert main(["extend", str(old), "--from", "3000", "--epochs", "120"]) == 2
    assert "--epochs needs --images N or --data FILE.data" in capsys.readouterr().err


def test_keep_and_change_restrict_the_keys(tmp_path, capsys):
    old = tmp_path / "old.cfg"
    old.write_text(HEAD + "learning_rate=0.01\nmax_batches=392480\npolicy=poly\npower=4\n")
    assert main(["extend", str(old), "--from", "300019", "--to", "592480", "--keep", "learning_rate"]) == 0
    out = capsys.readouterr().out
    assert "+power=" in out and "-learning_rate" not in out
    assert main(["extend", str(old), "--from", "300019", "--to", "592480", "--change", "gamma"]) == 2
    assert "would change" in capsys.readouterr().err
    assert main(["extend", str(old), "--from", "300019", "--to", "592480", "--change", "lr"]) == 2
    assert "'lr' is not a setting a plan may change" in capsys.readouterr().err


def test_end_rate_of_steps_gets_new_steps(tmp_path, capsys):
    old = tmp_path / "old.cfg"
    old.write_text(HEAD + "learning_rate=0.01\nmax_batches=1000\npolicy=steps\nsteps=600,800\nscales=.1,.1\n")
    assert main(["extend", str(old), "--from", "900", "--to", "2000", "--end-lr", "1e-7", "-o", "new.cfg"]) == 0
    capsys.readouterr()
    lrs = rates(capsys, tmp_path / "new.cfg", 901, 2000)
    assert lrs[0] == pytest.approx(0.01 * 0.1 * 0.1, rel=TOL) and lrs[-1] == pytest.approx(1e-7, rel=TOL)


def test_clear_restarts_the_warm_up_and_continues_from_the_checkpoints_rate(tmp_path, capsys):
    old = tmp_path / "old.cfg"
    old.write_text(HEAD + "learning_rate=0.01\nburn_in=100\nmax_batches=1000\npolicy=poly\npower=4\n")
    assert main(["extend", str(old), "--from", "900", "--to", "500", "--clear", "-o", "new.cfg"]) == 0
    assert "restarting at iteration 0 on the weights of iteration 900" in capsys.readouterr().out
    lrs = rates(capsys, tmp_path / "new.cfg", 1, 500)
    assert lrs[99] == pytest.approx(0.01 * 0.1 ** 4, rel=TOL)  # update 100: the rate of update 900 before
    # burn-in climbs to the new learning_rate, then poly takes over (darknet's own step at burn_in), and decays
    assert np.all(np.diff(lrs[:99]) >= 0) and np.all(np.diff(lrs[99:]) <= 0) and lrs[-1] == 0.0


def test_caffe_solverstate_restores_the_multistep_index(tmp_path, capsys):
    # caffe.md section 4: stepvalue {50, 150} snapshotted at iteration 100 with current_step 1
    old = tmp_path / "solver.prototxt"
    old.write_text('base_lr: 0.01\nlr_policy: "multistep"\ngamma: 0.5\nstepvalue: 50\nstepvalue: 150\n'
                   "max_iter: 200\n")
    state = tmp_path / "a_iter_100.solverstate"
    state.write_bytes(b"\x08\x64" + b"\x20\x01")  # iter = 100, current_step = 1
    assert main(["extend", str(old), "--from", str(state), "--to", "130", "-o", "new.prototxt"]) == 0
    assert "resuming from " + str(state) + " (iteration 100)" in capsys.readouterr().out
    # 150 moves to 100 + (150 - 100) * (130 - 100) / (200 - 100) = 115; 50 was passed and stays
    assert changed_lines(old.read_text(), (tmp_path / "new.prototxt").read_text()) == (
        ["stepvalue: 150", "max_iter: 200"], ["stepvalue: 115", "max_iter: 130"])


def test_darknet_weights_give_the_iteration(tmp_path, capsys):
    old = tmp_path / "old.cfg"
    old.write_text(HEAD + "learning_rate=0.001\nmax_batches=392480\npolicy=poly\npower=4\n")
    # AlexeyAB header: major 0, minor 2, revision 5, uint64 seen = iteration * batch (64 = 4 x 16)
    weights = tmp_path / "yolo_last.weights"
    weights.write_bytes(struct.pack("<iiiQ", 0, 2, 5, 300019 * 64) + b"\0" * 16)
    assert main(["extend", str(old), "--from", str(weights), "--to", "592480", "-o", "new.cfg"]) == 0
    assert f"resuming from {weights} (seen={300019 * 64}: iteration 300019)" in capsys.readouterr().out


def test_the_plot_in_the_terminal_and_as_an_image(tmp_path, capsys):
    old = tmp_path / "old.cfg"
    old.write_text(HEAD + "learning_rate=0.01\nmax_batches=1000\npolicy=poly\npower=4\n")
    assert main(["extend", str(old), "--from", "500", "--to", "1500", "--plot"]) == 0
    err = capsys.readouterr().err
    assert "* old schedule" in err and "o only the end changed" in err and "+ plan: lower the base rate" in err
    assert "| resume at iteration 500" in err
    pytest.importorskip("matplotlib")
    assert main(["extend", str(old), "--from", "500", "--to", "1500", "--plot", "lr.png", "-o", "new.cfg"]) == 0
    assert (tmp_path / "lr.png").read_bytes().startswith(b"\x89PNG")
    assert "plotted lr.png" in capsys.readouterr().out


# ----------------------------------------------------------------------------- writing, refusals: nothing written


def test_output_is_atomic_and_never_overwrites_without_force(tmp_path, capsys):
    old = tmp_path / "old.cfg"
    text = HEAD + "learning_rate=0.01\nmax_batches=1000\npolicy=poly\npower=4\n"
    old.write_text(text)
    (tmp_path / "new.cfg").write_text("mine")
    assert main(["extend", str(old), "--from", "500", "--to", "1500", "-o", "new.cfg"]) == 2
    assert "already exists (use --force to overwrite)" in capsys.readouterr().err
    assert (tmp_path / "new.cfg").read_text() == "mine"
    assert main(["extend", str(old), "--from", "500", "--to", "1500", "-o", "new.cfg", "--force"]) == 0
    assert "max_batches=1500" in (tmp_path / "new.cfg").read_text()
    assert main(["extend", str(old), "--from", "500", "--to", "1500", "--in-place"]) == 0
    assert "max_batches=1500" in old.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".cfgtools-")] == []


@pytest.mark.parametrize("body,arguments,message", [
    ("learning_rate=0.01\nmax_batches=1000\npolicy=poly\npower=4\n", ["--from", "1200", "--to", "2000"],
     "past the end of the schedule it was trained with (max_batches=1000)"),
    ("learning_rate=0.01\nmax_batches=1000\npolicy=random\n", ["--from", "500", "--to", "2000"],
     "policy random draws the rate at random at every update"),
    ("learning_rate=0.01\nmax_batches=1000\npolicy=constant\n", ["--from", "500", "--to", "2000", "--end-lr", "0.5"],
     "no plan resumes at"),
    ("learning_rate=0.01\nmax_batches=1000\npolicy=poly\n", ["--from", "500", "--to", "2000", "--prefer", "9"],
     "--prefer 9: no such plan"),
    ("learning_rate=0.01\nmax_batches=1000\npolicy=poly\n", ["--from", "nothing.weights", "--to", "2000"],
     "nothing.weights:1:1: no such file"),
])
def test_refusals_are_one_line_exit_2_and_write_nothing(tmp_path, capsys, body, arguments, message):
    old = tmp_path / "old.cfg"
    old.write_text(HEAD + body)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["extend", str(old), *arguments, "-o", "new.cfg"]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.err.count("\n") == 1 and captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize("data", [b"", b"\x00\x01binary", b'base_lr: 0.01\nlr_policy: "fixed"\nmax_iter: {\n'])
def test_unreadable_configs_are_one_line(tmp_path, capsys, data):
    path = tmp_path / "bad.prototxt"
    path.write_bytes(data)
    assert main(["extend", str(path), "--from", "10", "--to", "20"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:") and err.count("\n") == 1


# ----------------------------------------------------------------------------- property: text, plug-in, reader


@st.composite
def configs(draw):
    """The text of a random darknet cfg or Caffe solver, a resume point and a new end."""
    framework = draw(st.sampled_from(["darknet", "caffe"]))
    horizon = draw(st.integers(20, 3000))
    number = st.floats(1e-4, 1e-1).map(lambda x: f"{x:.4g}")
    if framework == "darknet":
        kind = draw(st.sampled_from(["constant", "step", "steps", "exp", "poly", "sigmoid", "sgdr"]))
        dialect = "alexeyab" if kind == "sgdr" else draw(st.sampled_from(["alexeyab", "pjreddie"]))
        lines = [f"learning_rate = {draw(number)}", f"max_batches={horizon}", f"policy={kind}"]
        if kind == "step":
            lines += [f"step={draw(st.integers(1, horizon))}", f"scale={draw(st.sampled_from(['.5', '0.1', '.9']))}"]
        elif kind == "steps":
            steps = sorted(draw(st.lists(st.integers(1, horizon), min_size=1, max_size=3, unique=True)))
            lines += [f"steps={','.join(map(str, steps))}",
                      f"scales={','.join(draw(st.sampled_from(['.1', '.5', '0.25'])) for _ in steps)}"]
        elif kind == "exp":
            lines.append(f"gamma={1 - 10 ** draw(st.floats(-4, -2)):.6f}")
        elif kind == "poly":
            lines.append(f"power={draw(st.sampled_from(['1', '2', '4', '0.9']))}")
        elif kind == "sigmoid":
            lines += [f"gamma={10 ** draw(st.floats(-3, -1)):.4g}", f"step={draw(st.integers(1, horizon))}"]
        elif kind == "sgdr" and draw(st.booleans()):
            lines += [f"sgdr_cycle={draw(st.integers(5, horizon))}", "sgdr_mult=2", "learning_rate_min=0.00001"]
        if draw(st.booleans()):
            lines.append(f"burn_in={draw(st.integers(1, horizon // 3 + 1))}")
        text = HEAD + "# schedule\n" + "\n".join(draw(st.permutations(lines))) + "\n\n[convolutional]\nfilters=3\n"
        name = "a.cfg"
    else:
        kind = draw(st.sampled_from(["fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid"]))
        dialect = "alexeyab"
        lines = [f"base_lr: {draw(number)}", f"max_iter: {horizon}", f'lr_policy: "{kind}"', "momentum: 0.9"]
        if kind == "step":
            lines += [f"stepsize: {draw(st.integers(1, horizon))}", "gamma: 0.5"]
        elif kind == "exp":
            lines.append(f"gamma: {1 - 10 ** draw(st.floats(-4, -2)):.6f}")
        elif kind == "inv":
            lines += [f"gamma: {10 ** draw(st.floats(-4, -1)):.4g}", "power: 0.75"]
        elif kind == "multistep":
            values = sorted(draw(st.lists(st.integers(1, horizon), min_size=1, max_size=3, unique=True)))
            lines += ["gamma: 0.1"] + [f"stepvalue: {v}" for v in values]
        elif kind == "poly":
            lines.append(f"power: {draw(st.sampled_from(['1', '2', '0.9']))}")
        elif kind == "sigmoid":
            lines += [f"gamma: {10 ** draw(st.floats(-3, -1)):.4g}", f"stepsize: {draw(st.integers(1, horizon))}"]
        text = "# solver\n" + "\n".join(draw(st.permutations(lines))) + "\n"
        name = "solver.prototxt"
    s = draw(st.integers(1, horizon))
    new_end = draw(st.integers(s + 1, s + 1 + horizon))
    return SourceText(name, text, False), dialect, s, new_end


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_property_plans_written_as_text_read_back_as_planned(case):
    source, dialect, s, new_end = case
    loaded = load_source(source, {"darknet": dialect})
    old = loaded.schedule()
    try:
        plans = loaded.framework.plan_extension(loaded, Checkpoint(s), ExtensionRequest(new_end=new_end))
    except ExtendRefused as refused:
        assert REFUSALS.search(str(refused)), str(refused)
        return
    for plan in plans:
        text = loaded.framework.edit_text(loaded, {change.key: change.new for change in plan.changes})
        reread = load_source(SourceText(source.path, text, False), {"darknet": dialect}).schedule(RunOptions())
        assert reread.model_dump(exclude={"source"}) == plan.schedule.model_dump(exclude={"source"})
        check_plan(old, plan, s, new_end)
        # only the changed keys' lines differ
        removed, added = changed_lines(source.text, text)
        assert {key_of(line) for line in removed + added} <= {change.key for change in plan.changes}
