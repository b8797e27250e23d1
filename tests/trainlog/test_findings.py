"""Findings on clean fixtures (none) and on faults injected into them, at the right line and iteration."""

from __future__ import annotations

import pytest

from cfgtools.loading import load_schedule
from cfgtools.trainlog.analyse import TrainingSetup, analyse_log
from cfgtools.trainlog.findings import (
    HEADER_MISMATCH,
    LOSS_EXPLOSION,
    LOSS_NONFINITE,
    LOSS_RETURNED,
    RATE_DIFFERENT_CONFIG,
    RATE_NEAR_ZERO,
    RUN_RESTARTED,
    RUN_RESUMED,
    RUN_STOPPED_EARLY,
    Thresholds,
)
from cfgtools.trainlog.source import open_log
from tests.trainlog.trainlog_helpers import (
    DARKNET_ROW,
    FIXTURES,
    FORMATS,
    analyse_text,
    darknet_rate,
    edit_rows,
    finding,
    kinds,
    line_of,
    pj_detector_rate,
)

PJ_LOG = (FIXTURES / "pj_detector.log").read_text()
PJ_CFG = FIXTURES / "pj_detector.cfg"


def pj_schedule():
    return load_schedule(PJ_CFG, "pjreddie")


@pytest.mark.parametrize(
    "log, config, dialect",
    [("ab_detector.log", "ab_detector.cfg", "alexeyab"), ("pj_detector.log", "pj_detector.cfg", "pjreddie"),
     ("ab_classifier.log", "ab_classifier.cfg", "alexeyab"), ("hank_detector.log", "hank_detector.cfg", "alexeyab"),
     ("caffe_multistep.log", "caffe_multistep.solver.prototxt", "bvlc")],
)
def test_clean_logs_give_no_finding(log, config, dialect):
    report = analyse_log(open_log(FIXTURES / log, FORMATS), load_schedule(FIXTURES / config, dialect))
    assert report.rates_agree and report.compared == report.rows - (1 if log.startswith("caffe") else 0)
    assert report.findings == []


def test_nan_from_iteration_k(tmp_path):
    k = 33
    text = edit_rows(PJ_LOG, lambda f: {**f, "loss": "-nan", "avg": "-nan"} if int(f["iteration"]) >= k else f)
    report = analyse_text(tmp_path, text, pj_schedule())
    found = finding(report, LOSS_NONFINITE)
    assert (found.iteration, found.line) == (k, line_of(text, f"{k}: -nan"))
    assert found.numbers["rate_unusual"] is False and found.numbers["rate_agrees"] is True
    assert found.numbers["rate"] == float(f"{pj_detector_rate(k):f}")
    assert "not unusual" in found.message and LOSS_EXPLOSION not in kinds(report)


def test_nan_right_after_a_rate_spike_says_the_rate_was_unusual(tmp_path):
    k = 33
    text = edit_rows(PJ_LOG, lambda f: {**f, "rate": f"{10 * pj_detector_rate(k):f}"} if int(f["iteration"]) == k
                     else {**f, "loss": "nan"} if int(f["iteration"]) > k else f)
    found = finding(analyse_text(tmp_path, text, pj_schedule()), LOSS_NONFINITE)
    assert found.iteration == k + 1
    text = edit_rows(PJ_LOG, lambda f: {**f, "rate": f"{10 * pj_detector_rate(k):f}", "loss": "inf"}
                     if int(f["iteration"]) == k else f)
    found = finding(analyse_text(tmp_path, text, pj_schedule()), LOSS_NONFINITE)
    assert found.iteration == k and found.numbers["rate_unusual"] is True and found.numbers["rate_agrees"] is False
    assert "infinite" in found.message and "not the config's" in found.message


def test_the_explosion_before_the_nan(tmp_path):
    def change(f):
        i = int(f["iteration"])
        if i >= 40:
            return {**f, "loss": "nan"}
        if i >= 36:
            return {**f, "loss": f"{10.0 ** (i - 33):f}"}  # 1000, 10000, ... (the loss was about 7)
        return f

    text = edit_rows(PJ_LOG, change)
    report = analyse_text(tmp_path, text, pj_schedule())
    explosion = finding(report, LOSS_EXPLOSION)
    assert (explosion.iteration, explosion.numbers["loss"], explosion.numbers["nonfinite_iteration"]) == (36, 1000.0, 40)
    assert explosion.line == line_of(text, "36: 1000.000000")
    assert finding(report, LOSS_NONFINITE).iteration == 40


def test_loss_back_to_its_initial_level_at_k(tmp_path):
    k = 40
    initial = [float(f["loss"]) for f in _fields(PJ_LOG)][:15]
    level = sorted(initial)[7]  # the median of the first 15 losses
    text = edit_rows(PJ_LOG, lambda f: {**f, "loss": f"{level:f}"} if int(f["iteration"]) >= k else f)
    found = finding(analyse_text(tmp_path, text, pj_schedule()), LOSS_RETURNED)
    assert (found.iteration, found.line) == (k, line_of(text, f"{k}: {level:f}"))
    assert found.numbers["initial_loss"] == level
    # the poly rate falls smoothly there: from rate(39) to rate(40), as configured
    assert found.numbers["rate_before"] == float(f"{pj_detector_rate(k - 1):f}")
    assert found.numbers["rate"] == float(f"{pj_detector_rate(k):f}")
    assert found.numbers["rate_rose"] is False and found.numbers["rate_agrees"] is True
    assert "the rate fell from" in found.message and "the schedule did not cause this" in found.message


def test_noise_is_not_a_return(tmp_path):
    """A loss that jumps back up for a few rows only is noise."""
    text = edit_rows(PJ_LOG, lambda f: {**f, "loss": "60.0"} if int(f["iteration"]) in (40, 41, 42, 50) else f)
    assert LOSS_RETURNED not in kinds(analyse_text(tmp_path, text, pj_schedule()))


def _fields(text):

    return [m.groupdict() for m in DARKNET_ROW.finditer(text)]


def test_rate_near_zero_while_the_loss_still_falls(tmp_path):
    """poly power 4: the rate prints 0.000000 (below 5e-7) long before max_batches."""
    config = tmp_path / "power4.cfg"
    config.write_text(PJ_CFG.read_text().replace("power=2", "power=4"))

    def rate(b):
        return darknet_rate(b, 0.001, burn_in=10, power=4, policy="poly", max_batches=60)

    text = edit_rows(PJ_LOG, lambda f: {**f, "rate": f"{rate(int(f['iteration'])):f}"})
    report = analyse_text(tmp_path, text, load_schedule(config, "pjreddie"))
    assert report.rates_agree
    found = finding(report, RATE_NEAR_ZERO)
    # near 0: printed 0.000000, or below a thousandth of the peak rate (rate(10) = 0.001 * (5/6)^4)
    peak = rate(10)
    near = [b for b in range(11, 61) if f"{rate(b):f}" == "0.000000" or float(f"{rate(b):f}") < peak / 1000]
    assert found.numbers["rows"] == len(near) and found.iteration == near[0]
    assert found.numbers["share"] == len(near) / 60 and found.numbers["loss_falls"] is True
    assert found.numbers["expected_rate"] == rate(near[0])
    assert "printed as 0 with 6 decimals" in found.message


def test_a_resume_with_a_rate_jump(tmp_path):
    cut = PJ_LOG.index("Loaded: 0.000032 seconds\nRegion 1 Avg IOU: 0.318802, Class: 0.501120, Obj: 0.497310, No Obj: "
                       "0.500411, .5R: 0.250000, .75R: 0.000000,  count: 8\n31: ")
    first_run = PJ_LOG[:cut]
    # the second run was started with learning_rate=0.003 in the cfg: three times the rate from 31 on
    second_run = edit_rows(PJ_LOG[cut:], lambda f: {**f, "rate": f"{3 * pj_detector_rate(int(f['iteration'])):f}"})
    text = (first_run + "Loading weights from backup/pj_detector.backup...Done!\n"
            "Learning Rate: 0.003, Momentum: 0.9, Decay: 0.0005\n" + second_run)
    report = analyse_text(tmp_path, text, pj_schedule(), TrainingSetup(images_per_update=8))
    resumed = finding(report, RUN_RESUMED)
    before, after = float(f"{pj_detector_rate(30):f}"), float(f"{3 * pj_detector_rate(31):f}")
    assert (resumed.iteration, resumed.line) == (31, line_of(text, "31: "))
    assert (resumed.numbers["rate_before"], resumed.numbers["rate_after"]) == (before, after)
    assert resumed.numbers["rate_ratio"] == after / before and resumed.numbers["spike"] is True
    assert resumed.numbers["weights"] == "backup/pj_detector.backup"
    # the second run follows another config: its rates fit learning_rate=0.003
    assert finding(report, RATE_DIFFERENT_CONFIG).numbers["base_lr"] == 0.003
    assert finding(report, HEADER_MISMATCH).numbers["logged"] == 0.003


def test_a_clear_restart(tmp_path):
    cut = PJ_LOG.index("\n31: ")
    text = PJ_LOG[:cut + 1] + "Learning Rate: 0.001, Momentum: 0.9, Decay: 0.0005\n" + PJ_LOG[PJ_LOG.index("\n1: ") + 1:]
    report = analyse_text(tmp_path, text, pj_schedule())
    restarted = finding(report, RUN_RESTARTED)
    assert (restarted.iteration, restarted.numbers["previous_iteration"]) == (1, 30)
    assert report.rates_agree


def test_a_run_that_stopped_early(tmp_path):
    text = PJ_LOG[: PJ_LOG.index("\n31: ") + 1]
    found = finding(analyse_text(tmp_path, text, pj_schedule()), RUN_STOPPED_EARLY)
    assert (found.numbers["last_iteration"], found.numbers["horizon"], found.numbers["share"]) == (30, 60, 0.5)
    caffe = (FIXTURES / "caffe_multistep.log").read_text()
    text = caffe[: caffe.index("Iteration 30 (")]
    found = finding(analyse_text(tmp_path, text, load_schedule(FIXTURES / "caffe_multistep.solver.prototxt")),
                    RUN_STOPPED_EARLY)
    assert (found.numbers["last_iteration"], found.numbers["horizon"]) == (30, 40)  # the test pass at 30


def test_the_header_against_momentum_and_decay(tmp_path):
    report = analyse_text(tmp_path, PJ_LOG, pj_schedule(), TrainingSetup(momentum=0.95, decay=0.0005))
    found = finding(report, HEADER_MISMATCH)
    assert (found.numbers["name"], found.numbers["logged"], found.numbers["configured"]) == ("momentum", 0.9, 0.95)


def test_thresholds_are_settable(tmp_path):
    report = analyse_text(tmp_path, PJ_LOG, pj_schedule())
    assert RATE_NEAR_ZERO not in kinds(report)
    log = open_log(tmp_path / "train.log", FORMATS)
    report = analyse_log(log, pj_schedule(), thresholds=Thresholds(near_zero_share=0.01))
    assert finding(report, RATE_NEAR_ZERO).numbers["rows"] == 2  # 59 and 60 print 0.000001 and 0.000000


def test_hank_ai_prints_its_header_with_6_decimals(tmp_path):
    text = (FIXTURES / "hank_detector.log").read_text().replace("Decay: 0.000500", "Decay: 0.000512")
    schedule = load_schedule(FIXTURES / "hank_detector.cfg", "alexeyab")
    assert kinds(analyse_text(tmp_path, text, schedule, TrainingSetup(decay=0.00051234))) == []
    found = finding(analyse_text(tmp_path, text, schedule, TrainingSetup(decay=0.0005)), HEADER_MISMATCH)
    assert (found.numbers["name"], found.numbers["logged"]) == ("decay", 0.000512)
