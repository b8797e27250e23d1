"""LR001 says where the rate is 0 and why; the counts are worked out from the reference's formulas."""

from __future__ import annotations

from cfgtools.lint.runner import lint_text
from cfgtools.lint.settings import LintSettings

NET = "[net]\nbatch=64\nsubdivisions=16\nwidth=416\nheight=416\nchannels=3\n"


def zero_rate(text: str, path: str = "yolo.cfg", **settings):
    result = lint_text(text, LintSettings(select=["LR001"], **settings), path)
    assert result.errors == []
    return result.diagnostics


def test_trailing_comma_gives_a_zero_scale():
    text = NET + "learning_rate=0.001\nmax_batches=6000\npolicy=steps\nsteps=4800,5400,\nscales=.1,.1,\n"
    (diagnostic,) = zero_rate(text)
    # steps 4800,5400,0 and scales .1,.1,0: the 0 step fires once 5400 has: updates 5400..6000
    assert "601 updates, 5400 to 6000" in diagnostic.message
    assert "trailing comma" in diagnostic.message


def test_caffe_gamma_unset():
    text = 'base_lr: 0.01\nlr_policy: "step"\nstepsize: 100\nmax_iter: 1000\n'
    (diagnostic,) = zero_rate(text, "solver.prototxt")
    # lr = base * pow(0, iter/100): 1 for iter < 100, 0 from 100 to 999
    assert "900 updates, 100 to 999" in diagnostic.message
    assert "default is 0" in diagnostic.message


def test_zero_run_across_evaluation_chunks():
    # pjreddie's sigmoid is exactly 0 for every b < step (b - step wraps around in size_t), then
    # lr/2 at b == step: a run of zeros from 1 to 1,499,999, longer than one 2**20 chunk
    text = "[net]\nwidth=32\nheight=32\nchannels=3\nmax_batches=2000000\npolicy=sigmoid\ngamma=0.00001\nstep=1500000\n"
    (diagnostic,) = zero_rate(text, dialect="pjreddie")
    assert "1499999 updates, 1 to 1499999" in diagnostic.message
    assert "unsigned" in diagnostic.message
