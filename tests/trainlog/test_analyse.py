"""Logs read against their config: the GoogLeNet scenario of issue 12, and faults injected into clean fixtures.

Injected rates come from the tests' own formulas (trainlog_helpers); the
expected explanations are the changes the tests made.
"""

from __future__ import annotations

import gzip
import random
import re
import subprocess
import sys

import pytest

from cfgtools.errors import InputError
from cfgtools.loading import load_schedule
from cfgtools.trainlog import compare
from cfgtools.trainlog.analyse import TrainingSetup, analyse_log
from cfgtools.trainlog.findings import (
    HEADER_MISMATCH,
    LOSS_RETURNED,
    RATE_DIFFERENT_CONFIG,
    RATE_GPU_MULTIPLIER,
    RATE_ITERATION_OFFSET,
    RATE_UNEXPLAINED,
    RUN_RESUMED,
    RUN_STOPPED_EARLY,
)
from cfgtools.trainlog.source import open_log
from tests.trainlog.trainlog_helpers import (
    FIXTURES,
    FORMATS,
    ab_detector_rate,
    analyse_text,
    caffe_poly,
    darknet_rate,
    edit_rows,
    finding,
    kinds,
    line_of,
    pj_detector_rate,
    write_big_log,
)

PJ_LOG = (FIXTURES / "pj_detector.log").read_text()
AB_LOG = (FIXTURES / "ab_detector.log").read_text()


def pj_schedule(**changes):
    return load_schedule(FIXTURES / "pj_detector.cfg", "pjreddie").model_copy(update=changes)


def ab_schedule():
    return load_schedule(FIXTURES / "ab_detector.cfg", "alexeyab")


def config(tmp_path, name: str, old: str, new: str):
    text = (FIXTURES / name).read_text()
    assert old in text
    path = tmp_path / ("edited-" + name)
    path.write_text(text.replace(old, new))
    return path


# -- issue 12's GoogLeNet fine-tune ------------------------------------------------------------


def test_googlenet_the_rate_is_the_solvers_and_did_not_cause_the_return():
    log = open_log(FIXTURES / "googlenet_finetune_2016.log", FORMATS)
    report = analyse_log(log, load_schedule(FIXTURES / "googlenet_finetune.solver.prototxt"))
    assert report.rates_agree and report.compared == 48
    returned = finding(report, LOSS_RETURNED)
    text = (FIXTURES / "googlenet_finetune_2016.log").read_text()
    assert (returned.iteration, returned.line) == (119040, line_of(text, "Iteration 119040, loss = 8.3068"))
    numbers = returned.numbers
    assert (numbers["loss"], numbers["rate_before"], numbers["rate"]) == (8.3068, 0.000922632, 0.000922605)
    assert numbers["rate_rose"] is False and numbers["rate_agrees"] is True
    # the solver's poly lr at 119040 (caffe.md 2), worked out with the tests' own float formula
    assert numbers["expected_rate"] == caffe_poly(119040, 0.001, 0.5, 800000)
    assert "changed smoothly from 0.000922632 (iteration 119000) to 0.000922605" in returned.message
    assert "the schedule did not cause this" in returned.message
    # the excerpt ends long before max_iter: said, and nothing else
    assert sorted(kinds(report)) == [LOSS_RETURNED, RUN_STOPPED_EARLY]


def test_googlenet_with_the_solver_printed_in_the_log(tmp_path):
    log = open_log(FIXTURES / "googlenet_finetune_2016.log", FORMATS)

    def printed(segment):
        path = tmp_path / f"segment{segment.index}.prototxt"
        path.write_text(segment.solver_text)
        return load_schedule(path)

    report = analyse_log(log, printed)
    assert report.rates_agree and report.compared == 48 and LOSS_RETURNED in kinds(report)


# -- GPU count ---------------------------------------------------------------------------------


@pytest.mark.parametrize("gpus", [2, 4])
def test_rates_x_gpus_from_iteration_1_are_the_gpu_count_pjreddie(tmp_path, gpus):
    text = edit_rows(PJ_LOG, lambda f: {**f, "rate": f"{pj_detector_rate(int(f['iteration']), gpus):f}",
                                        "images": str(int(f["images"]) * gpus)})
    report = analyse_text(tmp_path, text, pj_schedule(), TrainingSetup(images_per_update=8))
    found = finding(report, RATE_GPU_MULTIPLIER)
    assert found.numbers["gpus"] == gpus and found.numbers["images_confirm"] is True
    assert found.line == line_of(text, "1: ") and "-gpus" in found.message
    assert f"({8 * gpus} images per iteration)" in found.message


@pytest.mark.parametrize("gpus", [2, 4])
def test_rates_x_gpus_alexeyab_confirmed_by_its_batch_line(tmp_path, gpus):
    text = edit_rows(AB_LOG, lambda f: {**f, "rate": f"{ab_detector_rate(int(f['iteration']), gpus):f}",
                                        "images": str(int(f["images"]) * gpus)})
    found = finding(analyse_text(tmp_path, text, ab_schedule()), RATE_GPU_MULTIPLIER)
    assert (found.numbers["gpus"], found.numbers["images_confirm"]) == (gpus, True)


def test_without_the_batch_size_an_integer_ratio_is_not_confirmed(tmp_path):
    text = edit_rows(PJ_LOG, lambda f: {**f, "rate": f"{pj_detector_rate(int(f['iteration']), 2):f}",
                                        "images": str(int(f["images"]) * 2)})
    found = finding(analyse_text(tmp_path, text, pj_schedule()), RATE_GPU_MULTIPLIER)
    assert found.numbers["images_confirm"] is None and "or learning_rate=0.002" in found.message


def test_an_images_column_of_one_gpu_makes_it_another_base_rate(tmp_path):
    text = edit_rows(PJ_LOG, lambda f: {**f, "rate": f"{pj_detector_rate(int(f['iteration']), 2):f}"})
    found = finding(analyse_text(tmp_path, text, pj_schedule(), TrainingSetup(images_per_update=8)),
                    RATE_DIFFERENT_CONFIG)
    assert found.numbers["base_lr"] == 0.002 and "learning_rate=0.002" in found.message


def test_alexeyab_gpu_sync_rows_show_a_later_rate(tmp_path):
    """AlexeyAB on 2 GPUs prints 2, 4, 6 ...; on every 4th iteration seen has 4 more batches (network_kernels.cu)."""

    def change(f):
        n = int(f["iteration"]) * 2
        batch = n + 4 if n % 4 == 0 else n
        return {**f, "iteration": str(n), "rate": f"{ab_detector_rate(batch, 2):f}", "images": str(n * 32)}

    text = edit_rows(AB_LOG, change)
    found = finding(analyse_text(tmp_path, text, ab_schedule()), RATE_GPU_MULTIPLIER)
    assert found.numbers["gpus"] == 2 and found.numbers["gpu_sync_rows"] is True
    assert "sync every 4 iterations" in found.message


# -- iteration offset ----------------------------------------------------------------------------


def test_iterations_1000_ahead_of_the_rates(tmp_path):
    text = edit_rows(PJ_LOG, lambda f: {**f, "iteration": str(int(f["iteration"]) + 1000)})
    report = analyse_text(tmp_path, text, pj_schedule())
    found = finding(report, RATE_ITERATION_OFFSET)
    assert found.numbers["offset"] == -1000
    assert "1000 iterations earlier" in found.message


def test_rates_1000_iterations_ahead(tmp_path):
    def rate(b):  # a longer poly run than the fixture's: max_batches 3000
        return darknet_rate(b, 0.001, burn_in=10, power=2, policy="poly", max_batches=3000)

    text = edit_rows(PJ_LOG, lambda f: {**f, "rate": f"{rate(int(f['iteration']) + 1000):f}"})
    found = finding(analyse_text(tmp_path, text, pj_schedule(horizon=3000, policy=pj_schedule().policy.model_copy(
        update={"max_iter": 3000}))), RATE_ITERATION_OFFSET)
    assert found.numbers["offset"] == 1000 and "1000 iterations later" in found.message


# -- one setting changed ----------------------------------------------------------------------


def test_another_base_rate_is_fitted(tmp_path):
    edited = config(tmp_path, "pj_detector.cfg", "learning_rate=0.001", "learning_rate=0.002")
    report = analyse_text(tmp_path, PJ_LOG, load_schedule(edited, "pjreddie"))
    found = finding(report, RATE_DIFFERENT_CONFIG)
    assert found.numbers["base_lr"] == 0.001 and "learning_rate=0.001 (the config says 0.002)" in found.message
    header = finding(report, HEADER_MISMATCH)
    assert (header.numbers["logged"], header.line) == (0.001, line_of(PJ_LOG, "Learning Rate"))


def test_another_max_batches_is_fitted(tmp_path):
    edited = config(tmp_path, "pj_detector.cfg", "max_batches=60", "max_batches=120")
    found = finding(analyse_text(tmp_path, PJ_LOG, load_schedule(edited, "pjreddie")), RATE_DIFFERENT_CONFIG)
    assert found.numbers["horizon"] == 60 and "max_batches=60 (the config says 120)" in found.message


def test_another_power_is_fitted(tmp_path):
    edited = config(tmp_path, "pj_detector.cfg", "power=2", "power=3")
    found = finding(analyse_text(tmp_path, PJ_LOG, load_schedule(edited, "pjreddie")), RATE_DIFFERENT_CONFIG)
    assert found.numbers["power"] == 2 and "power=2 (the config says 3)" in found.message


def test_other_steps_are_fitted(tmp_path):
    edited = config(tmp_path, "ab_detector.cfg", "steps=24,32", "steps=20,30")
    found = finding(analyse_text(tmp_path, AB_LOG, load_schedule(edited, "alexeyab")), RATE_DIFFERENT_CONFIG)
    assert found.numbers["steps"] == "24,32" and "steps=24,32 (the config says 20,30)" in found.message


def test_caffe_another_max_iter_is_fitted(tmp_path):
    edited = config(tmp_path, "googlenet_finetune.solver.prototxt", "max_iter: 800000", "max_iter: 900000")
    report = analyse_log(open_log(FIXTURES / "googlenet_finetune_2016.log", FORMATS), load_schedule(edited))
    found = finding(report, RATE_DIFFERENT_CONFIG)
    assert found.numbers["horizon"] == 800000 and "max_iter=800000 (the config says 900000)" in found.message


def test_nothing_fits_scrambled_rates(tmp_path):
    rng = random.Random(7)
    text = edit_rows(PJ_LOG, lambda f: {**f, "rate": f"{rng.uniform(0.0001, 0.002):f}"})
    found = finding(analyse_text(tmp_path, text, pj_schedule()), RATE_UNEXPLAINED)
    assert found.numbers["disagree"] == found.numbers["compared"] == 60
    assert "no single change fits every logged rate" in found.message


def test_a_fit_to_the_sample_is_checked_against_every_rate(tmp_path, monkeypatch):
    """Row 47 keeps the config's rate: a candidate fitted on a small sample must fail on it (the second pass)."""
    for name in ("FIRST", "TRANSITIONS", "MISMATCHES", "SPREAD"):
        monkeypatch.setattr(compare.Anchors, name, 4)
    text = edit_rows(PJ_LOG, lambda f: {**f, "rate": f"{pj_detector_rate(int(f['iteration']), 1 if f['iteration'] == '47' else 2):f}"})
    report = analyse_text(tmp_path, text, pj_schedule(), TrainingSetup(images_per_update=8))
    assert RATE_UNEXPLAINED in kinds(report) and RATE_GPU_MULTIPLIER not in kinds(report)


# -- runs with their own solver ----------------------------------------------------------------


def test_each_caffe_run_with_the_solver_it_printed(tmp_path):
    log = open_log(FIXTURES / "caffe_resume.log", FORMATS)

    def printed(segment):
        path = tmp_path / f"segment{segment.index}.prototxt"
        path.write_text(segment.solver_text)
        return load_schedule(path)

    report = analyse_log(log, printed)
    assert report.rates_agree and report.compared == 40
    resumed = finding(report, RUN_RESUMED)
    # 0.3 * (1 - 20/40) after 0.1 * (1 - 19/40): the printed values 0.15 and 0.0525
    assert (resumed.numbers["rate_before"], resumed.numbers["rate_after"]) == (0.0525, 0.15)
    assert resumed.numbers["rate_ratio"] == 0.15 / 0.0525 and resumed.numbers["spike"] is True


def test_a_run_resumed_with_an_edited_config_is_explained_run_by_run(tmp_path):
    """Caffe resume log, solver of the first run given: the second run fits base_lr=0.3."""
    first_solver = tmp_path / "first.prototxt"
    log = open_log(FIXTURES / "caffe_resume.log", FORMATS)
    segments_text = [e.detail for e in log.records() if getattr(e, "kind", None) == "solver"]
    first_solver.write_text(segments_text[0])
    report = analyse_log(log, load_schedule(first_solver))
    found = finding(report, RATE_DIFFERENT_CONFIG)
    assert found.numbers["segment"] == 1 and found.numbers["base_lr"] == 0.3


# -- bad input: one clean line, or no findings; never a traceback -----------------------------


def junk_between_lines(text: str) -> bytes:
    rng = random.Random(5)
    out = []
    for line in text.encode().split(b"\n"):
        out.append(line)
        if rng.random() < 0.3:
            out.append(bytes(rng.choice(b"\x00\x07\x1b\r\t abc\xff\xfe[];:,.0123456789") for _ in range(rng.randint(0, 300))))
    return b"\n".join(out)


BAD_INPUTS = {
    "random bytes": lambda: random.Random(1).randbytes(20000),
    "truncated gzip": lambda: (lambda packed: packed[: len(packed) // 2])(gzip.compress(PJ_LOG.encode())),
    "gzip of random bytes": lambda: gzip.compress(random.Random(2).randbytes(20000)),
    "binary weights file": lambda: (FIXTURES.parent / "checkpoints" / "tiny_final.weights").read_bytes(),
    "empty file": lambda: b"",
    "log of another program": lambda: b"Epoch 1/10\n120/120 [=====] - 3s 21ms/step - loss: 0.6931\n" * 50,
    "junk between the lines": lambda: junk_between_lines(PJ_LOG),
    "one endless line": lambda: b"x" * 3_000_000 + PJ_LOG.encode(),
    "carriage returns only": lambda: PJ_LOG.replace("\n", "\r").encode(),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_gives_one_line_or_no_finding(tmp_path, name):
    path = tmp_path / "bad.log"
    path.write_bytes(BAD_INPUTS[name]())
    try:
        report = analyse_log(open_log(path, FORMATS), pj_schedule())
    except InputError as error:
        assert re.fullmatch(re.escape(str(path)) + r":\d+:\d+: [^\n]+", str(error)), str(error)
        return
    assert report.findings == [], [f.message for f in report.findings]


@pytest.mark.parametrize("name", ["junk between the lines", "one endless line", "carriage returns only"])
def test_mangled_logs_lose_no_row(tmp_path, name):
    path = tmp_path / "mangled.log"
    path.write_bytes(BAD_INPUTS[name]())
    report = analyse_log(open_log(path, FORMATS), pj_schedule())
    assert report.rows == report.compared == 60 and report.rates_agree


MEASURE = """
import resource, sys
from cfgtools.caffe.log import CAFFE_LOG
from cfgtools.darknet.log import DARKNET_LOG
from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.schedule.model import Constant
from cfgtools.trainlog.analyse import analyse_log
from cfgtools.trainlog.source import open_log

log = open_log(sys.argv[1], [DARKNET_LOG, CAFFE_LOG])
schedule = darknet_schedule(dialect="alexeyab", base_lr=0.001, policy=Constant(), horizon=900000)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
report = analyse_log(log, schedule)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(report.rows, report.compared, report.rates_agree, (after - before) // 1024)
"""


def test_analysing_100_mb_keeps_memory_flat(tmp_path):
    """The whole analysis of a 100 MB log in a fresh process: its peak RSS grows by a few MiB, not with the file."""
    path = tmp_path / "big.log"
    rows = write_big_log(path, 100 * 1024 * 1024)
    result = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True)
    analysed, compared, agree, growth_mib = result.stdout.split()
    assert (int(analysed), int(compared), agree) == (rows, rows, "True")
    assert int(growth_mib) < 40


def test_a_config_of_the_other_framework_is_not_compared():
    report = analyse_log(open_log(FIXTURES / "pj_detector.log", FORMATS),
                         load_schedule(FIXTURES / "caffe_multistep.solver.prototxt"))
    assert report.compared == 0 and report.checks[0].skipped == "the config is caffe's, the log darknet's"
    assert report.findings == []


def test_alexeyab_on_the_configured_gpus_agrees_once_the_sync_is_counted(tmp_path):
    def change(f):
        n = int(f["iteration"]) * 2
        batch = n + 4 if n % 4 == 0 else n
        return {**f, "iteration": str(n), "rate": f"{ab_detector_rate(batch, 2):f}", "images": str(n * 32)}

    report = analyse_text(tmp_path, edit_rows(AB_LOG, change), ab_schedule().model_copy(update={"gpus": 2}))
    assert report.rates_agree and report.compared == 40


def test_caffe_other_stepvalues_are_read_off_the_multistep_status_lines(tmp_path):
    edited = config(tmp_path, "caffe_multistep.solver.prototxt", "stepvalue: 20\nstepvalue: 30",
                    "stepvalue: 24\nstepvalue: 36")
    report = analyse_log(open_log(FIXTURES / "caffe_multistep.log", FORMATS), load_schedule(edited))
    found = finding(report, RATE_DIFFERENT_CONFIG)
    assert found.numbers["steps"] == "20,30" and "stepvalue=20,30 (the config says 24,36)" in found.message


def test_caffe_another_stepsize_is_fitted_on_a_real_log(shared, tmp_path):
    corpus = shared / "corpus" / "logs" / "caffe"
    if not (corpus / "step.log").exists():
        pytest.skip("the shared corpus has no step.log")
    solver = (corpus / "step.solver.prototxt").read_text()
    stepsize = int(re.search(r"stepsize: (\d+)", solver).group(1))
    edited = tmp_path / "edited.prototxt"
    edited.write_text(solver.replace(f"stepsize: {stepsize}", f"stepsize: {stepsize + 7}"))
    found = finding(analyse_log(open_log(corpus / "step.log", FORMATS), load_schedule(edited)), RATE_DIFFERENT_CONFIG)
    assert found.numbers["step"] == stepsize and f"stepsize={stepsize} (the config says {stepsize + 7})" in found.message
