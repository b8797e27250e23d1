"""LR003 counts the updates below the floor; the count is worked out in closed form."""

from __future__ import annotations

import numpy as np

from cfgtools.lint.runner import lint_text
from cfgtools.lint.settings import LintSettings


def test_negligible_rate_share():
    text = ("[net]\nbatch=64\nsubdivisions=16\nwidth=416\nheight=416\nchannels=3\n"
            "learning_rate=0.001\nmax_batches=10000\npolicy=exp\ngamma=0.999\n")
    (diagnostic,) = lint_text(text, LintSettings(select=["LR003"]), "yolo.cfg").diagnostics
    # the peak is the first update, rate(1) = lr * 0.999; rate(b) is below 1e-3 of it
    # when 0.999**(b-1) < 1e-3, i.e. b - 1 > ln(1e-3)/ln(0.999) = 6904.3: from b = 6906
    first_low = int(np.floor(np.log(1e-3) / np.log(np.float64(np.float32(0.999))))) + 2
    low = 10000 - first_low + 1
    assert f"{low} of 10000 updates" in diagnostic.message
    assert f"between iterations {first_low} and 10000" in diagnostic.message
