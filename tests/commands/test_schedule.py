"""``cfgtools schedule`` through cfgtools.cli.main.

Expected numbers are worked out by hand in comments (or with a numpy closed form).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cfgtools.cli import main

FIX = Path(__file__).resolve().parents[2] / "fixtures"
DN = FIX / "darknet"
CF = FIX / "caffe"
f32 = np.float32


def rows(text: str) -> list[tuple[int, str]]:
    return [(int(a), b) for a, b in (line.split("\t") for line in text.splitlines())]


def test_darknet_rows_one_to_max_batches(capsys):
    assert main(["schedule", str(DN / "policy_step.cfg")]) == 0  # lr .1, step 10, scale .5, max_batches 40
    out = rows(capsys.readouterr().out)
    assert [k for k, _ in out] == list(range(1, 41))
    assert dict(out)[9] == "0.1" and dict(out)[10] == "0.05" and dict(out)[40] == "0.00625"


def test_values_round_trip_float32(capsys):
    assert main(["schedule", str(DN / "policy_exp.cfg")]) == 0  # lr .1 gamma .9
    for k, text in rows(capsys.readouterr().out):
        expected = f32(float(f32(0.1)) * float(f32(0.9)) ** k)
        assert f32(float(text)) == expected


def test_from_zero_to_every_and_at(capsys):
    assert main(["schedule", str(DN / "policy_constant.cfg"), "--from", "0", "--to", "10", "--every", "5"]) == 0
    # burn_in 10 power 4: rate(0) = 0, rate(5) = 0.001f/16, rate(10) = 0.001
    assert rows(capsys.readouterr().out) == [(0, "0.0"), (5, str(f32(float(f32(0.001)) / 16))), (10, "0.001")]
    assert main(["schedule", str(DN / "policy_poly.cfg"), "--at", "20,21"]) == 0
    assert rows(capsys.readouterr().out) == [(20, "0.0"), (21, "nan")]


def test_gpus_4(capsys):
    assert main(["schedule", str(DN / "policy_step.cfg"), "--gpus", "4", "--at", "1,10"]) == 0
    # 0.1f * 4 = 0.4f; at 10 one halving: 0.2f
    assert rows(capsys.readouterr().out) == [(1, str(f32(f32(0.1) * 4))), (10, str(f32(f32(0.1) * 4 * 0.5)))]


def test_caffe_rows_zero_to_max_iter_minus_one_and_csv(capsys):
    assert main(["schedule", str(CF / "policy_multistep.prototxt"), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "iteration,lr"
    body = [line.split(",") for line in lines[1:]]
    assert body[0][0] == "0" and body[-1][0] == "399" and len(body) == 400
    assert body[299][1] == "0.1" and body[300][1] == str(f32(float(f32(0.1)) * float(f32(0.1))))


def test_json(capsys):
    assert main(["schedule", str(DN / "policy_poly.cfg"), "--format", "json", "--from", "19", "--to", "21"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["framework"] == "darknet" and doc["policy"] == "poly"
    assert doc["rows"][1] == [20, 0.0] and doc["rows"][2] == [21, "nan"]


def test_random_note_and_seed(capsys):
    assert main(["schedule", str(DN / "policy_random.cfg"), "--seed", "3", "--at", "1"]) == 0
    captured = capsys.readouterr()
    assert "not reproducible" in captured.err and "--seed 3" in captured.err


def test_pjreddie_dialect_changes_sgdr_to_constant(capsys):
    assert main(["schedule", str(DN / "policy_sgdr.cfg"), "--dialect", "pjreddie", "--at", "8"]) == 0
    assert rows(capsys.readouterr().out) == [(8, "0.1")]
    assert main(["schedule", str(DN / "policy_sgdr.cfg"), "--at", "8"]) == 0
    assert rows(capsys.readouterr().out) == [(8, "0.001")]  # learning_rate_min at the cycle end


def test_bad_files_one_line_exit_2(tmp_path, capsys):
    missing = tmp_path / "nope.cfg"
    assert main(["schedule", str(missing)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{missing}:1:1:") and "\n" not in err
    bad = tmp_path / "bad.prototxt"
    bad.write_text('base_lr: 0.1\nlr_policy: "cosine"\n')
    assert main(["schedule", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{bad}:2:") and "Unknown learning rate policy: cosine" in err
    steps = tmp_path / "steps.cfg"
    steps.write_text("[net]\npolicy=steps\nsteps=10,20\nscales=.1\nmax_batches=30\n")
    assert main(["schedule", str(steps)]) == 2
    assert capsys.readouterr().err.startswith(f"{steps}:4:")


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["schedule", str(DN / "policy_step.cfg"), "--every", "0"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["schedule", str(DN / "policy_step.cfg"), "--format", "xml"])
    assert info.value.code == 2
    assert main(["schedule", str(DN / "policy_step.cfg"), "--at", "1", "--from", "2"]) == 2


def test_zero_horizon_prints_nothing_and_says_why(tmp_path, capsys):
    solver = tmp_path / "solver.prototxt"
    solver.write_text('base_lr: 0.001\nlr_policy: "step"\ngamma: 0.1\nstepsize: 50000\n')
    assert main(["schedule", str(solver)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "max_iter is 0" in captured.err
    assert main(["schedule", str(solver), "--at", "50000"]) == 0
    assert rows(capsys.readouterr().out) == [(50000, str(f32(float(f32(0.001)) * float(f32(0.1)))))]


def test_every_prints_the_multiples_a_log_with_that_display_shows(capsys):
    # policy_constant.cfg: max_batches 40, so updates 1..40; multiples of 10 are 10, 20, 30, 40
    assert main(["schedule", str(DN / "policy_constant.cfg"), "--every", "10"]) == 0
    assert [i for i, _ in rows(capsys.readouterr().out)] == [10, 20, 30, 40]


def test_at_outside_the_run_says_so(capsys):
    # policy_poly.cfg: max_batches 20; rate(21) exists but no update uses it
    assert main(["schedule", str(DN / "policy_poly.cfg"), "--at", "5,21"]) == 0
    err = capsys.readouterr().err
    assert "21: outside the updates 1..20 a run from scratch makes" in err and "5," not in err


@pytest.mark.parametrize("option", [["--at", "99999999999999999999"], ["--from", "2147483648"],
                                    ["--gpus", "100000"], ["--at", "²"], ["--seed", "-1"]])
def test_numbers_out_of_range_are_usage_errors(capsys, option):
    with pytest.raises(SystemExit) as info:
        main(["schedule", str(DN / "policy_poly.cfg"), *option])
    assert info.value.code == 2 and "Traceback" not in capsys.readouterr().err


def test_plateau_has_no_schedule_before_training(capsys):
    # SSD Caffe's plateau follows the training loss: a one-line note with the position, exit 2 (as plot)
    assert main(["schedule", str(CF / "ssd_plateau.prototxt"), "--caffe-fork", "ssd"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"{CF / 'ssd_plateau.prototxt'}:6:12: lr_policy plateau (SSD Caffe) ")
    assert "can only be computed from a training log" in captured.err and len(captured.err.splitlines()) == 1


def test_ssd_multistep_rows(capsys):
    # ssd_pascal.py: base_lr .001, gamma .1, stepvalues 80000/100000/120000: lr(i) = .001 * .1^(#stepvalues <= i)
    assert main(["schedule", str(CF / "ssd_pascal_solver.prototxt"), "--caffe-fork", "ssd",
                 "--at", "0,79999,80000,100000,119999"]) == 0
    out = dict(rows(capsys.readouterr().out))
    expected = {i: f32(float(f32(0.001)) * float(f32(0.1)) ** n)
                for i, n in {0: 0, 79999: 0, 80000: 1, 100000: 2, 119999: 2}.items()}
    assert {i: f32(float(text)) for i, text in out.items()} == expected


def test_dialect_all_is_refused_outside_lint(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["schedule", str(DN / "policy_step.cfg"), "--dialect", "all"])
    assert raised.value.code == 2
    assert "'all' is only for cfgtools lint" in capsys.readouterr().err
