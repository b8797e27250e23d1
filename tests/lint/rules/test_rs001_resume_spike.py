"""RS001's numbers, worked out from the reference's formulas (darknet.md §c, caffe.md §4)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from cfgtools.cli import main
from cfgtools.lint.runner import lint_file
from cfgtools.lint.settings import LintSettings

NET = "[net]\nbatch=64\nsubdivisions=16\nwidth=416\nheight=416\nchannels=3\nlearning_rate=0.001\npolicy=poly\npower=4\n"


def f32(x):
    return np.float32(x)


def darknet_poly(lr, b, max_batches, power=4.0):
    # darknet: lr * pow(1 - (float)b / max_batches, power), the base in float, pow in double
    base = f32(1) - f32(np.float32(b) / np.float32(max_batches))
    return float(f32(np.float64(f32(lr)) * np.float64(base) ** power))


def resume(tmp_path: Path, new: str, previous: str, resume_from, name: str = "yolo.cfg", select=("RS001",)):
    (tmp_path / "previous").mkdir(exist_ok=True)
    old = tmp_path / "previous" / name
    old.write_text(previous)
    path = tmp_path / name
    path.write_text(new)
    result = lint_file(str(path), LintSettings(select=list(select), resume_from=resume_from, previous=str(old)))
    assert result.errors == []
    return result.diagnostics


def test_resume_spike_numbers(tmp_path):
    """The issue's scenario: poly power 4, batch 300019, max_batches 392480 -> 592480."""
    (diagnostic,) = resume(tmp_path, NET + "max_batches=592480\n", NET + "max_batches=392480\n", 300019)
    old = darknet_poly(0.001, 300019, 392480)  # the last update before the checkpoint
    new = darknet_poly(0.001, 300020, 592480)  # the first update after resuming
    ratio = new / old
    assert 19 < ratio < 20  # "about 19" in the issue
    assert f"x{ratio:.3g}" in diagnostic.message
    assert f"{old:.6g}" in diagnostic.message and f"{new:.6g}" in diagnostic.message
    continuous = 0.001 * ((1 - 300019 / 392480) / (1 - 300020 / 592480)) ** 4
    assert float(diagnostic.fix.replacement) == pytest.approx(continuous, rel=1e-4)


def test_resume_from_weights_file(tmp_path):
    # AlexeyAB header: major 0, minor 2, revision 5, uint64 seen = iteration * batch (64 = 4 x 16)
    weights = tmp_path / "yolo_last.weights"
    weights.write_bytes(struct.pack("<iiiQ", 0, 2, 5, 300019 * 64) + b"\0" * 16)
    found = resume(tmp_path, NET + "max_batches=592480\n", NET + "max_batches=392480\n", str(weights), select=("RS",))
    assert [d.code for d in found] == ["RS001"]
    assert "iteration 300019" in found[0].message


def test_caffe_multistep_resume_keeps_the_restored_index(tmp_path):
    """caffe.md §4: A = {50,150} snapshotted at 100 (current_step 1), resumed into B = {120,130,180}."""
    old = 'base_lr: 0.1\nlr_policy: "multistep"\ngamma: 0.5\nstepvalue: 50\nstepvalue: 150\nmax_iter: 200\n'
    new = 'base_lr: 0.1\nlr_policy: "multistep"\ngamma: 0.5\nstepvalue: 120\nstepvalue: 130\nstepvalue: 180\nmax_iter: 200\n'
    state = tmp_path / "a_iter_100.solverstate"
    state.write_bytes(b"\x08\x64" + b"\x20\x01")  # iter = 100, current_step = 1
    # both sides use 0.1 * 0.5**1: no jump (B alone would give 0.1 at iteration 100)
    assert resume(tmp_path, new, old, str(state), "solver.prototxt", select=("RS",)) == []


def test_caffe_poly_resume_spike_threshold(tmp_path, capsys, monkeypatch):
    """caffe.md §4: poly max_iter 200 -> 400 at iter 100: 0.0505 -> 0.075, a 1.49x jump.

    Run through the command line, with ``spike-ratio`` in pyproject.toml as a user sets it.
    """
    old = tmp_path / "a.prototxt"
    old.write_text('base_lr: 0.1\nlr_policy: "poly"\npower: 1\nmax_iter: 200\n')
    new = tmp_path / "b.prototxt"
    new.write_text('base_lr: 0.1\nlr_policy: "poly"\npower: 1\nmax_iter: 400\n')
    monkeypatch.chdir(tmp_path)
    args = ["lint", "--format", "json", str(new), "--select", "RS001", "--resume-from", "100", "--previous", str(old)]
    assert main(args) == 0  # below the default spike ratio of 2
    assert json.loads(capsys.readouterr().out or "[]") == []
    (tmp_path / "pyproject.toml").write_text("[tool.cfgtools]\nspike-ratio = 1.4\n")
    assert main(args) == 1
    (diagnostic,) = json.loads(capsys.readouterr().out)
    ratio = (0.1 * (1 - 100 / 400)) / (0.1 * (1 - 99 / 200))
    assert f"x{ratio:.3g}" in diagnostic["message"]
    assert "0.0505" in diagnostic["message"] and "0.075" in diagnostic["message"]
