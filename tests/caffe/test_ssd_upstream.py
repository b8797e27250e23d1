"""Every solver of SSD Caffe's own repository (weiliu89/caffe, branch ssd), read as that fork reads it.

The repository is not part of cfgtools: point ``CFGTOOLS_SSD_CAFFE`` at a
checkout of its ``ssd`` branch to run these tests; they skip otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cfgtools.cli import main
from cfgtools.lint.runner import lint_file
from cfgtools.lint.settings import LintSettings


def _solvers() -> list[Path]:
    root = os.environ.get("CFGTOOLS_SSD_CAFFE")
    if not root or not Path(root).is_dir():
        return []
    return sorted(p for p in Path(root).rglob("*solver*.prototxt") if p.is_file())


SOLVERS = _solvers()
pytestmark = pytest.mark.skipif(not SOLVERS, reason="CFGTOOLS_SSD_CAFFE does not name a checkout of "
                                                    "weiliu89/caffe (branch ssd)")


@pytest.mark.parametrize("path", SOLVERS, ids=lambda p: p.name)
def test_read_as_ssd_with_no_unknown_field_and_converted(path, capsys):
    result = lint_file(str(path), LintSettings(select=["CF001"], caffe_fork="ssd"))
    assert result.errors == [] and result.kind == "caffe" and result.diagnostics == []
    assert main(["convert", str(path), "--to", "torch", "--caffe-fork", "ssd"]) == 0
    compile(capsys.readouterr().out, path.name, "exec")
