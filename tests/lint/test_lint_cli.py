"""``cfgtools lint`` and ``cfgtools rules`` end to end (in process)."""

from __future__ import annotations

import json

import pytest

from cfgtools.cli import main

from lint_fixtures import FIXTURES

GOOD_CFG = FIXTURES / "DN003_good.cfg"
BAD_CFG = FIXTURES / "DN003_bad.cfg"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no pyproject of the repository is picked up from the cwd
    monkeypatch.setenv("NO_COLOR", "1")


def test_inline_comment_scenario_reports_dn003_and_dn006(tmp_path, capsys):
    cfg = tmp_path / "a.cfg"
    cfg.write_text("[net]\nwidth=416\nheight=416\nchannels=3\npolicy=steps # x\nsteps=100,200\nscales=.1,.1\n")
    assert main(["lint", str(cfg), "--select", "DN"]) == 1
    out = capsys.readouterr().out
    assert f"{cfg}:5:14: DN003 " in out and "'steps#x'" in out
    assert f"{cfg}:5:8: DN006 " in out and "did you mean 'steps'?" in out


def test_exit_codes(tmp_path, capsys):
    assert main(["lint", str(GOOD_CFG), "--select", "DN"]) == 0
    assert main(["lint", str(BAD_CFG), "--select", "DN"]) == 1
    assert main(["lint", str(BAD_CFG), "--select", "DN003", "--fail-on", "error"]) == 0
    assert main(["lint", str(BAD_CFG), "--select", "DN003", "--ignore", "DN003"]) == 0
    assert main(["lint", str(tmp_path / "missing.cfg")]) == 2
    err = capsys.readouterr().err
    assert "missing.cfg:1:1: no such file" in err


def test_unreadable_file_does_not_stop_the_others(tmp_path, capsys):
    binary = tmp_path / "weights.cfg"
    binary.write_bytes(b"[net]\n\0\0")
    assert main(["lint", str(binary), str(BAD_CFG), "--select", "DN"]) == 2
    captured = capsys.readouterr()
    assert "binary file" in captured.err
    assert "DN003" in captured.out


def test_non_configs_are_skipped_silently(tmp_path, capsys):
    setup = tmp_path / "setup.cfg"
    setup.write_text("[metadata]\nname = x\n")
    net = tmp_path / "deploy.prototxt"
    net.write_text('name: "LeNet"\nlayer {\n  name: "data"\n}\n')
    assert main(["lint", str(setup), str(net)]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "setup.cfg" not in captured.out


def test_unknown_config_key_exits_2(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.cfgtools]\nfial-on = "error"\n')
    cfg = tmp_path / "a.cfg"
    cfg.write_text("[net]\n")
    assert main(["lint", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'fial-on'" in err and "fail-on" in err


def test_pyproject_is_used_and_flags_override(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.cfgtools]\nignore = ["DN003", "DN006"]\n')
    cfg = tmp_path / "a.cfg"
    cfg.write_text("[net]\nwidth=416\nheight=416\nchannels=3\npolicy=steps # x\nsteps=1,2\nscales=1,1\n")
    assert main(["lint", str(cfg), "--select", "DN003,DN006"]) == 0
    assert main(["lint", str(cfg), "--select", "DN003,DN006", "--config", str(tmp_path / "none.toml")]) == 2


def test_output_file_and_formats(tmp_path, capsys):
    out = tmp_path / "report.sarif"
    assert main(["lint", str(BAD_CFG), "--select", "DN", "--format", "sarif", "--output-file", str(out)]) == 1
    assert json.loads(out.read_text())["version"] == "2.1.0"
    assert main(["lint", str(BAD_CFG), "--select", "DN", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {d["code"] for d in data} == {"DN003", "DN006"}
    assert main(["lint", str(BAD_CFG), "--select", "DN", "--format", "github"]) == 1
    assert capsys.readouterr().out.startswith("::")


def test_numeric_options_are_parsed(tmp_path, capsys):
    train = tmp_path / "train.txt"
    train.write_text("a.jpg\nb.jpg\n\nc.jpg\n")
    data = tmp_path / "obj.data"
    data.write_text(f"classes = 1\ntrain = {train}\n")
    args = ["lint", str(GOOD_CFG), "--select", "DN", "--gpus", "2", "--goal", "5000", "--epochs", "3",
            "--data", str(data), "--resume-from", "1000", "--previous", str(GOOD_CFG), "--previous-gpus", "1", "--clear"]
    assert main(args) == 0
    assert main(["lint", str(GOOD_CFG), "--epochs", "3"]) == 2
    assert "--images" in capsys.readouterr().err
    assert main(["lint", str(GOOD_CFG), "--data", str(tmp_path / "none.data")]) == 2


def test_directory_argument_lints_the_configs_below(tmp_path, capsys):
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "a.cfg").write_text("[net]\nwidth=1\nheight=1\nchannels=1\npolicy=STEPS\n")
    assert main(["lint", str(tmp_path / "cfg"), "--select", "DN006"]) == 1
    assert "a.cfg:5:8: DN006" in capsys.readouterr().out


def test_rules_command(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:4] == ["CODE", "NAME", "SEVERITY", "FRAMEWORK"]
    assert "DN003" in out and "inline-comment" in out
    assert main(["rules", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    row = next(r for r in rows if r["code"] == "DN006")
    assert row == {"code": "DN006", "name": "unknown-policy", "severity": "error", "framework": "darknet",
                   "summary": row["summary"]}
