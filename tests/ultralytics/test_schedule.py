"""The ultralytics/YOLOv5 schedule against replicas of the upstream training loops stepped with torch.

Each replica below is written from the upstream loop of its version (YOLOv5
train.py, ultralytics engine/trainer.py) and the reference's formulas: a real
``torch.optim`` optimizer with the version's parameter groups, a real
``LambdaLR`` with the version's ``lf``, the warm-up with ``np.interp``, the
optimizer-step rule, and for a resume a real ``state_dict`` /
``load_state_dict`` round trip. The schedule must agree with it for every group
at every iteration.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest

from cfgtools.ultralytics.schedule import (
    Resume,
    ScheduleError,
    TrainingConfig,
    YoloSchedule,
    batches_per_epoch,
    warmup_iterations,
)
from cfgtools.ultralytics.versions import VERSIONS, get_version

ALL_VERSIONS = sorted(VERSIONS)

BASE = dict(lr0=0.01, lrf=0.01, momentum=0.937, warmup_epochs=3.0, warmup_momentum=0.8, warmup_bias_lr=0.1,
            epochs=40, batch=16, nbs=64)


# -- the replicas ----------------------------------------------------------------------------------------------------


@dataclass
class Trace:
    lr: list = field(default_factory=list)  # per iteration, per group
    momentum: list = field(default_factory=list)
    accumulate: list = field(default_factory=list)
    step: list = field(default_factory=list)
    saved: dict | None = None


def upstream_roles(version: str, optimizer: str) -> list[tuple[str, float]]:
    """(role, lr multiplier) per param group, in the order the version passes them to the optimizer."""
    if optimizer == "MuSGD":  # 8.4.190 trainer.py:1221-1239
        return [(role, scale) for role in ("weight", "bn", "bias", "muon") for scale in (3, 1)]
    if version in ("yolov5-5.0", "yolov5-6.1"):  # optimizer(g0 bn) + add g1 weights + add g2 biases
        return [("bn", 1), ("weight", 1), ("bias", 1)]
    if version == "ultralytics-latest":  # params=[weight, bn, bias]
        return [("weight", 1), ("bn", 1), ("bias", 1)]
    return [("bias", 1), ("weight", 1), ("bn", 1)]  # smart_optimizer / build_optimizer: g[2] first


def upstream_optimizer_choice(version, cfg):
    """build_optimizer's auto branch, restated (8.3.0 trainer.py:774-783, 8.4.190:1177-1186)."""
    if cfg["optimizer"] != "auto":
        return cfg["optimizer"], cfg["lr0"], cfg["momentum"], cfg["warmup_bias_lr"]
    iterations = math.ceil(cfg["images"] / max(cfg["batch"], cfg["nbs"])) * cfg["epochs"]
    big = "MuSGD" if version == "ultralytics-latest" else "SGD"
    if iterations > 10000:
        return big, 0.01, 0.9, 0.0
    return "AdamW", round(0.002 * 5 / (4 + cfg["classes"]), 6), 0.9, 0.0


def build(torch, version, cfg):
    name, lr, momentum, bias_lr = upstream_optimizer_choice(version, cfg)
    roles = upstream_roles(version, name)
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr * scale if scale != 1 else lr}
              for _, scale in roles]
    if name in ("Adam", "AdamW"):
        cls = torch.optim.Adam if name == "Adam" else torch.optim.AdamW
        optimizer = cls(groups, lr=lr, betas=(momentum, 0.999))
    else:  # SGD, and MuSGD stood in by SGD: only the param_groups' lr/momentum matter here
        optimizer = torch.optim.SGD(groups, lr=lr, momentum=momentum, nesterov=True)
    return optimizer, roles, bias_lr


class Lf:
    """The version's lf. The linear lambda reads the epoch count when called (a closure over a
    variable / self.epochs); one_cycle fixes `steps` when it is built."""

    def __init__(self, version, cfg):
        self.version, self.lrf, self.epochs = version, cfg["lrf"], cfg["epochs"]
        self.cos = cfg.get("cos_lr", False)
        self.cos_steps = cfg["epochs"]

    def __call__(self, x):
        v, lrf = self.version, self.lrf
        if self.cos:
            if v in ("ultralytics-8.1", "ultralytics-8.3", "ultralytics-latest"):
                return max((1 - math.cos(x * math.pi / self.cos_steps)) / 2, 0) * (lrf - 1) + 1
            return ((1 - math.cos(x * math.pi / self.cos_steps)) / 2) * (lrf - 1) + 1
        if v == "yolov5-5.0":
            return (1 - x / (self.epochs - 1)) * (1.0 - lrf) + lrf
        if v in ("ultralytics-8.1", "ultralytics-8.3", "ultralytics-latest"):
            return max(1 - x / self.epochs, 0) * (1.0 - lrf) + lrf
        return (1 - x / self.epochs) * (1.0 - lrf) + lrf


def run_loop(torch, version, cfg, nb, start_epoch=0, load=None, save_after=None) -> Trace:
    """The training loop of `version`, from `start_epoch` to the end (or to `save_after`, saving there)."""
    trace = Trace()
    optimizer, roles, bias_lr = build(torch, version, cfg)
    lf = Lf(version, cfg)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=lf)
    epochs = cfg["epochs"]
    if load is not None:
        optimizer.load_state_dict(load)
        if version == "ultralytics-latest":
            assert 0 < start_epoch < epochs
        elif epochs < start_epoch:
            epochs += start_epoch - 1
            lf.epochs = epochs
    scheduler.last_epoch = start_epoch - 1
    nbs, batch, we = cfg["nbs"], cfg["batch"], cfg["warmup_epochs"]
    accumulate = max(round(nbs / batch), 1)
    ramp_to = nbs / batch
    if version in ("yolov5-5.0", "yolov5-6.1"):
        nw = max(round(we * nb), 1000)
    elif version == "yolov5-7.0":
        nw = max(round(we * nb), 100)
    elif version == "ultralytics-latest":
        accumulate = min(accumulate, nb * epochs)
        ramp_to = accumulate
        capped = min(we, max(epochs - 1, 0))
        nw = round(capped * nb) if capped > 0 else 0
    else:
        nw = max(round(we * nb), 100) if we > 0 else -1
    warm = (lambda ni: nw and ni <= nw) if version == "ultralytics-latest" else (lambda ni: ni <= nw)
    steps_at_start = version in ("ultralytics-8.3", "ultralytics-latest")
    warnings.simplefilter("ignore")  # upstream too: 'Detected lr_scheduler.step() before optimizer.step()'
    last_opt_step = -1
    for epoch in range(start_epoch, epochs):
        if steps_at_start:
            scheduler.step()
        for i in range(nb):
            ni = i + nb * epoch
            if warm(ni):
                xi = [0, nw]
                accumulate = max(1, np.interp(ni, xi, [1, ramp_to]).round())
                for j, x in enumerate(optimizer.param_groups):
                    start = bias_lr if roles[j][0] == "bias" else 0.0
                    x["lr"] = np.interp(ni, xi, [start, x["initial_lr"] * lf(epoch)])
                    if "momentum" in x:
                        x["momentum"] = np.interp(ni, xi, [cfg["warmup_momentum"], cfg["momentum"]])
            trace.lr.append([float(x["lr"]) for x in optimizer.param_groups])
            trace.momentum.append([float(x["momentum"] if "momentum" in x else x["betas"][0])
                                   for x in optimizer.param_groups])
            trace.accumulate.append(int(accumulate))
            if version == "yolov5-5.0":
                stepped = ni % accumulate == 0
            else:
                stepped = ni - last_opt_step >= accumulate
            if stepped:
                optimizer.step()
                last_opt_step = ni
            trace.step.append(bool(stepped))
        if not steps_at_start:
            if version == "ultralytics-8.1":  # saves before stepping
                if epoch == save_after:
                    trace.saved = optimizer.state_dict()
                    return trace
            scheduler.step()
        if epoch == save_after:
            trace.saved = optimizer.state_dict()
            return trace
    return trace


def config(**overrides) -> dict:
    cfg = dict(BASE, optimizer="SGD", cos_lr=False)
    cfg.update(overrides)
    return cfg


def ours(version, cfg, nb, resume=None) -> YoloSchedule:
    return YoloSchedule(TrainingConfig(**cfg), get_version(version), nb, resume)


def assert_same(schedule: YoloSchedule, trace: Trace) -> None:
    rows = list(schedule.iter_rows(chunk=997))  # an odd chunk, to cross chunk boundaries
    lr = np.concatenate([r.lr for r in rows], axis=1).T
    momentum = np.concatenate([r.momentum for r in rows], axis=1).T
    expected_lr = np.array(trace.lr)
    assert lr.shape == expected_lr.shape
    np.testing.assert_allclose(lr, expected_lr, rtol=1e-9, atol=0)
    np.testing.assert_allclose(momentum, np.array(trace.momentum), rtol=1e-9, atol=0)
    assert np.concatenate([r.accumulate for r in rows]).tolist() == trace.accumulate
    assert np.concatenate([r.step for r in rows]).tolist() == trace.step


CASES = {
    "defaults": dict(),
    "cos_lr": dict(cos_lr=True),
    "warmup_0": dict(warmup_epochs=0.0),
    "warmup_1": dict(warmup_epochs=1.0),
    "small_nbs_over_batch": dict(batch=128),  # nbs/batch = 0.5: accumulate 1
    "large_nbs_over_batch": dict(batch=3, nbs=64),  # 21.33...
    "nbs_over_batch_half": dict(batch=25, nbs=64),  # 2.56: rounding during the ramp
}


@pytest.mark.torch
@pytest.mark.parametrize("version", ALL_VERSIONS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_fresh_run_matches_the_upstream_loop(torch_module, version, case):
    cfg = config(**CASES[case])
    nb = 37
    trace = run_loop(torch_module, version, cfg, nb)
    assert_same(ours(version, cfg, nb), trace)


@pytest.mark.torch
@pytest.mark.parametrize("version", ALL_VERSIONS)
@pytest.mark.parametrize("cos_lr", [False, True])
@pytest.mark.parametrize("new_epochs", [55, 30])
def test_resume_with_an_edited_epoch_count_matches(torch_module, version, cos_lr, new_epochs):
    nb, start = 37, 31  # after the warm-up of every version (1000 iterations < 31 * 37)
    old = config(cos_lr=cos_lr)
    new = dict(old, epochs=new_epochs)
    resume = Resume(start_epoch=start, previous=TrainingConfig(**old))
    if version == "ultralytics-latest" and new_epochs < start:  # trainer.py:1133 asserts start < epochs
        with pytest.raises(ScheduleError, match="refuses"):
            ours(version, new, nb, resume)
        return
    saved = run_loop(torch_module, version, old, nb, save_after=start - 1).saved
    trace = run_loop(torch_module, version, new, nb, start_epoch=start, load=saved)
    assert_same(ours(version, new, nb, resume), trace)


@pytest.mark.torch
@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_resume_inside_the_warm_up_with_an_edited_lr0(torch_module, version):
    # the warm-up ramps to the restored initial_lr; the scheduler's base_lrs come from the new lr0
    nb, start = 10, 5
    old = config(warmup_epochs=8.0)
    saved = run_loop(torch_module, version, old, nb, save_after=start - 1).saved
    new = dict(old, lr0=0.02, epochs=50)
    trace = run_loop(torch_module, version, new, nb, start_epoch=start, load=saved)
    assert_same(ours(version, new, nb, Resume(start_epoch=start, previous=TrainingConfig(**old))), trace)


@pytest.mark.torch
@pytest.mark.parametrize("version", ["yolov5-5.0", "yolov5-7.0", "ultralytics-8.0", "ultralytics-latest"])
def test_adam_keeps_beta1_and_warms_up_the_lr_only(torch_module, version):
    cfg = config(optimizer="Adam", lr0=0.001)
    trace = run_loop(torch_module, version, cfg, 37)
    assert_same(ours(version, cfg, 37), trace)


@pytest.mark.torch
@pytest.mark.parametrize("version", ["ultralytics-8.0", "ultralytics-8.3", "ultralytics-latest"])
@pytest.mark.parametrize("images", [5_000, 500_000])
def test_optimizer_auto(torch_module, version, images):
    cfg = config(optimizer="auto", images=images, classes=80, lr0=0.05, momentum=0.95)
    nb = 37
    trace = run_loop(torch_module, version, cfg, nb)
    schedule = ours(version, cfg, nb)
    assert_same(schedule, trace)
    # 5000 images: ceil(5000/64)*40 = 3160 iterations <= 10000: AdamW at round(0.01/84, 6) = 0.000119
    if images == 5_000:
        assert (schedule.optimizer.name, schedule.optimizer.lr) == ("AdamW", 0.000119)
    else:
        assert schedule.optimizer.name == ("MuSGD" if version == "ultralytics-latest" else "SGD")
        assert len(schedule.groups) == (8 if version == "ultralytics-latest" else 3)


# -- facts checked by hand -----------------------------------------------------------------------------------------


def test_warmup_iterations_by_version():
    # nb = 100: 3 epochs -> 300; floors 1000 (v5.0, v6.1) and 100; 8.x off at 0; 8.4 at most E-1 epochs
    assert warmup_iterations(get_version("yolov5-5.0"), 3.0, 100, 300) == 1000
    assert warmup_iterations(get_version("yolov5-7.0"), 3.0, 100, 300) == 300
    assert warmup_iterations(get_version("yolov5-7.0"), 0.0, 100, 300) == 100
    assert warmup_iterations(get_version("ultralytics-8.3"), 0.0, 100, 300) == -1
    assert warmup_iterations(get_version("ultralytics-8.3"), 0.5, 100, 300) == 100
    assert warmup_iterations(get_version("ultralytics-latest"), 0.5, 100, 300) == 50
    assert warmup_iterations(get_version("ultralytics-latest"), 3.0, 100, 2) == 100
    # round() is round-half-even: 2.5 * 5 = 12.5 -> 12 (no floor in 8.4)
    assert warmup_iterations(get_version("ultralytics-latest"), 2.5, 5, 300) == 12


def test_batches_per_epoch():
    assert batches_per_epoch(1000, 16) == 63  # ceil(1000/16) = 62.5 -> 63
    assert batches_per_epoch(1024, 16) == 64
    assert batches_per_epoch(10, 16) == 1
    assert batches_per_epoch(1001, 16, world_size=2) == 63  # shard ceil(1001/2) = 501, ceil(501/8) = 63
    with pytest.raises(ScheduleError):
        batches_per_epoch(10, 1, world_size=2)


def test_300_to_600_resume_jumps_about_30x():
    # linear lf, lrf 0.01, E = 300: the last epoch (299) trains at lr0*lf(298) = lr0*(2/300*0.99 + 0.01);
    # resumed with E = 600 at epoch 300, epoch 301 trains at lr0*lf'(300) = lr0*(0.5*0.99 + 0.01)
    old = TrainingConfig(**dict(BASE, epochs=300))
    new = old.model_copy(update={"epochs": 600})
    for version in ("yolov5-7.0", "ultralytics-8.0"):
        run = YoloSchedule(new, get_version(version), 100, Resume(start_epoch=300, previous=old))
        before = YoloSchedule(old, get_version(version), 100).epoch_rows().lr[1, -1]
        after = run.epoch_rows().lr[1, :2]
        assert before == pytest.approx(0.01 * (2 / 300 * 0.99 + 0.01), rel=1e-12)
        assert after[0] == pytest.approx(0.01 * (1 / 300 * 0.99 + 0.01), rel=1e-12)  # restored: lf_old(299)
        assert after[1] == pytest.approx(0.01 * 0.505, rel=1e-12)
        assert after[1] / before == pytest.approx(0.505 / (0.02 * 0.99 / 3 + 0.01), rel=1e-12)
        assert 29 < after[1] / before < 31


def test_version_facts_by_hand():
    cfg = TrainingConfig(**dict(BASE, epochs=10, warmup_epochs=0.0))
    # 8.3, warm-up off, step at the epoch start: epoch e trains at lr0*lf(e); the last at lf(9) = 0.1*0.99+0.01
    rows = YoloSchedule(cfg, get_version("ultralytics-8.3"), 5).epoch_rows()
    assert rows.lr[0, -1] == pytest.approx(0.01 * (0.1 * 0.99 + 0.01), rel=1e-12)
    # 8.0 steps at the end: epochs 0 and 1 both at lf(0), the last at lf(8)
    rows = YoloSchedule(cfg, get_version("ultralytics-8.0"), 5).epoch_rows()
    assert rows.lr[0, :2].tolist() == [0.01, 0.01]
    assert rows.lr[0, -1] == pytest.approx(0.01 * (0.2 * 0.99 + 0.01), rel=1e-12)


def test_yolov5_5_0_linear_with_one_epoch_crashes_upstream():
    cfg = TrainingConfig(**dict(BASE, epochs=1))
    with pytest.raises(ScheduleError, match="epochs - 1"):
        YoloSchedule(cfg, get_version("yolov5-5.0"), 10)


def test_resume_refusals():
    cfg = TrainingConfig(**dict(BASE, epochs=20))
    with pytest.raises(ScheduleError, match="finished"):
        YoloSchedule(cfg, get_version("yolov5-7.0"), 10, Resume(start_epoch=0))
    with pytest.raises(ScheduleError, match="refuses"):
        YoloSchedule(cfg, get_version("ultralytics-latest"), 10, Resume(start_epoch=20))
    # YOLOv5: epochs 8 < start 12 -> 8 + 11 = 19 epochs
    assert YoloSchedule(cfg.model_copy(update={"epochs": 8}), get_version("yolov5-7.0"), 10,
                        Resume(start_epoch=12, previous=cfg)).epochs == 19


def test_rows_stay_in_chunks():
    cfg = TrainingConfig(**dict(BASE, epochs=300))
    schedule = YoloSchedule(cfg, get_version("ultralytics-8.3"), 1000)
    sizes = [len(rows) for rows in schedule.iter_rows(chunk=50_000)]
    assert max(sizes) == 50_000 and sum(sizes) == 300_000


def test_retraining_from_a_finished_last_pt_warms_up_from_the_start():
    # `--weights last.pt` of a finished run is a new run: epoch 0, fresh optimizer, warm-up from warmup_bias_lr / 0
    old = TrainingConfig(**dict(BASE, epochs=300))
    new = old.model_copy(update={"epochs": 600})
    last = YoloSchedule(old, get_version("yolov5-7.0"), 100).epoch_rows().lr[:, -1]
    rows = YoloSchedule(new, get_version("yolov5-7.0"), 100).rows_at([0, 300])  # nw = max(3 * 100, 100) = 300
    assert rows.lr[:, 0].tolist() == [0.1, 0.0, 0.0]  # bias group first in v7.0
    weights_at_end_of_warmup = 0.01 * ((1 - 3 / 600) * 0.99 + 0.01)  # ni = 300 is epoch 3: lr0 * lf(3)
    assert rows.lr[1, 1] == pytest.approx(weights_at_end_of_warmup, rel=1e-12)
    assert rows.lr[1, 1] / last[1] == pytest.approx(weights_at_end_of_warmup / (0.01 * (2 / 300 * 0.99 + 0.01)))
