"""The previous config of a resume from git (cfgtools.lint.gitrev) and what the RS rules say about it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cfgtools.errors import InputError
from cfgtools.lint.gitrev import committed_if_edited, committed_source
from cfgtools.lint.runner import lint_file
from cfgtools.lint.settings import LintSettings

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

NET = "[net]\nbatch=64\nsubdivisions=16\nwidth=416\nheight=416\nchannels=3\nlearning_rate=0.001\npolicy=poly\npower=4\n"
#: git without the user's configuration (identity, hooks, signing)
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}


def git(work: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=work, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A work tree with models/yolo.cfg committed at max_batches=392480 (poly power 4)."""
    work = tmp_path / "project"
    (work / "models").mkdir(parents=True)
    git(work, "init", "-q")
    (work / "models" / "yolo.cfg").write_text(NET + "max_batches=392480\n")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "first")
    return work


def test_committed_source_reads_the_blob_of_a_revision(repo, monkeypatch):
    cfg = repo / "models" / "yolo.cfg"
    cfg.write_text(NET + "max_batches=592480\n")
    monkeypatch.chdir(repo)
    source = committed_source("models/yolo.cfg", "HEAD")
    assert source.path == "HEAD:models/yolo.cfg"
    assert source.text == NET + "max_batches=392480\n"
    assert committed_if_edited(str(cfg), cfg.read_bytes()).text == source.text
    git(repo, "commit", "-q", "-am", "second")
    assert committed_if_edited(str(cfg), cfg.read_bytes()) is None  # committed: nothing edited in place
    assert committed_source(str(cfg), "HEAD~1").text == source.text


@pytest.mark.parametrize("revision, message", [
    ("no-such-rev", "no-such-rev"),
    ("--output=x", "not a git revision"),
    ("HEAD\nx", "not a git revision"),
])
def test_a_bad_revision_is_one_clean_error(repo, revision, message):
    with pytest.raises(InputError, match=message) as raised:
        committed_source(str(repo / "models" / "yolo.cfg"), revision)
    assert "\n" not in raised.value.format()
    assert not (repo / "models" / "x").exists()


def test_outside_a_work_tree_there_is_no_committed_version(tmp_path):
    cfg = tmp_path / "yolo.cfg"
    cfg.write_text(NET)
    assert committed_if_edited(str(cfg), cfg.read_bytes()) is None
    with pytest.raises(InputError, match="git:HEAD"):
        committed_source(str(cfg), "HEAD")


def _resume(cfg: Path, **settings):
    result = lint_file(str(cfg), LintSettings(select=["RS"], resume_from=300019, **settings))
    assert result.errors == []
    return result.diagnostics


def test_an_edit_in_place_is_compared_with_the_committed_version(repo):
    """issue 10: without --previous, RS001 compared the file with itself and could never fire."""
    cfg = repo / "models" / "yolo.cfg"
    cfg.write_text(NET + "max_batches=592480\n")  # raised after the checkpoint, not committed
    (finding,) = _resume(cfg)
    assert finding.code == "RS001" and "x19.3" in finding.message
    assert f"previous config HEAD:{cfg}, the committed version (the file has uncommitted changes)" in finding.message
    # named explicitly, the same; an older revision too
    (explicit,) = _resume(cfg, previous="git:HEAD")
    assert f"previous config HEAD:{cfg})" in explicit.message and "x19.3" in explicit.message
    # the previous config is another than the file: the fix edits the file; the extend command cannot read
    # a revision, so it names the committed version OLD.cfg
    # darknet.md poly: rate(b) = lr (1 - b/max_batches)^4, continuous when lr' (1 - 300020/592480)^4 equals it
    continuous = f"{0.001 * ((1 - 300019 / 392480) / (1 - 300020 / 592480)) ** 4:.6g}"
    for each in (finding, explicit):
        assert each.fix.text_edits and each.fix.replacement == continuous
        assert (f"`cfgtools extend OLD.cfg --from 300019 --to 592480` (OLD.cfg: 'HEAD:{cfg}') plans the whole "
                "resume") in each.fix.description


def test_a_committed_file_is_its_own_previous_config(repo):
    git(repo, "mv", "models/yolo.cfg", "models/yolo.cfg.bak")  # not in HEAD under this name any more
    git(repo, "commit", "-q", "-m", "moved")
    cfg = repo / "models" / "yolo.cfg"
    cfg.write_text(NET + "max_batches=592480\n")  # untracked: no committed version to compare with
    assert _resume(cfg) == []


def test_git_previous_of_a_missing_revision_is_an_error_line(repo):
    cfg = repo / "models" / "yolo.cfg"
    result = lint_file(str(cfg), LintSettings(select=["RS"], resume_from=300019, previous="git:v9"))
    (error,) = result.errors
    assert error.startswith(f"{cfg}:1:1: --previous git:v9: ")
