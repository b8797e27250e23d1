"""Caffe glog training logs: the line formats of caffe.md section 5, the printed solver, real logs.

Expected values are the numbers written in the lines; line counts come from plain patterns.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from cfgtools.caffe.log import CAFFE_LOG, solver_text
from cfgtools.loading import load_schedule
from cfgtools.trainlog.analyse import analyse_log
from cfgtools.trainlog.model import (
    CHECKPOINT_SAVED,
    FINETUNING_FROM,
    MULTISTEP_STATUS,
    RESUMING_FROM,
    SIGNIFICANT_6,
    SOLVER,
    STOPPED_EARLY,
    TRAINING_DONE,
    Event,
    Output,
    Row,
)
from cfgtools.trainlog.reader import chunks_of
from cfgtools.trainlog.source import open_log

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "logs"
PREFIX = "I0515 14:43:38.669777  1279 "


def parse(lines: list[str]) -> list[Row | Event]:
    return list(CAFFE_LOG.parse(chunks_of("".join(line + "\n" for line in lines).encode())))


def rows(lines: list[str]) -> list[Row]:
    return [r for r in parse(lines) if isinstance(r, Row)]


def test_the_2016_lines_of_issue_12():
    (row,) = rows([
        PREFIX + "solver.cpp:228] Iteration 119000, loss = 2.70265",
        PREFIX + "solver.cpp:244]     Train net output #0: loss1/loss1 = 2.9 (* 0.3 = 0.87 loss)",
        PREFIX + "sgd_solver.cpp:106] Iteration 119000, lr = 0.000922632",
    ])
    assert (row.iteration, row.loss, row.rate, row.line, row.rate_line) == (119000, 2.70265, 0.000922632, 1, 3)
    assert row.test_outputs == () and row.precision == SIGNIFICANT_6  # train outputs are not kept


def test_the_2017_lines_and_the_year_in_newer_glog():
    (row,) = rows([
        "I20261121 19:23:50.744071 14209 solver.cpp:239] Iteration 3 (-1.32038e+22 iter/s, 0.25s/3 iters), loss = 1.58615",
        "I20261121 19:23:50.744128 14209 sgd_solver.cpp:112] Iteration 3, lr = 1e-05",
    ])
    assert (row.iteration, row.loss, row.seconds, row.rate) == (3, 1.58615, 0.25, 1e-05)


def test_forks_that_append_fields_to_the_lr_line():
    (row,) = rows([PREFIX + "sgd_solver.cpp:128] Iteration 100, lr = 0.01, m = 0.9, wd = 0.0005, gs = 1"])
    assert row.rate == 0.01


def test_test_passes_of_several_nets_join_the_row_of_their_iteration():
    records = rows([
        PREFIX + "solver.cpp:347] Iteration 1000, Testing net (#0)",
        PREFIX + "solver.cpp:414]     Test net output #0: accuracy = 0.5012",
        PREFIX + "solver.cpp:414]     Test net output #1: loss = 1.8 (* 1 = 1.8 loss)",
        PREFIX + "solver.cpp:347] Iteration 1000, Testing net (#1)",
        PREFIX + "solver.cpp:414]     Test net output #0: accuracy = 0.61",
        PREFIX + "solver.cpp:239] Iteration 1000 (2 iter/s, 10s/20 iters), loss = 1.7",
        PREFIX + "sgd_solver.cpp:112] Iteration 1000, lr = 0.001",
    ])
    (row,) = records
    assert row.test_outputs == (Output(0, "accuracy", 0.5012), Output(0, "loss", 1.8), Output(1, "accuracy", 0.61))
    assert [o.label for o in row.test_outputs] == ["accuracy", "loss", "#1/accuracy"]
    assert (row.line, row.loss, row.rate, row.rate_line) == (1, 1.7, 0.001, 7)


def test_nan_and_inf():
    (row,) = rows([PREFIX + "solver.cpp:239] Iteration 20 (1 iter/s, 1s/1 iters), loss = -nan",
                   PREFIX + "sgd_solver.cpp:112] Iteration 20, lr = inf"])
    assert math.isnan(row.loss) and row.rate == math.inf


def test_solver_text_and_events():
    records = parse([
        PREFIX + "caffe.cpp:197] Use CPU.",
        PREFIX + "solver.cpp:45] Initializing solver from parameters: ",
        "base_lr: 0.1",
        "train_state {",
        '  stage: ""',
        "}",
        PREFIX + "caffe.cpp:251] Resuming from snap/ms_iter_100.solverstate",
        PREFIX + "solver.cpp:295] Restoring previous solver status from snap/ms_iter_100.solverstate",
        PREFIX + "caffe.cpp:219] Finetuning from bvlc.caffemodel",
        PREFIX + "sgd_solver.cpp:50] MultiStep Status: Iteration 150, step = 2",
        PREFIX + "solver.cpp:464] Snapshotting to binary proto file snap/ms_iter_200.caffemodel",
        PREFIX + "solver.cpp:332] Optimization Done.",
        PREFIX + "solver.cpp:300] Optimization stopped early.",
    ])
    found = [(e.kind, e.line, e.detail) for e in records if isinstance(e, Event) and e.kind != SOLVER]
    assert found == [
        (RESUMING_FROM, 7, "snap/ms_iter_100.solverstate"), (RESUMING_FROM, 8, "snap/ms_iter_100.solverstate"),
        (FINETUNING_FROM, 9, "bvlc.caffemodel"), (MULTISTEP_STATUS, 10, ""),
        (CHECKPOINT_SAVED, 11, "snap/ms_iter_200.caffemodel"), (TRAINING_DONE, 12, ""), (STOPPED_EARLY, 13, ""),
    ]
    (solver,) = [e for e in records if isinstance(e, Event) and e.kind == SOLVER]
    assert (solver.line, solver.detail) == (2, 'base_lr: 0.1\ntrain_state {\n  stage: ""\n}\n')
    (status,) = [e for e in records if isinstance(e, Event) and e.kind == MULTISTEP_STATUS]
    assert (status.iteration, status.value("step")) == (150, 2)


def test_sniff():
    assert CAFFE_LOG.sniff(b"I1121 19:23:50.551389 14164 caffe.cpp:197] Use CPU.")
    assert CAFFE_LOG.sniff(PREFIX.encode() + b"sgd_solver.cpp:106] Iteration 119000, lr = 0.000922632")
    # glog lines of another program
    assert not CAFFE_LOG.sniff(b"I0515 14:43:38.669777  1279 gpu_device.cc:1406] Created TensorFlow device")
    assert not CAFFE_LOG.sniff(b"Learning Rate: 0.001, Momentum: 0.9, Decay: 0.0005")


def test_solver_text_of_a_fixture_reads_as_the_solver_file(tmp_path):
    text = solver_text(FIXTURES / "googlenet_finetune_2016.log")
    printed = tmp_path / "printed.prototxt"
    printed.write_text(text)
    assert load_schedule(printed) == load_schedule(FIXTURES / "googlenet_finetune.solver.prototxt").model_copy(
        update={"source": str(printed)})


def count_lines(path: Path, pattern: bytes) -> list[int]:
    return [int(m.group(1)) for m in re.finditer(pattern, path.read_bytes())]


@pytest.mark.parametrize("name", ["caffe_multistep", "googlenet_finetune_2016", "caffe_resume"])
def test_fixtures_lose_no_iteration_line(name):
    path = FIXTURES / f"{name}.log"
    parsed = [r for r in open_log(path, [CAFFE_LOG]).records() if isinstance(r, Row)]
    lr_lines = count_lines(path, rb"\] Iteration (\d+), lr = ")
    assert [r.iteration for r in parsed if r.rate is not None] == lr_lines
    iterations = count_lines(path, rb"\] Iteration (\d+)[ ,]")
    assert sorted({r.iteration for r in parsed}) == sorted(set(iterations))


def test_corpus_logs_lose_no_iteration_line_and_agree_with_their_solver(shared, tmp_path):
    logs = sorted((shared / "corpus" / "logs" / "caffe").glob("*.log"))
    if not logs:
        pytest.skip("no Caffe logs in the shared corpus")
    for path in logs:
        solver = path.with_name(path.stem + ".solver.prototxt")
        printed = tmp_path / (path.stem + ".printed.prototxt")
        printed.write_text(solver_text(path))
        # resume_multistep_A.log is the run of multistep_A.resume.prototxt (no solver file of its own)
        configured = load_schedule(solver if solver.exists() else path.with_name("multistep_A.resume.prototxt"))
        assert load_schedule(printed).model_copy(update={"source": ""}) == configured.model_copy(update={"source": ""})
        log = open_log(path, [CAFFE_LOG])
        parsed = [r for r in log.records() if isinstance(r, Row)]
        assert [r.iteration for r in parsed if r.rate is not None] == count_lines(path, rb"\] Iteration (\d+), lr = ")
        assert {r.iteration for r in parsed} == set(count_lines(path, rb"\] Iteration (\d+)[ ,]")), path
        report = analyse_log(log, configured)
        assert report.rates_agree and report.compared == sum(r.rate is not None for r in parsed), path


def test_a_glog_line_glued_after_other_output_is_read():
    (row,) = rows(["[rank 0] progress 50%" + PREFIX + "solver.cpp:228] Iteration 40, loss = 2.5",
                   PREFIX + "sgd_solver.cpp:106] Iteration 40, lr = 0.01"])
    assert (row.iteration, row.loss, row.rate) == (40, 2.5, 0.01)


def test_an_iteration_longer_than_a_c_integer_is_skipped():
    # Caffe's iter_ is a C int: 20 digits cannot come from it (and would overflow the int64 arrays of the check)
    found = rows([PREFIX + "sgd_solver.cpp:112] Iteration 99999999999999999999, lr = 0.01",
                  PREFIX + "solver.cpp:239] Iteration 40 (4.1 iter/s, 0.24s/1 iters), loss = 2.5",
                  PREFIX + "sgd_solver.cpp:112] Iteration 40, lr = 0.01"])
    assert [(r.iteration, r.rate) for r in found] == [(40, 0.01)]
    (status,) = [e for e in parse([PREFIX + "sgd_solver.cpp:50] MultiStep Status: Iteration 9, step = 1",
                                   PREFIX + "sgd_solver.cpp:50] MultiStep Status: Iteration 9, step = "
                                   + "9" * 20]) if isinstance(e, Event)]
    assert status.value("step") == 1
