"""``cfgtools lint CFG --log TRAIN.log``: the log's findings join the config's; --resume-from log."""

from __future__ import annotations

import json
import re

import pytest

from cfgtools.cli import main
from tests.trainlog.trainlog_helpers import FIXTURES, edit_rows, pj_detector_rate

PJ_CFG = FIXTURES / "pj_detector.cfg"
PJ_LOG = (FIXTURES / "pj_detector.log").read_text()


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")


def lint(capsys, *argv) -> tuple[int, list[dict], str]:
    code = main(["lint", "--format", "json", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_the_logs_findings_join_the_configs(capsys, tmp_path):
    log = tmp_path / "train.log"
    log.write_text(edit_rows(PJ_LOG, lambda f: {**f, "loss": "nan"} if int(f["iteration"]) >= 40 else f))
    code, found, err = lint(capsys, PJ_CFG, "--log", log, "--dialect", "pjreddie")
    assert code == 1 and err == ""
    by_path = {(d["path"], d["code"]) for d in found}
    # the config's own findings (LR001: poly's rate is 0 at max_batches) and the log's NaN
    assert (str(PJ_CFG), "LR001") in by_path and (str(log), "LG006") in by_path
    nan = next(d for d in found if d["code"] == "LG006")
    assert nan["line"] == log.read_text().split("\n").index(next(
        line for line in log.read_text().split("\n") if line.startswith("40: nan"))) + 1


def test_without_log_no_lg_rule_runs(capsys):
    code, found, _ = lint(capsys, PJ_CFG, "--dialect", "pjreddie")
    assert not [d for d in found if d["code"].startswith("LG")]


def test_resume_from_the_logs_last_iteration(capsys, tmp_path):
    # the first 30 iterations of the pjreddie fixture (poly, max_batches=60), resumed with max_batches=120:
    # 0.001 * (1 - 30/60)^2 = 0.00025 at 30, then 0.001 * (1 - 31/120)^2 = 0.000550 at 31: x2.2
    lines = PJ_LOG.split("\n")
    cut = next(i for i, line in enumerate(lines) if line.startswith("31: "))
    log = tmp_path / "train.log"
    log.write_text("\n".join(lines[:cut]) + "\n")
    new = tmp_path / "new.cfg"
    new.write_text(PJ_CFG.read_text().replace("max_batches=60", "max_batches=120"))
    code, found, _ = lint(capsys, new, "--log", log, "--resume-from", "log", "--previous", PJ_CFG,
                          "--dialect", "pjreddie", "--select", "RS001")
    (spike,) = found
    assert code == 1 and spike["code"] == "RS001" and spike["path"] == str(new)
    ratio = (0.001 * (1 - 31 / 120) ** 2) / pj_detector_rate(30)
    assert f"resuming from iteration 30: the rate jumps x{ratio:.3g}" in spike["message"]


@pytest.mark.parametrize("argv, message", [
    ([str(PJ_CFG), "--resume-from", "log"], "--resume-from log needs --log TRAIN.log"),
    ([str(PJ_CFG), str(FIXTURES / "ab_detector.cfg"), "--log", "train.log"],
     "--log goes with one config: the one the run trained with"),
    ([str(FIXTURES), "--log", "train.log"], "--log goes with one config: the one the run trained with"),
])
def test_usage_errors(capsys, argv, message):
    code = main(["lint", *argv])
    assert code == 2 and capsys.readouterr().err == f"cfgtools lint: error: {message}\n"


def test_an_unreadable_log_is_one_line_and_the_config_is_still_linted(capsys, tmp_path):
    log = tmp_path / "train.log"
    log.write_bytes(b"\x00\x01\x02\x03" * 5000)
    code, found, err = lint(capsys, PJ_CFG, "--log", log, "--dialect", "pjreddie")
    assert code == 2 and re.fullmatch(re.escape(str(log)) + r":1:1: binary data, not a text training log\n", err)
    assert {d["code"] for d in found} >= {"LR001"}


def test_the_cache_never_serves_a_stale_log(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CFGTOOLS_CACHE_DIR", str(tmp_path / "cache"))
    log = tmp_path / "train.log"
    log.write_text(PJ_LOG)
    assert lint(capsys, PJ_CFG, "--log", log, "--dialect", "pjreddie", "--select", "LG")[1] == []
    log.write_text(edit_rows(PJ_LOG, lambda f: {**f, "loss": "inf"} if f["iteration"] == "20" else f))
    assert [d["code"] for d in lint(capsys, PJ_CFG, "--log", log, "--dialect", "pjreddie", "--select", "LG")[1]] == ["LG006"]
