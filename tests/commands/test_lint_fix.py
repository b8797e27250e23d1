"""``cfgtools lint --fix`` / ``--diff`` / ``--unsafe-fixes`` end to end (in process)."""

from __future__ import annotations

import json

import pytest

from cfgtools.cli import main

HEAD = "[net]\r\nbatch=64\r\nsubdivisions=16\r\nwidth=416\r\nheight=416\r\nchannels=3\r\nlearning_rate=0.001\r\n"
#: DN004 (5e5 is 5), DN003 (the policy reads as 'steps#decay'), DN008 (a trailing comma), DN006 (the unknown
#: policy, an unsafe fix) in a CRLF file
BAD = HEAD + "max_batches = 5e5   # half a million\r\npolicy=steps # decay\r\nsteps=400000,450000,\r\nscales=.1,.1\r\n"
#: what the safe fixes make of it: the comments on lines of their own, the number, no trailing comma
FIXED = (HEAD + "# half a million\r\nmax_batches = 500000\r\n# decay\r\npolicy=steps\r\nsteps=400000,450000\r\n"
         "scales=.1,.1\r\n")
#: an unsafe fix only: the policy in capitals (DN006)
CAPITALS = HEAD + "max_batches=500000\r\npolicy=STEPS\r\nsteps=400000,450000\r\nscales=.1,.1\r\n"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def test_diff_prints_what_fix_would_change_and_exits_1(tmp_path, capsys):
    path = write(tmp_path, "a.cfg", BAD)
    assert main(["lint", "--diff", "--select", "DN", str(path)]) == 1
    captured = capsys.readouterr()
    diff = captured.out
    assert diff.startswith(f"--- a/{path}\n+++ b/{path}\n")
    removed = [line for line in diff.split("\n") if line.startswith("-") and not line.startswith("---")]
    added = [line for line in diff.split("\n") if line.startswith("+") and not line.startswith("+++")]
    assert removed == ["-max_batches = 5e5   # half a million\r", "-policy=steps # decay\r", "-steps=400000,450000,\r"]
    assert added == ["+# half a million\r", "+max_batches = 500000\r", "+# decay\r", "+policy=steps\r",
                     "+steps=400000,450000\r"]
    assert "Would fix 4 problems (DN003 x1, DN004 x1, DN006 x1, DN008 x1)." in captured.err
    assert path.read_bytes() == BAD.encode()  # --diff writes nothing


def test_diff_exits_0_when_nothing_would_change(tmp_path, capsys):
    path = write(tmp_path, "a.cfg", FIXED)
    assert main(["lint", "--diff", "--select", "DN", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "No fixes available." in captured.err


def test_fix_writes_the_fixed_file_and_reports_what_is_left(tmp_path, capsys):
    path = write(tmp_path, "a.cfg", BAD)
    assert main(["lint", "--fix", "--select", "DN", "--ignore", "DN012", str(path)]) == 0  # DN012: the CRLF
    assert path.read_bytes() == FIXED.encode()
    captured = capsys.readouterr()
    assert captured.out == "All checks passed!\n" and "Fixed 4 problems" in captured.err
    # a second --fix changes nothing
    assert main(["lint", "--fix", "--select", "DN", "--ignore", "DN012", str(path)]) == 0
    assert path.read_bytes() == FIXED.encode()
    assert "No fixes to apply." in capsys.readouterr().err


def test_unsafe_fixes_only_with_the_flag(tmp_path, capsys):
    path = write(tmp_path, "a.cfg", CAPITALS)
    assert main(["lint", "--fix", "--select", "DN006", str(path)]) == 1  # DN006 is left, an error
    captured = capsys.readouterr()
    assert path.read_bytes() == CAPITALS.encode()
    assert "DN006" in captured.out and "1 more fix with --unsafe-fixes." in captured.err
    assert main(["lint", "--diff", "--select", "DN006", str(path)]) == 0
    capsys.readouterr()
    assert main(["lint", "--diff", "--unsafe-fixes", "--select", "DN006", str(path)]) == 1
    assert "+policy=steps\r" in capsys.readouterr().out
    assert main(["lint", "--fix", "--unsafe-fixes", "--select", "DN006", str(path)]) == 0
    assert path.read_bytes() == CAPITALS.replace("STEPS", "steps").encode()


def test_fix_with_json_reports_the_findings_left(tmp_path, capsys):
    path = write(tmp_path, "a.cfg", BAD)
    assert main(["lint", "--fix", "--format", "json", "--select", "DN", str(path)]) == 1
    left = json.loads(capsys.readouterr().out)
    assert [d["code"] for d in left] == ["DN012"]  # CRLF: a hint, no fix


def test_several_files_a_bad_one_among_them(tmp_path, capsys):
    good = write(tmp_path, "a.cfg", BAD)
    binary = tmp_path / "b.cfg"
    binary.write_bytes(b"[net]\x00\x01")
    assert main(["lint", "--fix", "--select", "DN", str(good), str(binary)]) == 2
    captured = capsys.readouterr()
    assert good.read_bytes() == FIXED.encode()
    assert f"{binary}:1:6: binary file" in captured.err


def test_fix_does_not_go_with_an_output_file(tmp_path, capsys):
    path = write(tmp_path, "a.cfg", BAD)
    assert main(["lint", "--fix", "-o", "report.txt", str(path)]) == 2
    assert "not with --output-file" in capsys.readouterr().err
    assert path.read_bytes() == BAD.encode() and not (tmp_path / "report.txt").exists()


def test_json_says_what_fix_would_apply(tmp_path, capsys):
    path = write(tmp_path, "a.cfg", CAPITALS)
    assert main(["lint", "--format", "json", "--select", "DN006", str(path)]) == 1
    (finding,) = json.loads(capsys.readouterr().out)
    # policy=STEPS is line 9; the value is columns 8 to 12 (end exclusive: 13)
    assert finding["fix"]["applicability"] == "unsafe"
    assert finding["fix"]["edits"] == [{"content": "steps", "line": 9, "column": 8, "end_line": 9, "end_column": 13}]
