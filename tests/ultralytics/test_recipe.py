"""The recipe of a YOLOv5/ultralytics run, and `cfgtools convert` on its files."""

from __future__ import annotations

import json

import pytest

from cfgtools.cli import main
from cfgtools.loading import load
from cfgtools.plugin import RunOptions
from cfgtools.schedule.model import ScheduleError

ARGS = """\
task: detect
mode: train
epochs: {epochs}
batch: {batch}
nbs: 64
optimizer: {optimizer}
cos_lr: false
lr0: 0.02
lrf: 0.01
momentum: 0.9
weight_decay: 0.0004
warmup_epochs: 2.0
warmup_momentum: 0.7
warmup_bias_lr: 0.05
save_dir: runs/detect/train
"""


def write_args(tmp_path, epochs=100, batch=8, optimizer="SGD"):
    path = tmp_path / "args.yaml"
    path.write_text(ARGS.format(epochs=epochs, batch=batch, optimizer=optimizer))
    return path


def recipe_of(path, **options):
    loaded = load(path)
    return loaded.framework.recipe(loaded, RunOptions(**options))


def test_recipe_groups_and_decay(tmp_path):
    recipe = recipe_of(write_args(tmp_path), batches_per_epoch=50)
    # ultralytics-8.3 (the default): biases, weights with decay, BatchNorm weights
    assert [g.holds for g in recipe.parameter_groups] == ["biases", "weights_with_decay", "norm_weights"]
    # batch 8: accumulate = round(64 / 8) = 8; decay 0.0004 * 8 * 8 / 64 = 0.0004
    assert [g.weight_decay for g in recipe.parameter_groups] == [0.0, pytest.approx(0.0004, rel=1e-15), 0.0]
    # nw = max(round(2.0 * 50), 100) = 100: the biases start at warmup_bias_lr, the others at 0
    assert [g.warmup_start_lr for g in recipe.parameter_groups] == [0.05, 0.0, 0.0]
    assert {g.warmup_start_momentum for g in recipe.parameter_groups} == {0.7}
    assert (recipe.optimizer.kind, recipe.optimizer.momentum) == ("nesterov", 0.9)
    assert recipe.backward_passes == 8 and recipe.horizon == 100 * 50
    assert recipe.grouping.rule == "full_names" and recipe.grouping.logit_scale_without_decay
    header = {key.key: (key.value, key.origin) for key in recipe.header}
    assert header["weight_decay"] == ("0.0004", "file line 11")
    assert header["nbs"] == ("64", "file line 5")


def test_yolov5_weight_decay_scaled_with_a_small_batch(tmp_path):
    path = write_args(tmp_path, batch=24)
    recipe = recipe_of(path, batches_per_epoch=50)
    # accumulate = round(64 / 24) = 3: 0.0004 * 24 * 3 / 64 = 0.00045
    assert recipe.parameter_groups[1].weight_decay == pytest.approx(0.00045, rel=1e-12)


def test_optimizer_auto_needs_the_images_and_classes(tmp_path, capsys):
    path = write_args(tmp_path, optimizer="auto")
    with pytest.raises(ScheduleError, match="--images"):
        recipe_of(path, batches_per_epoch=50)
    # 2000 images, batch 8: ceil(2000 / 64) * 100 = 3200 iterations <= 10000: AdamW, round(0.01 / (4 + nc), 6)
    with pytest.raises(ScheduleError, match="--classes"):
        recipe_of(path, images=2000)
    recipe = recipe_of(path, images=2000, classes=6)
    assert (recipe.optimizer.kind, recipe.optimizer.beta1, recipe.optimizer.beta2) == ("adamw", 0.9, 0.999)
    assert recipe.schedule.base_lr == 0.001
    assert [g.warmup_start_lr for g in recipe.parameter_groups] == [0.0, 0.0, 0.0]  # warmup_bias_lr set to 0
    assert [g.warmup_start_momentum for g in recipe.parameter_groups] == [None, None, None]  # betas stay
    assert main(["convert", str(path), "--to", "torch", "--images", "2000"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--classes" in err[0] and err[0].startswith(str(path) + ":")


def test_musgd_is_refused(tmp_path, capsys):
    path = write_args(tmp_path, optimizer="auto")
    # 200000 images: ceil(200000 / 64) * 100 > 10000: 8.4 picks MuSGD, not a torch optimizer
    assert main(["convert", str(path), "--to", "torch", "--images", "200000",
                 "--framework-version", "ultralytics-latest"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "MuSGD" in err[0]


def test_convert_to_torch_and_json(tmp_path, capsys):
    path = write_args(tmp_path)
    assert main(["convert", str(path), "--to", "torch", "--batches-per-epoch", "50"]) == 0
    source = capsys.readouterr().out
    compile(source, "emitted.py", "exec")
    assert "WARMUP_START_LR = (0.05, 0.0, 0.0)" in source
    assert "torch.optim.SGD(groups, lr=OPTIMIZER_LR, momentum=OPTIMIZER_MOMENTUM, nesterov=True)" in source
    assert main(["convert", str(path), "--to", "json", "--batches-per-epoch", "50"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [g["name"] for g in data["parameter_groups"]] == ["pg0", "pg1", "pg2"]


def test_a_hyp_file_says_what_it_lacks(tmp_path, capsys):
    path = tmp_path / "hyp.yaml"
    path.write_text("lr0: 0.01\nlrf: 0.01\nmomentum: 0.937\nweight_decay: 0.0005\nwarmup_epochs: 3.0\n"
                    "warmup_momentum: 0.8\nwarmup_bias_lr: 0.1\n")
    assert main(["convert", str(path), "--to", "torch", "--images", "1000"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "opt.yaml" in err[0]


@pytest.mark.parametrize("target", ["darknet", "caffe"])
def test_translation_refused_with_each_reason(tmp_path, capsys, target):
    path = write_args(tmp_path)
    assert main(["convert", str(path), "--to", target, "--batches-per-epoch", "50"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    reasons = [line for line in err if f"cannot express in {target}:" in line]
    assert any("warmup_bias_lr 0.05" in line and "iteration 100" in line for line in reasons)
    assert any("from warmup_momentum 0.7 to 0.9 over 100 iterations" in line for line in reasons)
    assert any("accumulate ramps from 1 to 8" in line for line in reasons)
    assert any("weight decay is per group" in line for line in reasons)
    assert err[-1].endswith("--to torch converts this run")
    assert main(["convert", str(path), "--to", target, "--batches-per-epoch", "50", "--approximate"]) == 1


@pytest.mark.parametrize("value", [".nan", "abc", "-1", "1e400"])
def test_an_unusable_weight_decay_is_one_line(tmp_path, capsys, value):
    path = write_args(tmp_path)
    path.write_text(path.read_text().replace("weight_decay: 0.0004", f"weight_decay: {value}"))
    assert main(["convert", str(path), "--to", "torch", "--batches-per-epoch", "50"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{path}:11:") and "weight_decay" in err[0]
