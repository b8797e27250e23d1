"""Checkpoints read without torch and without running anything: real torch.save files and hostile ones."""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
import pytest

from cfgtools.errors import InputError
from cfgtools.ultralytics import checkpoint as checkpoint_module
from cfgtools.ultralytics.checkpoint import read_checkpoint
from cfgtools.ultralytics.schedule import YoloSchedule
from cfgtools.ultralytics.settings import settings_from_checkpoint, training_config
from cfgtools.ultralytics.versions import get_version
from tests.ultralytics.test_schedule import assert_same, config, run_loop

REPO = Path(__file__).resolve().parents[2]


def one_clean_line(error: InputError, path) -> str:
    line = error.format()
    assert line.startswith(f"{path}:") and "\n" not in line and "Traceback" not in line
    return line


# -- real checkpoints, written by torch ------------------------------------------------------------------------------


def tiny_model(torch):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(3, 4, 3, bias=False), nn.BatchNorm2d(4), nn.SiLU(), nn.Conv2d(4, 2, 1))


def optimizer_with_groups(torch, model, lrs, adam=False):
    biases = [p for n, p in model.named_parameters() if n.endswith("bias")]
    bn = [model[1].weight]
    weights = [model[0].weight, model[3].weight]
    groups = [{"params": biases}, {"params": weights, "weight_decay": 5e-4}, {"params": bn, "weight_decay": 0.0}]
    if adam:
        for group, name in zip(groups, ("bias", "weight", "bn")):
            group["param_group"] = name
        optimizer = torch.optim.AdamW(groups, lr=0.001, betas=(0.9, 0.999))
    else:
        optimizer = torch.optim.SGD(groups, lr=0.01, momentum=0.937, nesterov=True)
    for group, lr in zip(optimizer.param_groups, lrs):
        group["initial_lr"] = 0.01
        group["lr"] = lr
    model(torch.zeros(1, 3, 8, 8)).sum().backward()
    optimizer.step()  # creates momentum buffers / Adam state: tensors in the state dict
    return optimizer


def yolov5_checkpoint(torch, epoch=41):
    from copy import deepcopy

    model = tiny_model(torch)
    optimizer = optimizer_with_groups(torch, model, (0.0066, 0.0067, 0.0068))
    return {
        "epoch": epoch,
        "best_fitness": np.array([0.47]),
        "model": deepcopy(model).half(),
        "ema": deepcopy(model).half(),
        "updates": 12345,
        "optimizer": optimizer.state_dict(),
        "opt": {"weights": "yolov5s.pt", "epochs": 100, "batch_size": 16, "cos_lr": False,
                "hyp": {"lr0": 0.01, "lrf": 0.01}, "save_dir": "runs/train/exp"},
        "git": {"remote": None, "branch": None, "commit": None},
        "date": "2024-05-01T12:00:00",
    }


@pytest.mark.torch
def test_a_yolov5_last_pt(torch_module, tmp_path):
    path = tmp_path / "last.pt"
    torch_module.save(yolov5_checkpoint(torch_module), path)
    info = read_checkpoint(path)
    assert (info.format, info.flavour, info.epoch) == ("zip", "yolov5", 41)
    assert (info.start_epoch, info.finished) == (42, False)
    assert [g.lr for g in info.param_groups] == [0.0066, 0.0067, 0.0068]
    assert [g.initial_lr for g in info.param_groups] == [0.01] * 3
    assert [g.momentum for g in info.param_groups] == [0.937] * 3
    assert info.epochs == 100 and info.settings["hyp"] == {"lr0": 0.01, "lrf": 0.01}


@pytest.mark.torch
def test_an_ultralytics_last_pt(torch_module, tmp_path):
    from copy import deepcopy

    model = tiny_model(torch_module)
    optimizer = optimizer_with_groups(torch_module, model, (0.001, 0.002, 0.003), adam=True)
    path = tmp_path / "last.pt"
    torch_module.save({
        "epoch": 9, "best_fitness": np.float64(0.3), "model": None, "ema": deepcopy(model).half(), "updates": 99,
        "optimizer": optimizer.state_dict(),
        "train_args": {"model": "yolov8n.pt", "data": PurePosixPath("data/widgets.yaml"), "epochs": 300,
                       "batch": 16, "lr0": 0.01, "optimizer": "auto", "save_dir": "runs/detect/train"},
        "train_metrics": {"metrics/mAP50(B)": np.float64(0.5), "fitness": np.float64(0.31)},
        "train_results": {"epoch": [1, 2], "lr/pg0": [0.07, 0.04]},
        "date": "2024-10-01T08:00:00", "version": "8.3.0", "license": "AGPL-3.0", "docs": "https://docs",
    }, path)
    info = read_checkpoint(path)
    assert (info.flavour, info.epoch, info.package_version, info.epochs) == ("ultralytics", 9, "8.3.0", 300)
    assert [(g.name, g.lr, g.momentum) for g in info.param_groups] == [
        ("bias", 0.001, 0.9), ("weight", 0.002, 0.9), ("bn", 0.003, 0.9)]
    assert info.settings["data"] == "data/widgets.yaml"


@pytest.mark.torch
def test_a_finished_stripped_checkpoint(torch_module, tmp_path):
    ckpt = yolov5_checkpoint(torch_module)
    ckpt.update(epoch=-1, optimizer=None, best_fitness=None, ema=None, updates=None)
    path = tmp_path / "best.pt"
    torch_module.save(ckpt, path)
    info = read_checkpoint(path)
    assert (info.epoch, info.finished, info.has_optimizer, info.param_groups) == (-1, True, False, ())


@pytest.mark.torch
def test_a_legacy_torch_file(torch_module, tmp_path):
    path = tmp_path / "old.pt"
    torch_module.save(yolov5_checkpoint(torch_module, epoch=7), path, _use_new_zipfile_serialization=False)
    info = read_checkpoint(path)
    assert (info.format, info.epoch) == ("legacy", 7)


@pytest.mark.torch
def test_reading_needs_no_torch(torch_module, tmp_path):
    path = tmp_path / "last.pt"
    torch_module.save(yolov5_checkpoint(torch_module, epoch=3), path)
    script = (
        "import sys; sys.modules['torch'] = None\n"
        "from cfgtools.ultralytics.checkpoint import read_checkpoint\n"
        f"print(read_checkpoint({str(path)!r}).epoch)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3"


# -- hostile and broken files ----------------------------------------------------------------------------------------


def zip_with(path, members: dict[str, bytes], compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


class RunsACommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"echo ran > {self.marker}",)


class CallsEval:
    def __reduce__(self):
        return eval, ("__import__('os').getcwd()",)


class ReachesGetattr:
    def __reduce__(self):
        return getattr, ("text", "upper")


@pytest.mark.parametrize("payload", ["system", "eval", "getattr"])
def test_a_pickle_that_would_run_code_is_refused(tmp_path, payload):
    marker = tmp_path / "marker"
    evil = {"system": RunsACommand(marker), "eval": CallsEval(), "getattr": ReachesGetattr()}[payload]
    data = pickle.dumps({"epoch": 1, "model": evil}, protocol=2)
    path = tmp_path / "last.pt"
    zip_with(path, {"archive/data.pkl": data, "archive/version": b"3\n"})
    with pytest.raises(InputError) as info:
        read_checkpoint(path)
    line = one_clean_line(info.value, path)
    assert "refusing" in line and {"system": "system", "eval": "eval", "getattr": "getattr"}[payload] in line
    assert not marker.exists()


def test_a_bare_hostile_pickle_is_refused(tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "last.pt"
    path.write_bytes(pickle.dumps(RunsACommand(marker), protocol=2))
    with pytest.raises(InputError) as info:
        read_checkpoint(path)
    assert "system" in one_clean_line(info.value, path)
    assert not marker.exists()


def test_a_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.pt"
    zip_with(path, {"archive/data.pkl": b"\0" * (64 * 1024 * 1024)}, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 1024 * 1024  # 64 MiB of zeros deflate to a few hundred KiB
    with pytest.raises(InputError) as info:
        read_checkpoint(path)
    assert "refusing" in one_clean_line(info.value, path)


def test_a_member_that_lies_about_its_size(tmp_path):
    path = tmp_path / "liar.pt"
    real = 20 * 1024 * 1024
    zip_with(path, {"archive/data.pkl": b"\x80\x02" + b"N" * real}, zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    # rewrite the uncompressed size (local header at 22, central directory entry at +24) to 1000 bytes
    data[22:26] = (1000).to_bytes(4, "little")
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (1000).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as info:
        read_checkpoint(path)
    one_clean_line(info.value, path)


@pytest.mark.torch
@pytest.mark.parametrize("keep", [0.5, 0.99, 10])
def test_a_truncated_zip(torch_module, tmp_path, keep):
    whole = io.BytesIO()
    torch_module.save(yolov5_checkpoint(torch_module), whole)
    data = whole.getvalue()
    path = tmp_path / "cut.pt"
    path.write_bytes(data[: int(len(data) * keep)] if keep < 1 else data[:keep])
    with pytest.raises(InputError) as info:
        read_checkpoint(path)
    one_clean_line(info.value, path)


def test_too_many_members(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoint_module, "MAX_ZIP_ENTRIES", 10)
    path = tmp_path / "many.pt"
    zip_with(path, {f"archive/data/{i}": b"x" for i in range(20)})
    with pytest.raises(InputError, match="20 members") as info:
        read_checkpoint(path)
    one_clean_line(info.value, path)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"just some text\n", "neither a zip archive nor a pickle"),
        (b"PK\x03\x04 not really a zip", "truncated zip"),
        (pickle.dumps([1, 2, 3], protocol=2), "torch's legacy format"),
    ],
)
def test_not_checkpoints(tmp_path, content, message):
    path = tmp_path / "x.pt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        read_checkpoint(path)
    one_clean_line(info.value, path)


def test_zip_without_or_with_a_strange_pickle(tmp_path):
    path = tmp_path / "a.pt"
    zip_with(path, {"archive/version": b"3"})
    with pytest.raises(InputError, match="no '\\*/data.pkl'"):
        read_checkpoint(path)
    zip_with(path, {"archive/data.pkl": pickle.dumps([1, 2], protocol=2)})
    with pytest.raises(InputError, match="not a dict"):
        read_checkpoint(path)
    zip_with(path, {"archive/data.pkl": b"\x80\x02(Pnot-a-storage\nQ."})  # PERSID with a string id
    with pytest.raises(InputError, match="persistent id"):
        read_checkpoint(path)
    zip_with(path, {"archive/data.pkl": b"\x80\x02}q\x00(X\x05\x00\x00\x00epoch"})  # cut short
    with pytest.raises(InputError, match="damaged or truncated"):
        read_checkpoint(path)


def test_a_directory_and_a_missing_file(tmp_path):
    with pytest.raises(InputError, match="directory"):
        read_checkpoint(tmp_path)
    with pytest.raises(InputError, match="no such file"):
        read_checkpoint(tmp_path / "absent.pt")


# -- from a checkpoint to a resumed schedule -------------------------------------------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize("version", ["yolov5-7.0", "ultralytics-8.1", "ultralytics-8.3"])
def test_a_resume_read_from_a_real_checkpoint_matches_the_loop(torch_module, tmp_path, version):

    nb, start = 37, 31
    old = config(lr0=0.012)
    saved = run_loop(torch_module, version, old, nb, save_after=start - 1).saved
    settings = {"epochs": 55, "lr0": 0.012, "lrf": 0.01, "momentum": 0.937, "warmup_epochs": 3.0,
                "warmup_momentum": 0.8, "warmup_bias_lr": 0.1, "optimizer": "SGD", "cos_lr": False, "nbs": 64}
    ckpt = {"epoch": start - 1, "model": None, "optimizer": saved}
    if version.startswith("yolov5"):
        hyp = {k: settings[k] for k in ("lr0", "lrf", "momentum", "warmup_epochs", "warmup_momentum",
                                        "warmup_bias_lr")}
        ckpt["opt"] = {"epochs": 55, "batch_size": 16, "optimizer": "SGD", "cos_lr": False,
                       "hyp": {**hyp, "weight_decay": 0.0005}, "save_dir": "runs/train/exp"}
    else:
        ckpt["train_args"] = {**settings, "task": "detect", "batch": 16, "save_dir": "runs/detect/train"}
        ckpt["version"] = {"ultralytics-8.1": "8.1.0", "ultralytics-8.3": "8.3.0"}[version]
    path = tmp_path / "last.pt"
    torch_module.save(ckpt, path)

    info = read_checkpoint(path)
    run_settings = settings_from_checkpoint(info)
    assert run_settings.rules.name == version and run_settings.findings == []
    resumed = YoloSchedule(training_config(run_settings), get_version(version), nb, info.resume())
    trace = run_loop(torch_module, version, dict(old, epochs=55), nb, start_epoch=start, load=saved)
    assert_same(resumed, trace)
