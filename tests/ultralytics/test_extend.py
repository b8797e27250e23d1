"""The extend maths: continuous lr at the resume, the target at the new end, no epoch-to-epoch rise."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cfgtools.ultralytics.extend import neutral_plan, plan_extension
from cfgtools.ultralytics.schedule import Resume, ScheduleError, TrainingConfig, YoloSchedule
from cfgtools.ultralytics.versions import VERSIONS, get_version

RUN = TrainingConfig(lr0=0.01, lrf=0.01, momentum=0.937, warmup_epochs=3.0, warmup_momentum=0.8,
                     warmup_bias_lr=0.1, epochs=300, batch=16)
NB = 100


def linear(x, epochs, lrf=0.01):
    return (1 - x / epochs) * (1 - lrf) + lrf


@pytest.mark.parametrize("version", ["yolov5-7.0", "ultralytics-8.0"])
def test_300_to_600_by_hand(version):
    plan = plan_extension(RUN, get_version(version), NB, 300, 600)
    # epoch 299 trained at lr0*lf(298); the checkpoint restores lr0*lf(299) for epoch 300; bare, epoch 301
    # trains at lr0*lf'(300) with E2 = 600
    before, restored = 0.01 * linear(298, 300), 0.01 * linear(299, 300)
    assert plan.lr_before == pytest.approx(before, rel=1e-12)
    assert plan.jump_without_edit == pytest.approx(0.01 * linear(300, 600) / before, rel=1e-12)
    assert 29 < plan.jump_without_edit < 31  # "about 0.017 lr0 -> about 0.5 lr0"
    # two linear equations: u - (300/600) v = restored (epoch 301), u - (598/600) v = 0.01*0.01 (epoch 599)
    v = (restored - 1e-4) / ((598 - 300) / 600)
    u = restored + 300 / 600 * v
    assert plan.edits["lr0"] == pytest.approx(u, rel=1e-12)
    assert plan.edits["lrf"] == pytest.approx(1 - v / u, rel=1e-12)
    assert plan.lr_resumed == pytest.approx(restored, rel=1e-12)
    assert plan.lr_end == pytest.approx(1e-4, rel=1e-9)
    assert plan.feasible and plan.largest_ratio <= 1 + 1e-12


def test_300_to_600_when_the_scheduler_steps_first():
    # ultralytics 8.3: epoch 299 trained at lr0*lf(299); epoch 300 resumes at lr0'*lf'(300), the last at lf'(599)
    plan = plan_extension(RUN, get_version("ultralytics-8.3"), NB, 300, 600)
    before = 0.01 * linear(299, 300)
    assert plan.lr_before == pytest.approx(before, rel=1e-12)
    assert plan.jump_without_edit == pytest.approx(0.01 * linear(300, 600) / before, rel=1e-12)
    v = (before - 1e-4) / ((599 - 300) / 600)
    u = before + 300 / 600 * v
    assert plan.edits["lr0"] == pytest.approx(u, rel=1e-12)
    assert plan.edits["lrf"] == pytest.approx(1 - v / u, rel=1e-12)
    assert plan.lr_resumed == pytest.approx(before, rel=1e-12)  # continuous: ratio 1 at the resume


@pytest.mark.parametrize("version", sorted(VERSIONS))
@pytest.mark.parametrize("cos_lr", [False, True])
def test_every_ratio_after_the_resume_is_at_most_one(version, cos_lr):
    run = RUN.model_copy(update={"cos_lr": cos_lr})
    plan = plan_extension(run, get_version(version), NB, 300, 600)
    assert plan.feasible, plan.reason
    # recompute the resumed schedule from the edits, independently of the plan's own numbers
    edited = run.model_copy(update={k: v for k, v in plan.edits.items()})
    schedule = YoloSchedule(edited, get_version(version), NB, Resume(start_epoch=300, previous=run))
    lrs = schedule.epoch_rows().lr
    before = YoloSchedule(run, get_version(version), NB).epoch_rows().lr[:, -1]
    series = np.concatenate([before[:, None], lrs], axis=1)
    assert np.all(series[:, 1:] <= series[:, :-1] * (1 + 1e-12))
    assert lrs[0, -1] == pytest.approx(plan.target, rel=1e-9)
    assert plan.jump_without_edit > 1.5


def test_cosine_equations_by_hand():
    run = RUN.model_copy(update={"cos_lr": True})
    plan = plan_extension(run, get_version("yolov5-7.0"), NB, 200, 400)

    def ramp(x, steps):
        return (1 - math.cos(x * math.pi / steps)) / 2

    restored = 0.01 * (ramp(199, 300) * (0.01 - 1) + 1)
    g0, g1 = ramp(200, 400), ramp(398, 400)
    v = (restored - 1e-4) / (g1 - g0)
    u = restored + g0 * v
    assert plan.edits["lr0"] == pytest.approx(u, rel=1e-12)
    assert plan.edits["lrf"] == pytest.approx(1 - v / u, rel=1e-12)


def test_optimizer_auto_names_the_optimizer():
    run = RUN.model_copy(update={"optimizer": "auto", "images": 120_000, "classes": 80})
    plan = plan_extension(run, get_version("ultralytics-8.3"), 7500, 300, 600)
    assert plan.edits["optimizer"] == "SGD" and plan.feasible
    assert plan.target == pytest.approx(0.01 * 0.01)  # auto's lr 0.01, not lr0


def test_what_cannot_be_planned():
    version = get_version("yolov5-7.0")
    assert not plan_extension(RUN, version, NB, 300, 600, target=0.5).feasible  # would rise
    assert "no epoch" in plan_extension(RUN, version, NB, 300, 302).reason
    short = RUN.model_copy(update={"warmup_epochs": 50.0})
    assert "warm-up" in plan_extension(short, version, NB, 20, 600).reason
    with pytest.raises(ScheduleError):
        plan_extension(RUN, version, NB, 0, 600)
    with pytest.raises(ScheduleError, match="refuses"):
        plan_extension(RUN, get_version("ultralytics-latest"), NB, 300, 300)


@pytest.mark.parametrize("version,first_epoch", [("yolov5-7.0", 301), ("ultralytics-8.3", 300)])
def test_the_neutral_plan_measures_the_weights_lr_where_the_new_factor_starts(version, first_epoch):
    rules = get_version(version)
    plan = neutral_plan(plan_extension(RUN, rules, NB, 300, 600), RUN, rules, NB, source="opt.yaml")
    # the resume after 300 epochs of NB iterations; the first epoch the new lf sets: 301 when the scheduler steps
    # at the end of an epoch (epoch 300 trains at the restored lf(299)), 300 when it steps at the start
    assert (plan.resume_iteration, plan.first_update, plan.end_iteration) == (300 * NB, first_epoch * NB, 600 * NB - 1)
    assert plan.resume[0] == 300 * NB and plan.resume[1].start_epoch == 300
    before = 0.01 * linear(298 if first_epoch == 301 else 299, 300)
    reference = 0.01 * linear(299, 300)  # restored (7.0), or the lr of epoch 299 (8.3)
    assert plan.before_lr == pytest.approx(before, rel=1e-12)
    assert plan.reference_lr == pytest.approx(reference, rel=1e-12)
    assert plan.after_lr == pytest.approx(reference, rel=1e-9) and plan.exact
    assert plan.end_lr == plan.last_lr == pytest.approx(1e-4, rel=1e-9) and plan.target_lr == pytest.approx(1e-4)
    assert [(c.name, c.key, c.old) for c in plan.changes] == [("horizon", "epochs", 300), ("base_lr", "lr0", 0.01),
                                                              ("lrf", "lrf", 0.01)]
    # the schedule is the edited run's, read as ``cfgtools schedule`` reads it
    assert plan.schedule.horizon == 600 * NB and plan.schedule.source == "opt.yaml"
    family_note = "train_args" if rules.family == "ultralytics" else "YOLOv5 --resume reads the run's opt.yaml"
    assert any(family_note in note for note in plan.notes)


def test_an_infeasible_plan_has_no_neutral_form():
    rules = get_version("yolov5-7.0")
    with pytest.raises(ValueError, match="nothing to plan"):
        neutral_plan(plan_extension(RUN, rules, NB, 300, 302), RUN, rules, NB)
