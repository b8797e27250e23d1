"""The acceptance sweep of issue 10: every command on every file of real config folders.

For each file: no traceback and no internal error from any command (``show``,
``schedule``, ``summary``, ``lint`` in each format, ``convert`` to every
target, ``plot``), stderr only in the promised forms (tests/cli_run.py), and
no "All checks passed!" from ``lint`` for a file that ``show`` cannot read.

The folders: the shared corpus beside the repository, and any folder named
in ``CFGTOOLS_SWEEP_DIRS`` (separated by the platform's path separator), e.g.
hank-ai/darknet's ``cfg/`` and the ``.prototxt`` files of SSD Caffe
(weiliu89/caffe, branch ssd), checked out elsewhere; they are never copied
into the project. The sweep runs a dozen commands per file, so it runs only
with ``CFGTOOLS_SWEEP=1``::

    CFGTOOLS_SWEEP=1 CFGTOOLS_SWEEP_DIRS=/path/darknet/cfg:/path/ssd-caffe python -m pytest tests/test_sweep.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli_run import check, run_cli
from tests.conftest import shared_dir


def _folders() -> list[Path]:
    found = []
    shared = shared_dir()
    if shared is not None and (shared / "corpus").is_dir():
        found.append(shared / "corpus")
    for entry in os.environ.get("CFGTOOLS_SWEEP_DIRS", "").split(os.pathsep):
        if entry and Path(entry).is_dir():
            found.append(Path(entry))
    return found


ENABLED = os.environ.get("CFGTOOLS_SWEEP") == "1"
FILES = sorted(p for folder in _folders() for p in folder.rglob("*") if p.is_file()) if ENABLED else []

COMMANDS = [
    ["show", "--format", "json", "{f}"],
    ["schedule", "{f}", "--to", "200"],
    ["schedule", "{f}", "--at", "0,1,1000,2147483647", "--format", "json"],
    ["summary", "{f}"],
    ["summary", "--format", "json", "{f}"],
    ["lint", "--no-cache", "--format", "json", "{f}"],
    ["lint", "--no-cache", "--format", "sarif", "{f}"],
    ["lint", "--no-cache", "--format", "github", "{f}"],
    ["convert", "{f}", "--to", "torch"],
    ["convert", "{f}", "--to", "caffe", "--approximate"],
    ["convert", "{f}", "--to", "darknet", "--approximate"],
    ["convert", "{f}", "--to", "json"],
    ["plot", "--log-y", "{f}"],
]

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not ENABLED, reason="the sweep runs with CFGTOOLS_SWEEP=1"),
    pytest.mark.skipif(not FILES, reason="no folder to sweep (the shared corpus and CFGTOOLS_SWEEP_DIRS are absent)"),
]


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_command_on_every_file(path: Path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no pyproject of the repository is picked up
    shown = run_cli(["show", str(path)])
    check(shown, ["show", str(path)])
    linted = run_cli(["lint", "--no-cache", str(path)])
    check(linted, ["lint", str(path)])
    if shown.code == 2:  # show cannot read it: lint must not call it clean
        assert "All checks passed!" not in linted.out and linted.code == 2, (linted.out, linted.err)
    for template in COMMANDS:
        argv = [part.format(f=str(path)) for part in template]
        check(run_cli(argv), argv)
