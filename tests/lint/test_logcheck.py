"""check_log: the LG rules over one training log, alone or against a config (what `cfgtools log` runs)."""

from __future__ import annotations

import re

from cfgtools.lint.logcheck import check_log
from cfgtools.lint.settings import LintSettings
from cfgtools.loading import load
from tests.trainlog.trainlog_helpers import FIXTURES, line_of

GOOGLENET = FIXTURES / "googlenet_finetune_2016.log"


def test_only_the_lg_rules_run_and_findings_point_into_the_log():
    settings = LintSettings(log=str(GOOGLENET))
    reading, result = check_log(settings, load(FIXTURES / "googlenet_finetune.solver.prototxt"))
    assert reading.report.rates_agree and result.kind == "caffe" and result.errors == []
    text = GOOGLENET.read_text()
    assert [(d.code, d.path, d.span.line) for d in result.diagnostics] == [
        ("LG008", str(GOOGLENET), line_of(text, "Iteration 119040, loss = 8.3068")),
        ("LG012", str(GOOGLENET), line_of(text, "Iteration 119400, loss")),
    ]


def test_selection_and_severity_apply():
    settings = LintSettings(log=str(GOOGLENET), ignore=["LG012"], severity={"LG008": "error"})
    _, result = check_log(settings)
    assert [(d.code, d.severity.value) for d in result.diagnostics] == [("LG008", "error")]


def test_an_unreadable_log_is_one_error_line(tmp_path):
    path = tmp_path / "train.log"
    path.write_bytes(bytes(range(256)) * 64)
    reading, result = check_log(LintSettings(log=str(path)))
    assert reading is None and result.diagnostics == []
    assert len(result.errors) == 1 and re.fullmatch(re.escape(str(path)) + r":1:1: binary data, not a text training log",
                                                    result.errors[0])


def test_control_bytes_of_the_log_never_reach_a_message(tmp_path):
    text = (FIXTURES / "caffe_resume.log").read_text()
    path = tmp_path / "train.log"
    path.write_text(text.replace("caffe_resume_iter_20.solverstate", "evil\x1b[2J.solverstate"))
    _, result = check_log(LintSettings(log=str(path)))
    (resumed,) = [d for d in result.diagnostics if d.code == "LG010"]
    assert "\x1b" not in resumed.message and "evil\\x1b[2J.solverstate" in resumed.message
