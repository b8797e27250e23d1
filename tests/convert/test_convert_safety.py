"""Input text never becomes code: injection attempts end up in comments only."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, require_torch
from cfgtools.cli import main
from cfgtools.convert.text import comment_text

INJECTIONS = [
    ("ca_injection.prototxt", ["--approximate"]),
    ("dn_injection.cfg", []),
]

_BAD_WORDS = ("system", "touch", "__import__")


def _code_tokens(source: str) -> list[str]:
    """Every token that is not a comment (strings, names, numbers)."""
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE):
            out.append(tok.string)
    return out


def _run_emitted(path: Path, cwd: Path) -> None:
    """Import the module and build optimizer + scheduler in a fresh interpreter in ``cwd``."""
    code = (
        "import importlib.util, sys, torch\n"
        f"spec = importlib.util.spec_from_file_location('m', {str(path)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "opt = m.make_optimizer([torch.nn.Parameter(torch.zeros(1))])\n"
        "s = m.make_scheduler(opt, start_iter=3)\n"
        "opt.step(); s.step()\n"
    )
    env = dict(os.environ, PYTHONPATH="")
    subprocess.run([sys.executable, "-c", code], cwd=cwd, check=True, env=env, timeout=120)


def _check_output(text: str) -> None:
    compile(text, "<emitted>", "exec")
    for token in _code_tokens(text):
        assert not any(word in token for word in _BAD_WORDS), token
    for line in text.splitlines()[:2]:
        assert "coding" not in line


@pytest.mark.torch
@pytest.mark.parametrize("name,extra", INJECTIONS)
def test_injection_stays_in_comments(name, extra, tmp_path, monkeypatch):
    require_torch()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    out = tmp_path / "out.py"
    assert main(["convert", str(FIXTURES / "convert" / name), "--to", "torch", "-o", str(out), *extra]) == 0
    text = out.read_text(encoding="utf-8")
    _check_output(text)
    _run_emitted(out, work)
    assert not (work / "x").exists()
    assert list(work.iterdir()) == []


def test_unknown_solver_type_is_refused_without_approximate(capsys):
    assert main(["convert", str(FIXTURES / "convert" / "ca_injection.prototxt"), "--to", "torch"]) == 1
    err = capsys.readouterr().err
    assert "unknown solver type" in err
    assert "\n" not in err.strip("\n").split("\n")[0]


@pytest.mark.parametrize("to", ["caffe", "darknet", "json"])
def test_injection_in_other_outputs(to, tmp_path, capsys):
    for name, _ in INJECTIONS:
        rc = main(["convert", str(FIXTURES / "convert" / name), "--to", to, "--approximate"])
        text = capsys.readouterr().out
        if rc != 0:
            continue
        if to == "json":
            import json

            json.loads(text)
            continue
        for line in text.splitlines():
            if any(word in line for word in _BAD_WORDS):
                assert line.lstrip().startswith("#"), line


@pytest.mark.torch
def test_path_with_newline_and_quotes(tmp_path):
    require_torch()
    odd = tmp_path / 'evil\n"""\nimport os; os.system("touch x") #.cfg'
    shutil.copy(FIXTURES / "convert" / "dn_steps_equal.cfg", odd)
    out = tmp_path / "out.py"
    assert main(["convert", str(odd), "--to", "torch", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    _check_output(text)
    _run_emitted(out, tmp_path)
    assert not (tmp_path / "x").exists()


def test_comment_text():
    assert "\n" not in comment_text("a\nb\rc\u2028d\x00e\x85f")
    assert '"""' not in comment_text('x"""y')
    assert "'''" not in comment_text("x'''y")
    assert "coding:" not in comment_text("# -*- coding: utf-7 -*-")
    assert comment_text("bad\udcffbyte") == "bad?byte"
    assert len(comment_text("y" * 1000)) <= 160
