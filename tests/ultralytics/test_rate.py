"""The ultralytics schedule in the neutral model: what rates(), columns() and period_ends() give."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cfgtools.schedule.evaluate import evaluate, rate_at
from cfgtools.schedule.model import FrameworkDefined
from cfgtools.ultralytics.rate import ARITHMETIC, run_of, schedule_for_run, weights_group
from cfgtools.ultralytics.schedule import Resume, ScheduleError, TrainingConfig, YoloSchedule
from cfgtools.ultralytics.versions import get_version

CONFIG = TrainingConfig(lr0=0.01, lrf=0.01, momentum=0.937, warmup_epochs=3.0, warmup_momentum=0.8,
                        warmup_bias_lr=0.1, epochs=10, batch=16)


def test_the_neutral_schedule_of_a_run():
    schedule = schedule_for_run(CONFIG, get_version("yolov5-7.0"), 50, "opt.yaml")
    assert (schedule.framework, schedule.dialect, schedule.first_update, schedule.horizon) == \
        ("ultralytics", "yolov5-7.0", 0, 500)
    assert schedule.last_update == 499 and schedule.base_lr == 0.01
    assert isinstance(schedule.policy, FrameworkDefined) and schedule.policy.name == "ultralytics"
    # the parameters are plain data: the schedule dumps to JSON like any other
    dumped = json.loads(schedule.model_dump_json())
    assert dumped["policy"]["kind"] == "framework" and dumped["policy"]["parameters"]["config"]["lr0"] == 0.01
    assert dumped["policy"]["parameters"]["batches_per_epoch"] == 50
    # the settings behind the neutral parameters (what extend names in its summary and edits)
    assert [ARITHMETIC.setting_key(schedule, name) for name in ("horizon", "base_lr", "power")] == \
        ["epochs", "lr0", "power"]


def test_rates_are_the_weights_group():
    # v7.0: groups bias, weight, bn; nw = max(round(3 * 50), 100) = 150. At ni = 75 (epoch 1), half-way through
    # the warm-up, the weights are at interp(75, [0, 150], [0, lr0 lf(1)]) = 0.5 * 0.01 * ((1 - 1/10) 0.99 + 0.01)
    schedule = schedule_for_run(CONFIG, get_version("yolov5-7.0"), 50)
    assert weights_group(run_of(schedule)) == 1
    assert rate_at(schedule, 75) == pytest.approx(0.5 * 0.01 * (0.9 * 0.99 + 0.01), rel=1e-15)
    # epoch 9 (after the warm-up, scheduler stepped at the end of epoch 8): lr0 lf(8) = 0.01 (0.2 0.99 + 0.01)
    assert rate_at(schedule, 499) == pytest.approx(0.01 * (0.2 * 0.99 + 0.01), rel=1e-15)
    assert evaluate(schedule, [0, 75, 499]).dtype == np.float64


def test_8_4_weights_come_first():
    schedule = schedule_for_run(CONFIG, get_version("ultralytics-latest"), 50)
    assert weights_group(run_of(schedule)) == 0
    assert rate_at(schedule, 0) == 0.0  # the weights warm up from 0; the biases (last in 8.4) from 0.1


def test_rates_outside_the_run_are_nan_and_any_order_works():
    schedule = schedule_for_run(CONFIG, get_version("ultralytics-8.3"), 50)
    values = evaluate(schedule, [499, -1, 500, 0, 499])
    assert np.isnan(values[[1, 2]]).all()
    assert values[0] == values[4] == rate_at(schedule, 499)
    assert values[3] == 0.0


def test_columns_are_the_rows_of_the_run():
    schedule = schedule_for_run(CONFIG, get_version("ultralytics-8.3"), 50)
    names = ARITHMETIC.column_names(schedule)
    assert names == ("epoch", "lr_pg0", "lr_pg1", "lr_pg2", "momentum_pg0", "momentum_pg1", "momentum_pg2",
                     "accumulate", "step")
    iterations = np.array([7, 0, 160, 499])
    columns = ARITHMETIC.columns(schedule, iterations)
    rows = YoloSchedule(CONFIG, get_version("ultralytics-8.3"), 50).rows_at(np.sort(iterations))
    order = np.argsort(iterations)
    for group in range(3):
        np.testing.assert_array_equal(columns[f"lr_pg{group}"][order], rows.lr[group])
        np.testing.assert_array_equal(columns[f"momentum_pg{group}"][order], rows.momentum[group])
    assert columns["epoch"].tolist() == [0, 0, 3, 9]
    assert columns["accumulate"][order].tolist() == rows.accumulate.tolist()
    assert columns["step"].dtype == np.int64 and set(columns["step"].tolist()) <= {0, 1}
    with pytest.raises(ValueError, match="outside the run"):
        ARITHMETIC.columns(schedule, [500])


def test_eight_columns_per_kind_under_musgd():
    config = CONFIG.model_copy(update={"optimizer": "auto", "images": 500_000, "classes": 80, "epochs": 40})
    schedule = schedule_for_run(config, get_version("ultralytics-latest"), 50)
    names = ARITHMETIC.column_names(schedule)
    assert names[1:9] == tuple(f"lr_pg{g}" for g in range(8)) and len(names) == 1 + 16 + 2
    # MuSGD groups: weight x3, weight x1, ...: the lr stands for the 1x weights group
    assert weights_group(run_of(schedule)) == 1


def test_period_ends_are_the_last_iteration_of_each_epoch():
    schedule = schedule_for_run(CONFIG, get_version("yolov5-7.0"), 50)
    assert ARITHMETIC.period_ends(schedule, "epoch").tolist() == [49 + 50 * e for e in range(10)]
    assert ARITHMETIC.period_ends(schedule, "week") is None


def test_a_resume_through_the_neutral_interface():
    old = CONFIG
    new = CONFIG.model_copy(update={"epochs": 20})
    schedule = schedule_for_run(new, get_version("yolov5-7.0"), 50)
    resume = Resume(start_epoch=8, previous=old)
    # epoch 8 trains at the restored lr0 lf_old(7); epoch 9 at lr0 lf_new(8) with E = 20
    assert rate_at(schedule, 8 * 50, resume=(400, resume)) == pytest.approx(0.01 * (0.3 * 0.99 + 0.01), rel=1e-15)
    assert rate_at(schedule, 9 * 50, resume=(400, resume)) == pytest.approx(0.01 * (0.6 * 0.99 + 0.01), rel=1e-15)
    assert np.isnan(rate_at(schedule, 0, resume=(400, resume)))  # before the resume: not in this run
    with pytest.raises(ValueError, match="carries its Resume"):
        rate_at(schedule, 400, resume=(400, None))


def test_an_impossible_run_is_a_schedule_error():
    with pytest.raises(ScheduleError, match="epochs = 1 crashes it"):
        schedule_for_run(CONFIG.model_copy(update={"epochs": 1}), get_version("yolov5-5.0"), 50)
