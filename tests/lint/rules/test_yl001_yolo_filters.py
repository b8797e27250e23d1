"""YL001's fix replaces exactly the written ``filters`` value (the hint texts are checked in cases/YL001.yml)."""

from __future__ import annotations

import pytest

from cfgtools.lint.runner import lint_text
from cfgtools.lint.settings import LintSettings

HEAD = "[net]\nwidth=64\nheight=64\nchannels=3\n\n[convolutional]\nfilters=16\nsize=3\nstride=2\n\n"


@pytest.mark.parametrize(
    "head, expected",
    [
        ("[yolo]\nmask=0,1,2\nanchors=10,13, 16,30, 33,23\nclasses=2\nnum=3\n", 21),  # (2 + 5) * 3
        ("[Gaussian_yolo]\nmask=0,1,2\nanchors=10,13, 16,30, 33,23\nclasses=2\nnum=3\n", 33),  # (2 + 9) * 3
        ("[region]\nanchors=1.08,1.19, 3.42,4.41\nclasses=2\ncoords=4\nnum=2\n", 14),  # (2 + 4 + 1) * 2
    ],
    ids=["yolo", "gaussian_yolo", "region"],
)
def test_the_fix_replaces_the_written_value(head, expected):
    text = HEAD + "[convolutional]\nfilters=  255 \nsize=1\nactivation=linear\n\n" + head
    (diagnostic,) = lint_text(text, LintSettings(select=["YL001"]), "yolo.cfg").diagnostics
    assert diagnostic.fix.replacement == str(expected)
    line = text.split("\n")[diagnostic.span.line - 1]
    span = diagnostic.fix.span
    assert line.startswith("filters=")
    assert line[span.column - 1 : span.end_column - 1] == "255"
