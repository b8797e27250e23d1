"""``cfgtools plot --log TRAIN.log [CFG]``: loss and rate panels with the log's events."""

from __future__ import annotations

import re

import pytest

from cfgtools.cli import main
from tests.trainlog.trainlog_helpers import FIXTURES, edit_rows

PJ_LOG = (FIXTURES / "pj_detector.log").read_text()
PJ_CFG = FIXTURES / "pj_detector.cfg"


def plot(capsys, *argv) -> tuple[int, str, str]:
    code = main(["plot", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_two_panels_one_axis_and_the_events(capsys, tmp_path):
    log = tmp_path / "train.log"
    log.write_text(edit_rows(PJ_LOG, lambda f: {**f, "loss": "nan"} if int(f["iteration"]) >= 41 else f))
    code, out, err = plot(capsys, "--log", log, PJ_CFG, "--dialect", "pjreddie")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "train.log: darknet log, checked against pj_detector.cfg read as pjreddie"
    assert "loss: * loss   o avg loss" in lines and "learning rate: * logged rate   o config's rate" in lines
    assert all(len(line) <= 80 for line in lines)
    # iterations 1..60 over 68 columns: iteration 41 is column (41 - 1) * 68 // 60 = 45, after the 11 margin
    events = next(line for line in lines if line.lstrip().startswith("events"))
    assert events.index("N") == 11 + 45
    assert "  N loss-nonfinite at iteration 41 (line " in out
    assert "  * loss (loss): 20 value(s) not drawn (nan/inf)" in out


def test_a_caffe_log_alone_draws_the_printed_solvers_rate(capsys):
    code, out, err = plot(capsys, "--log", FIXTURES / "caffe_resume.log", "--height", "10")
    assert code == 0 and err == ""
    assert "checked against the Caffe solver printed in the log" in out and "  R run-resumed at iteration 20" in out


def test_a_darknet_log_alone_says_the_configs_rate_is_missing(capsys):
    code, out, err = plot(capsys, "--log", FIXTURES / "pj_detector.log")
    assert code == 0 and "learning rate: * logged rate" in out
    assert err == (f"cfgtools plot: note: {FIXTURES / 'pj_detector.log'}: the config's rate is not drawn: no darknet "
                   "cfg was given (--config) and the log prints none\n")


def test_an_image(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "log.png"
    assert plot(capsys, "--log", FIXTURES / "googlenet_finetune_2016.log", "-o", out, "--log-y")[0] == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv, error", [
    ([], r"cfgtools plot: error: no files given\n"),
    (["--log", str(FIXTURES / "pj_detector.log"), str(PJ_CFG), str(PJ_CFG)],
     r"cfgtools plot: error: --log takes at most one config: the one the run trained with\n"),
    (["--log", "missing.log"], r"missing.log:1:1: no such file\n"),
    (["--log", str(FIXTURES / "pj_detector.log"), "--from", "50", "--to", "10"],
     r"cfgtools plot: error: empty iteration range \(--from is after --to, or outside the log\)\n"),
])
def test_usage_and_input_errors_are_one_line(capsys, argv, error):
    code, out, err = plot(capsys, *argv)
    assert code == 2 and out == "" and re.fullmatch(error, err), err


def test_a_log_without_iterations(capsys, tmp_path):
    log = tmp_path / "train.log"
    log.write_text("Learning Rate: 0.001, Momentum: 0.9, Decay: 0.0005\n")
    code, _, err = plot(capsys, "--log", log)
    assert code == 2 and err.endswith(f"{log}:1:1: no iteration line to plot\n")
