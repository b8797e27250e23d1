"""``cfgtools lint`` end to end (in process)."""

from __future__ import annotations

import json

import pytest

from cfgtools.cli import main

NET = ("[net]\nbatch=64\nsubdivisions=16\nwidth=416\nheight=416\nchannels=3\nlearning_rate=0.001\n"
       "burn_in=1000\nmax_batches=6000\n")
#: clean for every DN rule
GOOD = NET + "# x\npolicy=steps\nsteps=4800,5400\nscales=.1,.1\n"
#: DN003 (a warning) and DN006 (an error) on the policy line
BAD = NET + "policy=steps # x\nsteps=4800,5400\nscales=.1,.1\n"
#: an LR004 warning: the rate rises x10 at 5400
RISE = NET + "policy=steps\nsteps=4800,5400\nscales=.1,10\n"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no pyproject of the repository is picked up from the cwd
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def good_cfg(tmp_path):
    path = tmp_path / "good.cfg"
    path.write_text(GOOD)
    return path


@pytest.fixture
def bad_cfg(tmp_path):
    path = tmp_path / "bad.cfg"
    path.write_text(BAD)
    return path


def test_inline_comment_after_the_policy_is_one_finding(tmp_path, capsys):
    # issue 10: one mistake, one diagnostic: DN006 (an unknown policy) with the fix that keeps the comment
    cfg = tmp_path / "a.cfg"
    cfg.write_text("[net]\nwidth=416\nheight=416\nchannels=3\npolicy=steps # x\nsteps=100,200\nscales=.1,.1\n"
                   "\n[convolutional]\nfilters=16\n")
    assert main(["lint", str(cfg), "--select", "DN001,DN002,DN003,DN004,DN005,DN006,DN011"]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith(str(cfg))]
    assert len(lines) == 1 and lines[0].startswith(f"{cfg}:5:8: DN006 ") and "'steps#x'" in lines[0]


def test_dialect_all_names_the_forks_of_each_finding(tmp_path, capsys):
    cfg = tmp_path / "a.cfg"
    cfg.write_text("[net]\nwidth=416\nheight=416\nchannels=3\nmax_epochs=10\n\n[convolutional]\nfilters=16\n")
    assert main(["lint", str(cfg), "--select", "DN001", "--dialect", "all"]) == 1
    out = capsys.readouterr().out
    # the C forks ignore the key (a warning each, worded per fork); hank-ai stops on it
    assert f"{cfg}:5:1: DN001 [AlexeyAB] unknown [net] key 'max_epochs': darknet (AlexeyAB) never reads it" in out
    assert f"{cfg}:5:1: DN001 [pjreddie] unknown [net] key 'max_epochs': darknet (pjreddie) never reads it" in out
    assert (f"{cfg}:5:1: DN001 [hank-ai] unknown [net] key 'max_epochs': hank-ai stops with \"config line #5 from "
            "section [net] is unused or invalid: max_epochs=10\"") in out


def test_caffe_fork_from_the_project_table(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.cfgtools]\ncaffe-fork = "ssd"\nselect = ["CF001"]\n')
    solver = tmp_path / "solver.prototxt"
    solver.write_text('base_lr: 0.01\nlr_policy: "fixed"\nmax_iter: 10\neval_type: "detection"\n')
    assert main(["lint", str(solver)]) == 0
    assert main(["lint", str(solver), "--caffe-fork", "bvlc"]) == 1
    assert "eval_type is a field of SSD Caffe" in capsys.readouterr().out


def test_exit_codes(tmp_path, capsys, good_cfg, bad_cfg):
    assert main(["lint", str(good_cfg), "--select", "DN"]) == 0
    assert main(["lint", str(bad_cfg), "--select", "DN"]) == 1
    assert main(["lint", str(bad_cfg), "--select", "DN003", "--fail-on", "error"]) == 0
    assert main(["lint", str(bad_cfg), "--select", "DN003", "--ignore", "DN003"]) == 0
    assert main(["lint", str(tmp_path / "missing.cfg")]) == 2
    err = capsys.readouterr().err
    assert "missing.cfg:1:1: no such file" in err


def test_exit_zero(tmp_path, capsys):
    rise = tmp_path / "rise.cfg"
    rise.write_text(RISE)
    assert main(["lint", str(rise)]) == 1
    assert main(["lint", "--exit-zero", str(rise)]) == 0
    capsys.readouterr()


def test_unreadable_file_does_not_stop_the_others(tmp_path, capsys, bad_cfg):
    binary = tmp_path / "weights.cfg"
    binary.write_bytes(b"[net]\n\0\0")
    assert main(["lint", str(binary), str(bad_cfg), "--select", "DN"]) == 2
    captured = capsys.readouterr()
    assert "binary file" in captured.err
    assert "DN006" in captured.out  # the comment after the policy: one finding (issue 10)


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


def test_output_file_and_formats(tmp_path, capsys, bad_cfg):
    out = tmp_path / "report.sarif"
    assert main(["lint", str(bad_cfg), "--select", "DN", "--format", "sarif", "--output-file", str(out)]) == 1
    assert json.loads(out.read_text())["version"] == "2.1.0"
    assert main(["lint", str(bad_cfg), "--select", "DN", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {d["code"] for d in data} == {"DN006"}  # one finding for one mistake (issue 10)
    assert main(["lint", str(bad_cfg), "--select", "DN", "--format", "github"]) == 1
    assert capsys.readouterr().out.startswith("::")


def test_numeric_options_are_parsed(tmp_path, capsys, good_cfg):
    train = tmp_path / "train.txt"
    train.write_text("a.jpg\nb.jpg\n\nc.jpg\n")
    data = tmp_path / "obj.data"
    data.write_text(f"classes = 1\ntrain = {train}\n")
    args = ["lint", str(good_cfg), "--select", "DN", "--gpus", "2", "--goal", "5000", "--epochs", "3",
            "--data", str(data), "--resume-from", "1000", "--previous", str(good_cfg), "--previous-gpus", "1", "--clear"]
    assert main(args) == 0
    assert main(["lint", str(good_cfg), "--epochs", "3"]) == 2
    assert "--images" in capsys.readouterr().err
    assert main(["lint", str(good_cfg), "--data", str(tmp_path / "none.data")]) == 2


def test_unreadable_checkpoint_is_one_clean_line(tmp_path, capsys, good_cfg):
    short = tmp_path / "short.weights"
    short.write_bytes(b"\0\0\0")  # less than the 12-byte version header
    code = main(["lint", str(good_cfg), "--resume-from", str(short)])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.splitlines() == [f"{short}:1:1: not a darknet .weights file: 3 bytes, the version header alone takes 12"]
    assert "could not be checked" in out


def test_directory_argument_lints_the_configs_below(tmp_path, capsys):
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "a.cfg").write_text("[net]\nwidth=1\nheight=1\nchannels=1\npolicy=STEPS\n")
    assert main(["lint", str(tmp_path / "cfg"), "--select", "DN006"]) == 1
    assert "a.cfg:5:8: DN006" in capsys.readouterr().out
