"""The schedule-aware rules (LR*, RS*): fixtures with the problem and without, and the numbers.

Fixtures in fixtures/lint/ say what they expect in their first lines:
``# expect: CODE line N`` (or ``# expect: nothing``) and ``# args: ...`` for
the command-line options the scenario needs (paths relative to the fixture).
Every number asserted here is worked out in the test from the reference's
formulas, not taken from cfgtools' output.
"""

from __future__ import annotations

import json
import re
import shlex
import struct
from pathlib import Path

import numpy as np
import pytest

from cfgtools.cli import main
from tests.conftest import FIXTURES

LINT_FIXTURES = FIXTURES / "lint"
NUMERIC_CODES = ("LR001", "LR002", "LR003", "LR004", "LR005", "RS001", "RS002", "RS003")


def fixture_cases():
    for path in sorted(LINT_FIXTURES.iterdir()):
        code = path.name.split("_")[0]
        if code in NUMERIC_CODES and ("_bad" in path.name or "_good" in path.name):
            yield pytest.param(path, code, id=path.name)


def expectations(path: Path) -> tuple[set[tuple[str, int]], list[str]]:
    expected, args = set(), []
    for line in path.read_text().splitlines():
        if match := re.match(r"#\s*expect:\s*([A-Z]+\d+) line (\d+)", line):
            expected.add((match.group(1), int(match.group(2))))
        elif match := re.match(r"#\s*args:\s*(.*)", line):
            args += shlex.split(match.group(1))
    return expected, args


def lint_json(capsys, *args) -> tuple[int, list[dict]]:
    code = main(["lint", "--format", "json", *map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out) if out.strip() else []


@pytest.mark.parametrize("path, code", list(fixture_cases()))
def test_fixture(path, code, capsys, monkeypatch):
    expected, args = expectations(path)
    monkeypatch.chdir(path.parent)
    _, found = lint_json(capsys, path.name, "--select", code, *args)
    assert {(d["code"], d["line"]) for d in found} == expected
    if "_good" in path.name:
        assert expected == set()


def f32(x):
    return np.float32(x)


def darknet_poly(lr, b, max_batches, power=4.0):
    # darknet: lr * pow(1 - (float)b / max_batches, power), the base in float, pow in double
    base = f32(1) - f32(np.float32(b) / np.float32(max_batches))
    return float(f32(np.float64(f32(lr)) * np.float64(base) ** power))


def test_resume_spike_numbers(capsys, monkeypatch):
    """The issue's scenario: poly power 4, batch 300019, max_batches 392480 -> 592480."""
    monkeypatch.chdir(LINT_FIXTURES)
    _, found = lint_json(capsys, "RS001_bad.cfg", "--select", "RS001",
                         "--resume-from", "300019", "--previous", "RS001_previous.cfg")
    (diagnostic,) = found
    old = darknet_poly(0.001, 300019, 392480)  # the last update before the checkpoint
    new = darknet_poly(0.001, 300020, 592480)  # the first update after resuming
    ratio = new / old
    assert 19 < ratio < 20  # "about 19" in the issue
    assert f"x{ratio:.3g}" in diagnostic["message"]
    assert f"{old:.6g}" in diagnostic["message"] and f"{new:.6g}" in diagnostic["message"]
    continuous = 0.001 * ((1 - 300019 / 392480) / (1 - 300020 / 592480)) ** 4
    written = float(diagnostic["fix"]["replacement"])
    assert written == pytest.approx(continuous, rel=1e-4)


def test_zero_rate_says_where_and_why(capsys):
    _, found = lint_json(capsys, LINT_FIXTURES / "LR001_bad.cfg", "--select", "LR001")
    (diagnostic,) = found
    # steps 4800,5400,0 and scales .1,.1,0: the 0 step fires once 5400 has: updates 5400..6000
    assert "601 updates, 5400 to 6000" in diagnostic["message"]
    assert "trailing comma" in diagnostic["message"]


def test_caffe_gamma_unset_zero_rate(capsys):
    _, found = lint_json(capsys, LINT_FIXTURES / "LR001_bad.prototxt", "--select", "LR001")
    (diagnostic,) = found
    # lr = base * pow(0, iter/100): 1 for iter < 100, 0 from 100 to 999
    assert "900 updates, 100 to 999" in diagnostic["message"]
    assert "default is 0" in diagnostic["message"]


def test_negligible_rate_share(capsys):
    _, found = lint_json(capsys, LINT_FIXTURES / "LR003_bad.cfg", "--select", "LR003")
    (diagnostic,) = found
    # the peak is the first update, rate(1) = lr * 0.999; rate(b) is below 1e-3 of it
    # when 0.999**(b-1) < 1e-3, i.e. b - 1 > ln(1e-3)/ln(0.999) = 6904.3: from b = 6906
    first_low = int(np.floor(np.log(1e-3) / np.log(np.float64(np.float32(0.999))))) + 2
    low = 10000 - first_low + 1
    assert f"{low} of 10000 updates" in diagnostic["message"]
    assert f"between iterations {first_low} and 10000" in diagnostic["message"]


def test_rise_and_sgdr_restart_is_info(capsys, tmp_path):
    _, found = lint_json(capsys, LINT_FIXTURES / "LR004_bad.cfg", "--select", "LR004")
    (diagnostic,) = found
    assert diagnostic["severity"] == "warning" and "x10 at update 5400" in diagnostic["message"]
    sgdr = tmp_path / "sgdr.cfg"
    sgdr.write_text("[net]\nwidth=32\nheight=32\nchannels=3\nmax_batches=40\npolicy=sgdr\nsgdr_cycle=8\nsgdr_mult=2\n")
    code, found = lint_json(capsys, sgdr, "--select", "LR004")
    # cycles [0,8], (8,24]: the restart comes at b = 9 (b = 8 is exactly learning_rate_min)
    assert found and {d["severity"] for d in found} == {"info"}
    messages = [d["message"] for d in found]
    assert any("restart at update 9:" in m for m in messages) and any("update 25:" in m for m in messages)
    assert code == 0


def test_stops_before_goal_gives_the_number(capsys, monkeypatch):
    monkeypatch.chdir(LINT_FIXTURES)
    _, found = lint_json(capsys, "LR005_bad.cfg", "--select", "LR005", "--epochs", "100", "--images", "64000")
    (diagnostic,) = found
    # 64 images per update (batch 64 = 16 subdivisions of 4): 100 * 64000 / 64 = 100000 updates
    assert diagnostic["fix"]["replacement"] == "100000"


def test_resume_from_weights_file(capsys, tmp_path, monkeypatch):
    # AlexeyAB header: major 0, minor 2, revision 5, uint64 seen = iteration * batch (64 = 4 x 16)
    weights = tmp_path / "yolo_last.weights"
    weights.write_bytes(struct.pack("<iiiQ", 0, 2, 5, 300019 * 64) + b"\0" * 16)
    monkeypatch.chdir(LINT_FIXTURES)
    _, found = lint_json(capsys, "RS001_bad.cfg", "--select", "RS", "--resume-from", weights,
                         "--previous", "RS001_previous.cfg")
    assert [d["code"] for d in found] == ["RS001"]
    assert "iteration 300019" in found[0]["message"]


def test_caffe_multistep_resume_keeps_the_restored_index(capsys, tmp_path):
    """caffe.md §4: A = {50,150} snapshotted at 100 (current_step 1), resumed into B = {120,130,180}."""
    old = tmp_path / "a.prototxt"
    old.write_text('base_lr: 0.1\nlr_policy: "multistep"\ngamma: 0.5\nstepvalue: 50\nstepvalue: 150\nmax_iter: 200\n')
    new = tmp_path / "b.prototxt"
    new.write_text('base_lr: 0.1\nlr_policy: "multistep"\ngamma: 0.5\nstepvalue: 120\nstepvalue: 130\n'
                   'stepvalue: 180\nmax_iter: 200\n')
    state = tmp_path / "a_iter_100.solverstate"
    state.write_bytes(b"\x08\x64" + b"\x20\x01")  # iter = 100, current_step = 1
    code, found = lint_json(capsys, new, "--select", "RS", "--resume-from", state, "--previous", old)
    # both sides use 0.1 * 0.5**1: no jump (B alone would give 0.1 at iteration 100)
    assert found == [] and code == 0


def test_caffe_poly_resume_spike_threshold(capsys, tmp_path, monkeypatch):
    """caffe.md §4: poly max_iter 200 -> 400 at iter 100: 0.0505 -> 0.075, a 1.49x jump."""
    old = tmp_path / "a.prototxt"
    old.write_text('base_lr: 0.1\nlr_policy: "poly"\npower: 1\nmax_iter: 200\n')
    new = tmp_path / "b.prototxt"
    new.write_text('base_lr: 0.1\nlr_policy: "poly"\npower: 1\nmax_iter: 400\n')
    args = ("--select", "RS001", "--resume-from", "100", "--previous", old)
    assert lint_json(capsys, new, *args)[1] == []  # below the default spike ratio of 2
    (tmp_path / "pyproject.toml").write_text("[tool.cfgtools]\nspike-ratio = 1.4\n")
    monkeypatch.chdir(tmp_path)
    _, found = lint_json(capsys, new, *args)
    (diagnostic,) = found
    ratio = (0.1 * (1 - 100 / 400)) / (0.1 * (1 - 99 / 200))
    assert f"x{ratio:.3g}" in diagnostic["message"]
    assert "0.0505" in diagnostic["message"] and "0.075" in diagnostic["message"]


def test_warm_up_written_with_steps_is_not_a_rise(capsys, tmp_path):
    # steps=-1,100: x0.1 from batch 0 (AlexeyAB applies a negative step at once), x10 at 100 back to
    # the base rate: a first climb, not a spike. The x10 at 900 after the decay at 800 is one.
    cfg = tmp_path / "warm.cfg"
    cfg.write_text("[net]\nwidth=32\nheight=32\nchannels=3\nlearning_rate=0.001\nmax_batches=1000\n"
                   "policy=steps\nsteps=-1,100,800,900\nscales=.1,10,.1,10\n")
    _, found = lint_json(capsys, cfg, "--select", "LR004")
    assert [d["message"].split(":")[0] for d in found] == ["the learning rate rises x10 at update 900"]


def test_unreadable_checkpoint_is_one_clean_line(capsys, tmp_path):
    short = tmp_path / "short.weights"
    short.write_bytes(b"\0\0\0")  # less than the 12-byte version header
    code = main(["lint", str(LINT_FIXTURES / "RS002_bad.cfg"), "--resume-from", str(short)])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.splitlines() == [f"{short}:1:1: not a darknet .weights file: 3 bytes, the version header alone takes 12"]
    assert "could not be checked" in out


def test_exit_zero(capsys):
    bad = LINT_FIXTURES / "LR004_bad.cfg"
    assert main(["lint", str(bad)]) == 1
    assert main(["lint", "--exit-zero", str(bad)]) == 0
    capsys.readouterr()


def test_every_numeric_rule_has_a_bad_and_a_good_fixture():
    from cfgtools.lint.registry import all_rules

    names = {p.name for p in LINT_FIXTURES.iterdir()}
    for code in (c for c in all_rules() if c.startswith(("LR", "RS"))):
        assert any(n.startswith(f"{code}_bad") for n in names), code
        assert any(n.startswith(f"{code}_good") for n in names), code


def test_zero_run_across_evaluation_chunks(capsys, tmp_path):
    # pjreddie's sigmoid is exactly 0 for every b < step (b - step wraps around in size_t), then
    # lr/2 at b == step: a run of zeros from 1 to 1,499,999, longer than one 2**20 chunk
    cfg = tmp_path / "sigmoid.cfg"
    cfg.write_text("[net]\nwidth=32\nheight=32\nchannels=3\nmax_batches=2000000\npolicy=sigmoid\n"
                   "gamma=0.00001\nstep=1500000\n")
    _, found = lint_json(capsys, cfg, "--select", "LR001", "--dialect", "pjreddie")
    (diagnostic,) = found
    assert "1499999 updates, 1 to 1499999" in diagnostic["message"]
    assert "unsigned" in diagnostic["message"]
