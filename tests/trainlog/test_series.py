"""log_series folds a log's rows into plot columns; log_events picks the findings to mark."""

from __future__ import annotations

import re

import numpy as np

from cfgtools.logs import read_log
from cfgtools.loading import load
from cfgtools.trainlog.segments import MAX_SEGMENTS
from cfgtools.trainlog.series import EVENT_MARKS, iteration_range, log_events, log_series
from tests.trainlog.trainlog_helpers import FIXTURES, edit_rows, pj_detector_rate

PJ_LOG = (FIXTURES / "pj_detector.log").read_text()
PJ_CFG = FIXTURES / "pj_detector.cfg"


def pj_reading(tmp_path, text=PJ_LOG):
    path = tmp_path / "train.log"
    path.write_text(text)
    return read_log(path, load(PJ_CFG, {"darknet": "pjreddie"}))


def test_one_column_per_iteration_holds_each_rows_numbers(tmp_path):
    reading = pj_reading(tmp_path)
    assert iteration_range(reading.report) == (1, 60)
    series = log_series(reading.log, reading.schedule, 1, 60, 60)
    assert series.rows == 60
    losses = {int(k): float(loss) for k, loss in re.findall(r"(?m)^(\d+): ([\d.]+), ", PJ_LOG)}
    assert series.loss.low[0] == losses[1] and series.loss.high[9] == losses[10]
    # the config's rate where it agrees with the printed one is drawn as printed: the two series coincide
    assert np.array_equal(series.expected.low, series.rate.low)
    assert series.rate.low[19] == float(f"{pj_detector_rate(20):f}")


def test_a_disagreeing_rate_shows_apart_from_the_configs(tmp_path):
    text = edit_rows(PJ_LOG, lambda f: {**f, "rate": "0.004000"} if f["iteration"] == "30" else f)
    reading = pj_reading(tmp_path, text)
    series = log_series(reading.log, reading.schedule, 1, 60, 60)
    assert series.rate.low[29] == 0.004
    assert series.expected.low[29] == pj_detector_rate(30)  # the exact float32 rate, not the printed one


def test_many_iterations_per_column_keep_the_extremes(tmp_path):
    text = edit_rows(PJ_LOG, lambda f: {**f, "loss": "900.000000"} if f["iteration"] == "33" else f)
    reading = pj_reading(tmp_path, text)
    series = log_series(reading.log, reading.schedule, 1, 60, 6)  # 10 iterations a column
    assert series.loss.high[3] == 900.0 and series.loss.low[3] < 20


def test_a_nan_is_counted_not_drawn_and_marked(tmp_path):
    text = edit_rows(PJ_LOG, lambda f: {**f, "loss": "-nan"} if int(f["iteration"]) >= 50 else f)
    reading = pj_reading(tmp_path, text)
    series = log_series(reading.log, reading.schedule, 1, 60, 60)
    assert series.loss.skipped == 11 and np.isnan(series.loss.low[49])
    (event,) = log_events(reading.report)
    assert (event.iteration, event.mark) == (50, EVENT_MARKS["loss-nonfinite"])
    assert event.label.startswith("loss-nonfinite at iteration 50 (line ")


def test_without_a_schedule_only_the_logged_rate(tmp_path):
    reading = read_log(FIXTURES / "pj_detector.log")
    series = log_series(reading.log, reading.schedule, 1, 60, 60)
    assert np.all(np.isnan(series.expected.low)) and not np.all(np.isnan(series.rate.low))


def test_runs_merged_past_the_segment_cap_are_folded_in_order(tmp_path):
    # past MAX_SEGMENTS the runs are merged into the last one: its counter goes back within a chunk
    spike = MAX_SEGMENTS + 5  # a run merged into the last segment, in the middle of its rows
    rows = "".join(f"{k}: {999.0 if run == spike else 1.0:f}, 1.0 avg, 0.001000 rate, 0.1 seconds, {8 * k} images\n"
                   for run in range(MAX_SEGMENTS + 20) for k in (1, 2))
    reading = pj_reading(tmp_path, rows)
    series = log_series(reading.log, reading.schedule, 1, 2, 2)
    assert reading.report.segments[-1].merged_runs == 20
    assert (series.loss.low.tolist(), series.loss.high.tolist()) == ([1.0, 1.0], [999.0, 999.0])
