"""The road from a training log to its analysis: formats from the plug-ins, the config or the printed solver."""

from __future__ import annotations

import re
from typing import Iterable, Iterator

import pytest

from cfgtools import frameworks
from cfgtools.errors import InputError
from cfgtools.loading import load, load_text
from cfgtools.logs import log_formats, open_training_log, read_log
from cfgtools.plugin import RunOptions
from cfgtools.trainlog.model import SIGNIFICANT_6, Record, Row
from tests.test_plugin import TOY_FILE, Toy
from tests.trainlog.trainlog_helpers import FIXTURES, caffe_poly, line_of

GOOGLENET_LOG = FIXTURES / "googlenet_finetune_2016.log"
#: every "Iteration N, lr = X" line, counted with a plain pattern
LR_LINE = re.compile(rb"\] Iteration (\d+), lr = (\S+)")


def test_the_formats_come_from_the_plug_ins_in_registry_order():
    assert [log_format.name for log_format in log_formats()] == ["darknet", "caffe"]
    assert [f.log_format() for f in frameworks.all_frameworks() if f.log_format() is not None] == log_formats()


@pytest.mark.parametrize("name, framework", [("pj_detector.log", "darknet"), ("ab_classifier.log", "darknet"),
                                             ("hank_detector.log", "darknet"), ("caffe_multistep.log", "caffe"),
                                             ("googlenet_finetune_2016.log", "caffe")])
def test_the_program_is_told_from_the_log(name, framework):
    assert open_training_log(FIXTURES / name).framework == framework


def test_a_caffe_log_alone_is_checked_against_the_solver_it_printed():
    reading = read_log(GOOGLENET_LOG)
    logged = LR_LINE.findall(GOOGLENET_LOG.read_bytes())
    assert reading.report.compared == len(logged) == 48 and reading.report.rates_agree
    assert reading.against == "the Caffe solver printed in the log" and reading.unchecked is None
    # the printed solver is poly, base_lr 0.001, power 0.5, max_iter 800000: the tests' own float formula
    assert all(f"{caffe_poly(int(i), 0.001, 0.5, 800000):.6g}" == text.decode() for i, text in logged)


def test_a_darknet_log_alone_is_read_but_its_rates_are_not_checked():
    reading = read_log(FIXTURES / "pj_detector.log")
    assert reading.report.rows == 60 and reading.report.compared == 0
    assert reading.schedule is None
    assert reading.unchecked == "no darknet cfg was given (--config) and the log prints none"


def test_with_the_config_every_rate_is_checked_with_its_dialect_and_gpus(tmp_path):
    config = load(FIXTURES / "pj_detector.cfg", {"darknet": "pjreddie"})
    reading = read_log(FIXTURES / "pj_detector.log", config)
    assert reading.against == "pj_detector.cfg read as pjreddie" and reading.report.compared == 60
    assert reading.report.rates_agree and reading.unchecked is None
    doubled = read_log(FIXTURES / "pj_detector.log", config, RunOptions(gpus=2))
    assert doubled.against.endswith(" on 2 GPUs") and not doubled.report.rates_agree


def test_the_config_gives_the_batch_momentum_and_decay_darknet_prints(tmp_path):
    text = (FIXTURES / "pj_detector.cfg").read_text()
    config = load_text(text.replace("momentum=0.9", "momentum=0.8"), str(tmp_path / "pj.cfg"), {"darknet": "pjreddie"})
    assert config.framework.log_header(config) == {"momentum": pytest.approx(0.8), "decay": pytest.approx(0.0005)}
    header = next(f for f in read_log(FIXTURES / "pj_detector.log", config).report.findings)
    assert header.kind == "header-mismatch" and "momentum 0.9, the config gives 0.8" in header.message


def test_a_config_of_another_framework_is_refused():
    config = load(FIXTURES / "googlenet_finetune.solver.prototxt")
    with pytest.raises(InputError) as raised:
        read_log(FIXTURES / "pj_detector.log", config)
    assert raised.value.format() == (
        f"{FIXTURES / 'pj_detector.log'}:1:1: a darknet training log cannot be checked against "
        f"{config.path}, a Caffe solver: give the config the run trained with")


def test_a_config_the_framework_would_not_train_leaves_the_rates_unchecked(tmp_path):
    solver = tmp_path / "solver.prototxt"
    solver.write_text('base_lr: 0.01\nlr_policy: "step"\nmax_iter: 100\n')  # stepsize 0: Caffe aborts
    reading = read_log(FIXTURES / "caffe_multistep.log", load(solver))
    assert reading.report.compared == 0 and reading.report.rows > 0
    assert reading.unchecked.startswith(f"{solver} gives no schedule: lr_policy step with stepsize 0")


@pytest.mark.parametrize("old, new, why", [
    ('lr_policy: "poly"', 'lr_policy: "step"', "lr_policy step with stepsize 0"),
    ("max_iter: 800000", "max_iter: {800000", ""),
])
def test_a_printed_solver_that_gives_no_schedule_is_said(tmp_path, old, new, why):
    text = GOOGLENET_LOG.read_text().replace(old, new, 1)
    path = tmp_path / "train.log"
    path.write_text(text)
    reading = read_log(path)
    assert reading.report.compared == 0 and reading.schedule is None and reading.report.rows == 48
    line = line_of(text, "Initializing solver from parameters")
    assert reading.unchecked.startswith(f"the Caffe solver printed at line {line} gives no schedule: {why}")


# -- a framework of its own brings its log format -------------------------------------------------


class ToyLog:
    """``toy step K rate R loss L``: the toy program's iteration lines (six significant digits)."""

    name = "toy"

    def sniff(self, line: bytes) -> bool:
        return line.startswith(b"toy step ")

    def parse(self, chunks: Iterable[tuple[int, bytes]]) -> Iterator[Record]:
        for first, data in chunks:
            for number, line in enumerate(data.split(b"\n"), first):
                words = line.split()
                if len(words) == 7 and words[:2] == [b"toy", b"step"]:
                    yield Row(number, int(words[2]), loss=float(words[6]), rate=float(words[4]),
                              precision=SIGNIFICANT_6)


class ToyWithLogs(Toy):
    def log_format(self) -> ToyLog:
        return TOY_LOG


TOY_LOG = ToyLog()
TOY_WITH_LOGS = ToyWithLogs()


def test_a_plug_ins_log_format_is_all_it_takes(monkeypatch, tmp_path):
    monkeypatch.setitem(frameworks.PLUGINS, "toy", "tests.test_logs:TOY_WITH_LOGS")
    config = tmp_path / "run.toy"
    config.write_text(TOY_FILE)  # lr 0.5, step 10, gamma 0: 0.5 below update 10, then 0
    log = tmp_path / "toy.log"
    log.write_text("".join(f"toy step {k} rate {0.5 if k < 10 else 0:g} loss {4 - 0.05 * k:g}\n" for k in range(1, 41)))
    assert open_training_log(log).framework == "toy"
    reading = read_log(log, load(config))
    assert reading.report.compared == 40 and reading.report.rates_agree
    log.write_text(log.read_text().replace("toy step 12 rate 0 ", "toy step 12 rate 0.25 "))
    assert not read_log(log, load(config)).report.rates_agree
