"""The pre-commit hook, installed by the real ``pre-commit try-repo`` from this repository.

try-repo builds the hook's environment from the repository (HEAD plus any
uncommitted changes of tracked files) with pip, so this needs git, pre-commit
and the package index pip is configured with. It takes about 15 s a run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not (REPO / ".git").exists(), reason="needs git and a git checkout"
)


def _try_repo(work: Path, home: Path, *files: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never"}
    env.pop("PRE_COMMIT", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "cfgtools-lint", "--verbose", "--files", *files],
        cwd=work, env=env, capture_output=True, text=True, timeout=900,
    )


def test_pre_commit_hook_fails_bad_passes_good_and_skips_setup_cfg(tmp_path):
    pytest.importorskip("pre_commit")
    work = tmp_path / "project"
    work.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    (work / "bad.cfg").write_text("[net]\nwidth=416\nheight=416\nchannels=3\nmax_batches=100\npolicy=STEPS\n")
    (work / "good.cfg").write_text("[net]\nwidth=416\nheight=416\nchannels=3\nmax_batches=100\npolicy=constant\n")
    (work / "setup.cfg").write_text("[metadata]\nname = example\n\n[flake8]\nmax-line-length = 100\n")
    (work / "pyproject.toml").write_text('[tool.cfgtools]\nselect = ["DN"]\n')
    subprocess.run(["git", "add", "."], cwd=work, check=True)
    home = tmp_path / "pre-commit-home"

    failed = _try_repo(work, home, "bad.cfg", "setup.cfg")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "bad.cfg:6:8: DN006 [error] unknown policy 'STEPS'" in output
    assert "setup.cfg" not in output.split("cfgtools lint", 1)[-1]

    passed = _try_repo(work, home, "good.cfg", "setup.cfg")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
