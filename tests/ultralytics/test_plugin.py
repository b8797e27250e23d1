"""The ultralytics plug-in: recognition among other YAML, versions, views, positions, checkpoints, show, extension plans."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from cfgtools import frameworks
from cfgtools.errors import InputError
from cfgtools.loading import load, load_text
from cfgtools.plugin import Checkpoint, Recognition, RunOptions
from cfgtools.positions import Span
from cfgtools.schedule.model import ScheduleError
from cfgtools.sources import SourceText
from cfgtools.ultralytics.plugin import ULTRALYTICS, top_level_keys
from cfgtools.ultralytics.schedule import Resume, YoloSchedule
from cfgtools.ultralytics.versions import get_version
from tests.conftest import FIXTURES
from tests.ultralytics.checkpoint_files import write_checkpoint

HERE = FIXTURES / "ultralytics"

HYP = {"lr0": 0.01, "lrf": 0.01, "momentum": 0.937, "weight_decay": 0.0005, "warmup_epochs": 3.0,
       "warmup_momentum": 0.8, "warmup_bias_lr": 0.1}


def opt_text(epochs: int, batch: int = 16, **hyp) -> str:
    """A YOLOv5 v6.2+ opt.yaml: the options with the hyperparameters nested under hyp."""
    values = {**HYP, **hyp}
    return (f"weights: yolov5s.pt\nepochs: {epochs}\nbatch_size: {batch}\nhyp:\n"
            + "".join(f"  {key}: {value}\n" for key, value in values.items()) + "seed: 0\n")


def recognised(text: str) -> Recognition:
    return ULTRALYTICS.recognise(SourceText("x.yaml", text, False))


# -- recognising and reading -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in HERE.glob("*.yaml")))
def test_every_fixture_is_recognised_as_ultralytics(name):
    loaded = load(HERE / name)
    assert loaded.kind == "ultralytics"


@pytest.mark.parametrize("text", [
    "name: CI\non:\n  push:\njobs:\n  test:\n    runs-on: ubuntu-latest\n",  # a GitHub workflow
    "path: ../datasets/coco128\ntrain: images/train2017\nval: images/train2017\nnames:\n  0: person\n",  # dataset
    "repos:\n  - repo: local\n    hooks: []\n",  # .pre-commit-config.yaml
    "version: '3'\nservices:\n  web:\n    image: nginx\n",  # docker-compose
    "nc: 80\ndepth_multiple: 0.33\nbackbone: []\nhead: []\n",  # a model yaml
    "name: exp\nproject: runs\n",  # known keys, but nothing that says settings
])
def test_other_yaml_is_not_recognised(text):
    assert recognised(text) == Recognition.NO


@pytest.mark.parametrize("text", [
    "lr0: 0.001\n",  # a one-line hyp override
    "\ufeff# hyp\n'lr0': 0.01\n\"lrf\": 0.1\n",  # BOM, comments, quoted keys
    "task: detect\nnbs: 64\n",  # two ultralytics-only keys
    "weights: yolov5s.pt\nbatch_size: 16\nhyp: data/hyps/hyp.scratch-low.yaml\n",  # an opt.yaml
])
def test_settings_yaml_is_recognised(text):
    assert recognised(text) == Recognition.YES


def test_top_level_keys_skip_nested_and_list_lines():
    assert top_level_keys("a: 1\nhyp:\n  lr0: 0.1\n- item: 2\n# c: 3\nb:\nc:d\n") == {"a", "hyp", "b"}


def test_a_darknet_cfg_and_a_caffe_solver_keep_their_frameworks():
    assert load(FIXTURES / "darknet" / "policy_step.cfg").kind == "darknet"
    assert load(FIXTURES / "caffe" / "policy_step.prototxt").kind == "caffe"


def test_a_hyp_file_that_opens_with_momentum_is_not_a_caffe_solver(tmp_path):
    # `momentum: 0.937` is also a valid first line of a Caffe solver; the suffix tells them apart
    hyp = tmp_path / "hyp.yaml"
    hyp.write_text("momentum: 0.937\nlr0: 0.01\nlrf: 0.01\nweight_decay: 0.0005\n")
    assert load(hyp).kind == "ultralytics"


@pytest.mark.parametrize("name, requested, version", [
    ("hyp_scratch.yaml", None, "yolov5-7.0"),  # the YOLOv5 default
    ("opt_v5.yaml", None, "yolov5-5.0"),  # inferred: linear_lr, total_batch_size
    ("args_8.3.yaml", None, "ultralytics-8.3"),  # the ultralytics default
    ("hyp_scratch.yaml", "yolov5-6.1", "yolov5-6.1"),  # chosen
    ("hyp_scratch.yaml", "yolov5-latest", "yolov5-7.0"),  # an alias
    ("hyp_scratch.yaml", "ultralytics-8.0", "yolov5-7.0"),  # a version of the other family: the file's own
    ("args_8.3.yaml", "ultralytics-latest", "ultralytics-latest"),
])
def test_the_version_a_file_is_read_with(name, requested, version):
    loaded = load(HERE / name, {"ultralytics": requested} if requested else None)
    assert loaded.dialect == version and loaded.model.rules.name == version


def test_an_8_4_file_is_read_as_8_4():
    loaded = load_text("task: detect\nepochs: 10\nbatch: 16\nlr0: 0.01\nquantize: null\n", "args.yaml")
    assert loaded.dialect == "ultralytics-latest" and loaded.model.findings == []


@pytest.mark.parametrize("text, message", [
    ("lr0: 0.01\nlrf: !!python/object/apply:os.system ['true']\n", "has no safe constructor"),
    ("lr0: 0.01\nlrf: [0.1\n", "expected"),
    ("lr0: 0.01\n---\nlr0: 0.02\n", "more than one YAML document"),
    ("lr0: 0.01\nlrf: *nowhere\n", "undefined alias"),
])
def test_unreadable_yaml_is_one_located_line(text, message):
    with pytest.raises(InputError) as info:
        load_text(text, "hyp.yaml")
    line = info.value.format()
    assert line.startswith("hyp.yaml:") and message in line and "\n" not in line


def test_an_unknown_version_is_one_line():
    with pytest.raises(InputError, match="did you mean 'yolov5-7.0'"):
        load(HERE / "hyp_scratch.yaml", {"ultralytics": "yolov5-7"})


# -- views, positions, comparisons ------------------------------------------------------------------------------------


def test_views():
    opt = load(HERE / "opt_v7.yaml")
    assert opt.view("yolo_settings") is opt.model
    training = opt.view("yolo_training")
    assert (training.epochs, training.batch, training.lr0, training.cos_lr) == (300, 32, 0.01, False)
    assert load(HERE / "hyp_scratch.yaml").view("yolo_training") is None  # no epochs, no batch size
    assert opt.view("net") is None and opt.view("solver") is None


def test_setting_spans_find_nested_hyperparameters_and_neutral_names():
    opt = load(HERE / "opt_v7.yaml")
    assert opt.setting_span("lr0") == Span(5, 8, 5, 12)  # "  lr0: 0.01" under hyp:
    assert opt.setting_span("base_lr") == opt.setting_span("lr0")
    assert opt.setting_span("horizon") == opt.setting_span("epochs") == Span(33, 9, 33, 12)  # line 33: after the 28 hyperparameters
    assert opt.setting_span("hyp") == Span(4, 1, 4, 4)  # a mapping: its key
    assert opt.setting_span("no_such_key") == Span(1, 1, 1, 8)  # the anchor: the first key


def test_changed_settings_compare_the_schedule_settings(tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(opt_text(300))
    new.write_text(opt_text(600, lrf=0.2).replace("seed: 0", "seed: 7"))
    assert ULTRALYTICS.changed_settings(load(old), load(new)) == ("lrf", "epochs")


def test_hyp_file_an_opt_yaml_names_is_found_from_the_run_folder(tmp_path):
    root = tmp_path / "yolov5"
    run = root / "runs" / "train" / "exp"
    run.mkdir(parents=True)
    (root / "data").mkdir()
    (root / "data" / "hyp.scratch.yaml").write_text((HERE / "hyp_v5.yaml").read_text())
    opt = run / "opt.yaml"
    opt.write_text((HERE / "opt_v5.yaml").read_text())  # hyp: data/hyp.scratch.yaml, linear_lr: true, 120 epochs
    loaded = load(opt)
    assert ULTRALYTICS.hyperparameters_file(loaded).path == str(root / "data" / "hyp.scratch.yaml")
    training = loaded.view("yolo_training")
    assert (training.lrf, training.epochs, training.cos_lr, training.batch) == (0.2, 120, False, 16)


def test_a_missing_hyp_file_is_a_located_schedule_error(tmp_path):
    opt = tmp_path / "opt.yaml"
    opt.write_text((HERE / "opt_v5.yaml").read_text())
    with pytest.raises(ScheduleError, match="not found from here") as info:
        ULTRALYTICS.training(load(opt), RunOptions())
    assert (info.value.line, info.value.column) == (4, 6)


# -- the schedule ------------------------------------------------------------------------------------------------------


def test_the_schedule_needs_the_batches_per_epoch():
    loaded = load(HERE / "opt_v7.yaml")
    with pytest.raises(ScheduleError, match="--images N"):
        loaded.schedule(RunOptions())
    by_images = loaded.schedule(RunOptions(images=1000))
    assert by_images.horizon == 300 * 32  # ceil(1000 / 32) = 32 batches per epoch
    by_batches = loaded.schedule(RunOptions(batches_per_epoch=32))
    assert by_batches.horizon == by_images.horizon
    assert by_batches.policy.parameters["batches_per_epoch"] == by_images.policy.parameters["batches_per_epoch"] == 32


def test_gpus_are_the_ddp_world_size():
    # 1001 images on 2 GPUs with a total batch of 32: each rank reads ceil(1001/2) = 501 images 16 at a time: 32
    schedule = load(HERE / "opt_v7.yaml").schedule(RunOptions(images=1001, gpus=2))
    assert schedule.horizon == 300 * 32 and schedule.gpus == 1


def test_schedule_errors_are_located_neutral_errors(tmp_path):
    path = tmp_path / "args.yaml"
    path.write_text("task: detect\nepochs: 10\nbatch: -1\nlr0: 0.01\n")
    with pytest.raises(ScheduleError, match="AutoBatch") as info:
        load(path).schedule(RunOptions(images=100))
    assert (info.value.path, info.value.line, info.value.column) == (str(path), 3, 8)


def test_notes_name_the_groups_and_what_auto_chose():
    loaded = load(HERE / "args_8.3.yaml")  # optimizer auto, 300 epochs, batch 16
    options = RunOptions(images=120_000)  # ceil(120000/64) * 300 iterations > 10000: SGD
    notes = ULTRALYTICS.schedule_notes(loaded.schedule(options), options)
    assert notes[0] == ("ultralytics-8.3 parameter groups: pg0 biases, pg1 weights with decay, "
                        "pg2 BatchNorm weights")
    assert notes[1].startswith("optimizer=auto chose SGD with lr 0.01 and momentum 0.9")
    # 7500 batches per epoch, warm-up max(round(3 * 7500), 100) = 22500, accumulate round(64 / 16) = 4
    assert notes[2] == ("7500 batches per epoch, 300 epochs; warm-up: iterations 0..22500; the optimizer steps "
                        "every 4 iteration(s) after it (nbs 64 / batch 16)")


# -- checkpoints -------------------------------------------------------------------------------------------------------


def test_checkpoint_counts_epochs(tmp_path):
    loaded = load(HERE / "opt_v7.yaml")
    path = write_checkpoint(tmp_path / "last.pt", {"epoch": 149, "opt": {"epochs": 300}})
    checkpoint = loaded.checkpoint(str(path))
    assert (checkpoint.iteration, checkpoint.unit, checkpoint.state.epoch) == (150, "epoch", 149)
    assert checkpoint.described == f"{path} (epoch 149 done)"
    finished = loaded.checkpoint(str(write_checkpoint(tmp_path / "best.pt", {"epoch": -1, "optimizer": None})))
    assert (finished.iteration, finished.state.finished) == (0, True)
    with pytest.raises(InputError, match="stores no epoch"):
        loaded.checkpoint(str(write_checkpoint(tmp_path / "x.pt", {"model": None})))


def test_checkpoint_training_reads_the_stored_settings(tmp_path):
    loaded = load(HERE / "args_8.3.yaml")
    path = write_checkpoint(tmp_path / "last.pt", {
        "epoch": 10, "version": "8.3.0",
        "train_args": {"task": "detect", "epochs": 50, "batch": 8, "lr0": 0.02, "save_dir": "runs/detect/train"}})
    config = ULTRALYTICS.checkpoint_training(loaded, loaded.checkpoint(str(path)).state, RunOptions())
    assert (config.epochs, config.batch, config.lr0, config.optimizer) == (50, 8, 0.02, "auto")
    yolov5 = write_checkpoint(tmp_path / "v5.pt", {"epoch": 10, "opt": {"epochs": 50, "batch_size": 8}})
    with pytest.raises(ScheduleError, match="is a yolov5 checkpoint, and this is a ultralytics file"):
        ULTRALYTICS.checkpoint_training(loaded, loaded.checkpoint(str(yolov5)).state, RunOptions())


# -- show --------------------------------------------------------------------------------------------------------------


def test_describe():
    description = load(HERE / "opt_v7.yaml").describe()
    lines = description.text.splitlines()
    assert lines[0].endswith("opt_v7.yaml: YOLOv5 opt.yaml, read with the rules of yolov5-7.0 (inferred from its keys)")
    assert "  hyp.lr0                0.01                     line 5" in lines
    assert "  evolve_population      data/hyps                default" in lines
    assert lines[-1] == ("  (schedule)             300 epochs, batch 32, nbs 64, linear lr factor, optimizer SGD")
    data = description.data
    assert (data["kind"], data["file"], data["version"]) == ("ultralytics", "yolov5-opt", "yolov5-7.0")
    assert data["settings"]["hyp.lrf"] == {"value": 0.01, "source": "file", "position": {"line": 6, "column": 8}}
    assert data["training"]["epochs"] == 300 and description.warnings == []
    json.dumps(data)  # JSON-ready


def test_describe_a_file_with_findings():
    description = load(HERE / "hyp_bad.yaml").describe()
    assert any(w.endswith("hyp_bad.yaml:3:6: warning: lrf=1.5 is out of range: it must be between 0.0 and 1.0")
               for w in description.warnings)
    assert "  lr0                    0.01                     line 2, unusable: the default stands" in \
        description.text.splitlines()
    assert description.text.splitlines()[-1].startswith("  (schedule)             not enough to train: unusable")


# -- extension plans ---------------------------------------------------------------------------------------------------


def lf(x, epochs, lrf=0.01):
    return (1 - x / epochs) * (1 - lrf) + lrf


def test_plan_and_edit_300_to_600_of_a_yolov5_opt_yaml(tmp_path):
    path = tmp_path / "opt.yaml"
    path.write_text("# a run of 300 epochs\n" + opt_text(300))
    loaded = load(path)
    checkpoint = loaded.checkpoint(str(write_checkpoint(tmp_path / "last.pt", {"epoch": 299, "opt": {}})))
    plan = ULTRALYTICS.plan_extension(loaded, 600, RunOptions(images=12_000), checkpoint)
    # continuous at epoch 301 with the restored lr0 lf(299), 0.0001 at epoch 599 (see test_extend.py)
    restored = 0.01 * lf(299, 300)
    v = (restored - 1e-4) / (298 / 600)
    assert plan.edits["lr0"] == pytest.approx(restored + 0.5 * v, rel=1e-12)
    texts = ULTRALYTICS.extension_edits(loaded, plan)
    assert list(texts) == [str(path)]
    edited = texts[str(path)]
    # only the three values changed, comments and order kept
    before, after = path.read_text().splitlines(), edited.splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert [a for a, _ in changed] == ["epochs: 300", "  lr0: 0.01", "  lrf: 0.01"]
    path.write_text(edited)
    run = load(path).view("yolo_training")
    assert (run.epochs, run.lr0, run.lrf) == (600, plan.edits["lr0"], plan.edits["lrf"])
    # resumed with the written file: no epoch-to-epoch rise after the resume, 0.0001 at the end
    rules = get_version("yolov5-7.0")
    old = load_text(opt_text(300), "old.yaml").view("yolo_training")
    lrs = YoloSchedule(run, rules, 750, Resume(start_epoch=300, previous=old)).epoch_rows().lr[1]
    series = np.concatenate([[0.01 * lf(298, 300)], lrs])
    assert np.all(series[1:] <= series[:-1] * (1 + 1e-12))
    assert lrs[-1] == pytest.approx(1e-4, rel=1e-9)


def test_a_v5_opt_yaml_edits_its_hyp_file_too(tmp_path):
    (tmp_path / "data").mkdir()
    hyp = tmp_path / "data" / "hyp.scratch.yaml"
    hyp.write_text((HERE / "hyp_v5.yaml").read_text())
    opt = tmp_path / "opt.yaml"
    opt.write_text((HERE / "opt_v5.yaml").read_text())  # 120 epochs, linear_lr
    loaded = load(opt)
    plan = ULTRALYTICS.plan_extension(loaded, 200, RunOptions(batches_per_epoch=100), 100)
    texts = ULTRALYTICS.extension_edits(loaded, plan)
    assert sorted(texts) == sorted([str(opt), str(hyp)])
    assert "epochs: 200\n" in texts[str(opt)]
    assert f"lr0: {plan.edits['lr0']!r}\n" in texts[str(hyp)] and f"lrf: {plan.edits['lrf']!r}\n" in texts[str(hyp)]


def test_an_args_yaml_with_auto_names_the_optimizer_and_a_missing_key_is_added(tmp_path):
    path = tmp_path / "args.yaml"
    path.write_text("task: detect\nepochs: 300\nbatch: 16\nsave_dir: runs/detect/train\n")  # no lr0, lrf
    loaded = load(path)
    plan = ULTRALYTICS.plan_extension(loaded, 600, RunOptions(images=120_000), 300)
    assert plan.edits["optimizer"] == "SGD"
    edited = ULTRALYTICS.extension_edits(loaded, plan)[str(path)]
    assert edited.startswith("task: detect\nepochs: 600\nbatch: 16\nsave_dir: runs/detect/train\n")
    added = edited.splitlines()[4:]
    assert added == [f"lr0: {plan.edits['lr0']!r}", f"lrf: {plan.edits['lrf']!r}", "optimizer: SGD"]


def test_what_cannot_be_planned(tmp_path):
    loaded = load(HERE / "opt_v7.yaml")
    with pytest.raises(ScheduleError, match="batches per epoch"):
        ULTRALYTICS.plan_extension(loaded, 600, RunOptions(), 300)
    finished = Checkpoint(0, load(HERE / "opt_v7.yaml").checkpoint(
        str(write_checkpoint(tmp_path / "best.pt", {"epoch": -1}))).state, "best.pt (finished)", unit="epoch")
    with pytest.raises(ScheduleError, match="finished run cannot be resumed"):
        ULTRALYTICS.plan_extension(loaded, 600, RunOptions(batches_per_epoch=10), finished)
    with pytest.raises(ScheduleError, match="hyp file holds hyperparameters only"):
        ULTRALYTICS.plan_extension(load(HERE / "hyp_scratch.yaml"), 600, RunOptions(batches_per_epoch=10), 300)
    plan = ULTRALYTICS.plan_extension(loaded, 600, RunOptions(batches_per_epoch=10), 300, target=1.0)
    assert not plan.feasible
    with pytest.raises(ValueError, match="nothing to write"):
        ULTRALYTICS.extension_edits(loaded, plan)


def test_registered():
    assert frameworks.get("ultralytics") is ULTRALYTICS
    assert math.isclose(load(HERE / "args_8.3.yaml").schedule(RunOptions(images=1000, classes=3)).base_lr,
                        round(0.002 * 5 / (4 + 3), 6))  # auto: ceil(1000/64) * 300 = 4800 iterations: AdamW


# -- conversion --------------------------------------------------------------------------------------------------------


def test_convert_is_refused_saying_what_a_recipe_cannot_hold():
    loaded = load(HERE / "opt_v7.yaml")
    with pytest.raises(InputError) as info:
        ULTRALYTICS.recipe(loaded, RunOptions(images=1000))
    message = info.value.format()
    assert message.startswith(f"{HERE / 'opt_v7.yaml'}:1:1: cfgtools cannot convert a YOLOv5/ultralytics run yet")
    assert "the biases from warmup_bias_lr=0.1, the others from 0" in message and "accumulate" in message
    auto = load(HERE / "args_8.3.yaml")
    with pytest.raises(InputError, match="the biases from 0.0 with optimizer=auto"):
        ULTRALYTICS.recipe(auto, RunOptions())
    darknet = load(FIXTURES / "darknet" / "policy_step.cfg").schedule(RunOptions())
    expression = ULTRALYTICS.express(darknet)
    assert expression.candidates == () and "has no epochs" in expression.notes[0]


def test_a_file_both_families_can_read_follows_the_version_named(tmp_path):
    path = tmp_path / "override.yaml"
    path.write_text("lr0: 0.001\nlrf: 0.1\n")
    assert load(path).model.kind == "yolov5-hyp"  # hyp keys first: a YOLOv5 hyp override (missing keys)
    as_ultralytics = load(path, {"ultralytics": "ultralytics-8.3"})
    assert (as_ultralytics.model.kind, as_ultralytics.dialect) == ("ultralytics-default", "ultralytics-8.3")
    assert as_ultralytics.model.findings == []
    # a file only one family knows keeps its own family whatever is named
    assert load(HERE / "args_8.3.yaml", {"ultralytics": "yolov5-6.1"}).dialect == "ultralytics-8.3"
