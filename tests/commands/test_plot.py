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
