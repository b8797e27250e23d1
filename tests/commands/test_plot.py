"""``cfgtools plot`` through cfgtools.cli.main."""

from __future__ import annotations

import builtins
import re
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


NET = "[net]\nbatch=64\nsubdivisions=16\nwidth=416\nheight=416\nchannels=3\nlearning_rate=0.001\n"


def test_log_axis_starts_at_a_millionth_of_the_peak(tmp_path, capsys):
    """issue 10: the burn-in's rate(1) = 0.001 * (1/1000)**4 = 1e-15 pulled the axis down to 1e-15."""
    cfg = tmp_path / "yolo.cfg"
    cfg.write_text(NET + "burn_in=1000\nmax_batches=6000\npolicy=steps\nsteps=4800,5400\nscales=.1,.1\n")
    assert main(["plot", "--log-y", str(cfg)]) == 0
    out = capsys.readouterr().out
    # 0.001 * (b/1000)**4 < 1e-9 for b < 1000 * 10**-1.5 = 31.6: batches 1..31 lie below the floor
    assert "(31 value(s) below 1e-9 (1e-6 of the peak) not drawn)" in out
    ticks = [float(match.group(1)) for line in out.splitlines()[1:21] if (match := re.match(r"\s*(\S+) \+", line))]
    assert min(ticks) >= 1e-9 and max(ticks) == 0.001


def test_resumed_run_is_drawn_with_its_jump(tmp_path, capsys):
    """issue 10: --resume-from N --previous OLD draws OLD up to N and FILE after, and marks the jump."""
    old, new = tmp_path / "old.cfg", tmp_path / "new.cfg"
    old.write_text(NET + "policy=poly\npower=4\nmax_batches=392480\n")
    new.write_text(NET + "policy=poly\npower=4\nmax_batches=592480\n")
    assert main(["plot", "--resume-from", "300019", "--previous", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    before = 0.001 * (1 - 300019 / 392480) ** 4  # rate(300019) of the old run
    after = 0.001 * (1 - 300020 / 592480) ** 4  # rate(300020) of the new one
    assert "resumed run: old.cfg up to 300019 updates, new.cfg after (poly)" in out
    assert f"resume at iteration 300019: the rate jumps x{after / before:.3g}, from {before:.3g} to {after:.3g}" in out
    # the curve runs to new.cfg's end (592480), past old.cfg's (392480)
    assert out.splitlines()[-4].rstrip().endswith("592480")


def test_previous_needs_one_file_and_a_resume(tmp_path, capsys):
    cfg = DN / "policy_steps.cfg"
    assert main(["plot", "--previous", str(cfg), str(cfg)]) == 2
    assert "--previous needs --resume-from N and exactly one FILE" in capsys.readouterr().err


def test_a_resume_without_a_previous_config_says_the_rate_stays(capsys):
    # policy_steps.cfg: 0.001, steps 20,30,40 scales .1,.1,10, burn_in 10: rate(20) = rate(21) = 1e-4
    assert main(["plot", "--resume-from", "21", str(DN / "policy_steps.cfg")]) == 0
    assert "resume at iteration 21: the rate stays 0.0001" in capsys.readouterr().out


def test_a_bad_file_does_not_stop_the_others(tmp_path, capsys):
    bad = tmp_path / "bad.cfg"
    bad.write_bytes(b"[net]\n\0")
    assert main(["plot", str(bad), str(DN / "policy_steps.cfg")]) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"{bad}:2:1: binary file") and "policy_steps.cfg" in out


def test_a_huge_schedule_is_drawn_from_every_kth_iteration(tmp_path, capsys):
    cfg = tmp_path / "big.cfg"
    cfg.write_text(NET + "policy=constant\nmax_batches=2147483647\n")
    assert main(["plot", str(cfg)]) == 0
    # 2147483647 iterations, at most 2**22 drawn: every ceil(2147483647 / 4194304) = 512th
    assert "drawn from every 512th" in capsys.readouterr().err
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
