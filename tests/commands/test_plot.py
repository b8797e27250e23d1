"""``cfgtools plot`` through cfgtools.cli.main."""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest

from cfgtools.cli import main

FIX = Path(__file__).resolve().parents[2] / "fixtures"
DN = FIX / "darknet"
CF = FIX / "caffe"


def test_plot_text_and_missing_matplotlib(capsys, monkeypatch, tmp_path):
    assert main(["plot", str(DN / "policy_steps.cfg"), str(CF / "policy_step.prototxt"),
                 "--resume-from", "20"]) == 0
    out = capsys.readouterr().out
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "policy_steps.cfg" in out and "policy_step.prototxt" in out and "resume at iteration 20" in out
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    assert main(["plot", str(DN / "policy_steps.cfg"), "-o", str(tmp_path / "x.png")]) == 2
    assert "matplotlib is needed for -o: pip install 'cfgtools[plot]'" in capsys.readouterr().err


def test_plot_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "plot.png"
    assert main(["plot", str(DN / "policy_sgdr.cfg"), str(DN / "policy_steps.cfg"), "--log-y", "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


UL = FIX / "ultralytics"


def test_plot_draws_every_parameter_group(capsys, tmp_path):
    assert main(["plot", str(UL / "opt_v7.yaml"), "--images", "1000", "--to", "200"]) == 0
    captured = capsys.readouterr()
    legend = [line.strip() for line in captured.out.splitlines() if "opt_v7.yaml" in line]
    assert legend == ["* opt_v7.yaml pg0 (ultralytics/yolov5-7.0)", "o opt_v7.yaml pg1 (ultralytics/yolov5-7.0)",
                      "+ opt_v7.yaml pg2 (ultralytics/yolov5-7.0)"]
    # the biases start the warm-up at warmup_bias_lr = 0.1: the top of the axis
    assert captured.out.splitlines()[1].startswith("      0.1 +*")
    assert "pg0 biases" in captured.err
    pytest.importorskip("matplotlib")
    out = tmp_path / "groups.svg"
    assert main(["plot", str(UL / "opt_v7.yaml"), str(DN / "policy_steps.cfg"), "--images", "1000", "-o",
                 str(out)]) == 0
    svg = out.read_text()
    assert all(f"opt_v7.yaml pg{g} (ultralytics/yolov5-7.0)" in svg for g in range(3)) and "policy_steps.cfg" in svg


def test_plot_of_an_ultralytics_file_without_images_is_one_line(capsys):
    assert main(["plot", str(UL / "opt_v7.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--images N" in err
