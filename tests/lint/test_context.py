"""LintContext's training-log view: the log read once against the linted config, and --resume-from log."""

from __future__ import annotations

import pytest

from cfgtools.errors import InputError
from cfgtools.lint.context import LintContext
from cfgtools.lint.settings import LintSettings
from cfgtools.loading import load
from tests.trainlog.trainlog_helpers import FIXTURES, ab_detector_rate, line_of

PJ_CFG = FIXTURES / "pj_detector.cfg"
PJ_LOG = FIXTURES / "pj_detector.log"


def context(config, **settings) -> LintContext:
    values = LintSettings(**settings)
    return LintContext(load(config, values.dialects) if config is not None else None, values)


def test_no_log_no_view():
    ctx = context(PJ_CFG)
    assert ctx.view("log") is None and ctx.log_reading is None and not ctx.has(("log",))


def test_the_log_is_read_once_against_the_linted_config(monkeypatch):
    ctx = context(PJ_CFG, log=str(PJ_LOG), dialect="pjreddie")
    report = ctx.view("log")
    assert report.compared == 60 and report.rates_agree and ctx.log_reading.against == "pj_detector.cfg read as pjreddie"
    monkeypatch.setattr("cfgtools.lint.context.read_log", lambda *args: pytest.fail("read twice"))
    assert ctx.log is report


def test_gpus_reach_the_schedule_the_log_is_read_against():
    # ab_detector.log trained on 1 GPU: checked for 2, every rate is half the expected one (the tests' formula)
    report = context(FIXTURES / "ab_detector.cfg", log=str(FIXTURES / "ab_detector.log"), gpus=2).log
    assert report.compared == 40 and not report.rates_agree
    first = report.checks[0].first_mismatch
    assert first.iteration == 1 and first.expected == ab_detector_rate(1, gpus=2)


def test_without_a_config_the_context_offers_the_log_alone():
    ctx = context(None, log=str(FIXTURES / "googlenet_finetune_2016.log"))
    assert ctx.path == str(FIXTURES / "googlenet_finetune_2016.log") and ctx.kind == "caffe"
    assert ctx.has(("log",)) and not ctx.has(("schedule",)) and ctx.view("net") is None
    assert ctx.log.rates_agree and ctx.log.compared == 48


def test_an_unreadable_log_raises_each_time_it_is_asked_for(tmp_path, monkeypatch):
    empty = tmp_path / "train.log"
    empty.write_bytes(b"")
    ctx = context(PJ_CFG, log=str(empty))
    for _ in range(2):
        with pytest.raises(InputError, match="empty file"):
            ctx.view("log")
        monkeypatch.setattr("cfgtools.lint.context.read_log", lambda *args: pytest.fail("read twice"))


def test_resume_from_log_darknet_is_the_last_logged_batch():
    # darknet prints batch k after update k: 60 updates are done, the resumed run's first is 61
    ctx = context(PJ_CFG, log=str(PJ_LOG), dialect="pjreddie", resume_from="log")
    assert ctx.resume.iteration == 60 and ctx.resume.described == "iteration 60"


def test_resume_from_log_caffe_counts_iteration_zero():
    # Caffe logs iteration i's lr before update i: the last, 119400, means 119401 updates done
    ctx = context(FIXTURES / "googlenet_finetune.solver.prototxt",
                  log=str(FIXTURES / "googlenet_finetune_2016.log"), resume_from="log")
    assert ctx.resume.iteration == 119401


def test_resume_from_a_log_without_iterations_is_one_line(tmp_path):
    log = tmp_path / "train.log"
    log.write_text("Learning Rate: 0.001, Momentum: 0.9, Decay: 0.0005\n")
    ctx = context(PJ_CFG, log=str(log), resume_from="log")
    with pytest.raises(InputError) as raised:
        ctx.view("resume")
    assert raised.value.format() == f"{log}:1:1: --resume-from log: the training log holds no iteration"
    assert line_of(log.read_text(), "Learning Rate") == 1
