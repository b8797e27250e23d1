"""``cfgtools lint`` end to end (in process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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
    assert f"{cfg}:5:1: DN001 [warning] [AlexeyAB] unknown [net] key 'max_epochs': darknet (AlexeyAB) never reads it" in out
    assert f"{cfg}:5:1: DN001 [warning] [pjreddie] unknown [net] key 'max_epochs': darknet (pjreddie) never reads it" in out
    assert (f"{cfg}:5:1: DN001 [error] [hank-ai] unknown [net] key 'max_epochs': hank-ai stops with \"config line #5 from "
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


def test_named_files_that_are_not_configs_are_not_checked_and_said_so(tmp_path, capsys, good_cfg):
    """issue 10: "All checks passed!" and exit 0 for files cfgtools did not check."""
    setup = tmp_path / "setup.cfg"
    setup.write_text("[metadata]\nname = x\n")
    net = tmp_path / "deploy.prototxt"
    net.write_text('name: "LeNet"\nlayer {\n  name: "data"\n}\n')
    compose = tmp_path / "compose.yaml"  # YAML, but no YOLOv5/ultralytics settings
    compose.write_text("services:\n  web:\n    image: nginx\n")
    assert main(["lint", str(setup), str(net), str(compose), str(good_cfg), "--select", "DN"]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"{setup}:1:1: not a darknet config: it starts with '[metadata]', and a darknet cfg starts with [net] "
        "or [network]",
        f"{net}:1:1: not a darknet cfg or a Caffe solver or a YOLOv5/ultralytics settings YAML",
        f"{compose}:1:1: not a darknet cfg or a Caffe solver or a YOLOv5/ultralytics settings YAML",
    ]
    assert captured.out == "No problems found, but 3 files were not checked (see above).\n"


def test_skip_unrecognised_passes_over_non_configs_silently(tmp_path, capsys, bad_cfg):
    setup = tmp_path / "setup.cfg"
    setup.write_text("[metadata]\nname = x\n")
    checkpoint = tmp_path / "last.pt"
    checkpoint.write_bytes(b"PK\x03\x04\0\0binary")
    assert main(["lint", "--skip-unrecognised", str(setup), str(checkpoint)]) == 0
    assert capsys.readouterr() == ("No darknet cfg or Caffe solver or YOLOv5/ultralytics settings YAML to check.\n", "")
    # a config among them is still linted, and a file that cannot be read is still an error
    assert main(["lint", "--skip-unrecognised", str(setup), str(bad_cfg), str(tmp_path / "gone.cfg"),
                 "--select", "DN"]) == 2
    out, err = capsys.readouterr()
    assert err == f"{tmp_path / 'gone.cfg'}:1:1: no such file\n"
    assert "bad.cfg:10:8: DN006 [error]" in out
    # one mistake, one finding: DN006 for the policy with a comment glued to it (the DN003 of it is DN006's)
    assert out.splitlines()[-1] == "Found 1 problem (1 error, 0 warnings, 0 info); 1 file was not checked (see above)."


def test_a_directory_walk_passes_over_non_configs_and_binaries(tmp_path, capsys):
    """py-faster-rcnn names solvers solver.pt, so a walk meets torch checkpoints (last.pt) too."""
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "solver.pt").write_text('base_lr: 0.001\nlr_policy: "step"\ngamma: 0.1\nstepsize: 50000\nmax_iter: 70000\n')
    (runs / "last.pt").write_bytes(b"PK\x03\x04" + bytes(range(256)))
    (runs / "train.prototxt").write_text('name: "VGG"\nlayer { name: "data" }\n')
    (runs / "setup.cfg").write_text("[metadata]\nname = x\n")
    assert main(["lint", str(runs), "--select", "CF"]) == 0
    assert capsys.readouterr() == ("All checks passed!\n", "")


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
    assert out == "No problems found, but 1 file was only partly checked (see above).\n"


def test_directory_argument_lints_the_configs_below(tmp_path, capsys):
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "a.cfg").write_text("[net]\nwidth=1\nheight=1\nchannels=1\npolicy=STEPS\n")
    assert main(["lint", str(tmp_path / "cfg"), "--select", "DN006"]) == 1
    assert "a.cfg:5:8: DN006" in capsys.readouterr().out


#: DN006 on a policy with a byte that is not UTF-8: the message carries it
UNDECODABLE = b"[net]\nwidth=416\nheight=416\nchannels=3\npolicy=st\xe9ps\n"


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_json_on_stdout_never_fails_whatever_the_encoding(tmp_path, encoding):
    """issue 10: a lone surrogate in a message made PYTHONIOENCODING=utf-8 runs die with UnicodeEncodeError."""
    cfg = tmp_path / "caf\u00e9.cfg"
    cfg.write_bytes(UNDECODABLE)
    env = {**os.environ, "PYTHONIOENCODING": encoding, "NO_COLOR": "1"}
    for fmt in ("json", "text", "sarif", "github"):
        result = subprocess.run([sys.executable, "-m", "cfgtools", "lint", "--no-cache", "--select", "DN006",
                                 "--format", fmt, str(cfg)], capture_output=True, env=env, timeout=120)
        assert result.returncode == 1, result.stderr
        assert result.stderr == b""
        out = result.stdout.decode(encoding)
        assert "st\\xe9ps" in out.replace("\\\\", "\\")
        if fmt == "json":
            assert json.loads(out)[0]["code"] == "DN006"


def test_json_to_a_file_is_written_and_leaves_nothing_behind(tmp_path, capsys):
    cfg = tmp_path / "a.cfg"
    cfg.write_bytes(UNDECODABLE)
    report = tmp_path / "out.json"
    assert main(["lint", "--select", "DN006", "--format", "json", "-o", str(report), str(cfg)]) == 1
    assert capsys.readouterr() == ("", "")
    (finding,) = json.loads(report.read_text(encoding="utf-8"))
    assert "st\\xe9ps" in finding["message"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.cfg", "out.json"]


def test_data_file_checks_the_classes_without_needing_the_train_list(tmp_path, capsys):
    """YL011 from the command line: names= is found as darknet finds it, from the current folder."""
    (tmp_path / "obj.names").write_text("cat\ndog\n")
    (tmp_path / "obj.data").write_text("classes=2\ntrain=missing/train.txt\nnames=obj.names\n")
    cfg = tmp_path / "yolo.cfg"
    cfg.write_text("[net]\nwidth=64\nheight=64\nchannels=3\n\n[convolutional]\nfilters=255\nsize=1\n"
                   "activation=linear\n\n[yolo]\nmask=0,1,2\nanchors=10,13, 16,30, 33,23\nclasses=80\nnum=3\n")
    assert main(["lint", "--select", "YL011", "--data", "obj.data", str(cfg)]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    assert "yolo.cfg:14:9: YL011 [error] classes=80 in [yolo] (layer 1), but obj.data has classes=2" in out
    # --epochs needs the image count: then the train list must be readable
    assert main(["lint", "--select", "YL011", "--data", "obj.data", "--epochs", "10", str(cfg)]) == 2
    assert "missing/train.txt:1:1: no such file" in capsys.readouterr().err
# -- ultralytics -------------------------------------------------------------------------------------------------------

HYP = ("lr0: 0.01\nlrf: 0.01\nmomentum: 0.937\nweight_decay: 0.0005\nwarmup_epochs: 3.0\nwarmup_momentum: 0.8\n"
       "warmup_bias_lr: 0.1\nobj: 1.0\n")


def yolov5_opt(epochs: int, **hyp) -> str:
    """A YOLOv5 v6.2+ opt.yaml (hyperparameters nested under hyp:), batch size 16."""
    lines = HYP.replace("obj: 1.0\n", "")
    for key, value in hyp.items():
        lines = "\n".join(f"{key}: {value}" if line.startswith(f"{key}:") else line
                          for line in lines.splitlines()) + "\n"
    return f"weights: yolov5s.pt\nepochs: {epochs}\nbatch_size: 16\nseed: 0\nhyp:\n" + "".join(
        f"  {line}\n" for line in lines.splitlines())


def test_a_hyp_file_is_never_all_checks_passed(tmp_path, capsys):
    path = tmp_path / "hyp.yaml"
    path.write_text(HYP)
    assert main(["lint", str(path)]) == 0  # an info finding does not fail the run
    out = capsys.readouterr().out
    assert "All checks passed!" not in out
    assert f"{path}:1:1: UL008 [info] the schedule is not checked: a hyp file holds hyperparameters only" in out
    assert out.splitlines()[-1] == "Found 1 problem (0 errors, 0 warnings, 1 info)."


def test_resuming_300_to_600_jumps_30x_and_the_planned_values_resume_smoothly(tmp_path, capsys):
    from tests.ultralytics.checkpoint_files import write_checkpoint

    old = tmp_path / "old.yaml"
    old.write_text(yolov5_opt(300))
    opt = tmp_path / "opt.yaml"
    opt.write_text(yolov5_opt(600))
    last = write_checkpoint(tmp_path / "last.pt", {"epoch": 299, "optimizer": None, "opt": {"epochs": 300}})
    args = ["lint", str(opt), "--resume-from", str(last), "--previous", str(old), "--images", "12000",
            "--format", "json"]
    assert main(args) == 1
    (finding,) = json.loads(capsys.readouterr().out)
    # epoch 299 trained at lr0 lf(298) = 0.01 (2/300 0.99 + 0.01); epoch 301 at lr0 lf'(300) = 0.01 (0.5 0.99 + 0.01)
    jump = (0.5 * 0.99 + 0.01) / (2 / 300 * 0.99 + 0.01)
    assert 29 < jump < 31 and f"jumps x{jump:.3g} at epoch 301" in finding["message"]
    assert finding["code"] == "UL009" and finding["line"] == 2
    hint = finding["fix"]["description"]
    lr0, lrf = (float(part.split("=")[1]) for part in hint.split(" keep")[0].split(", "))
    opt.write_text(yolov5_opt(600, lr0=lr0, lrf=lrf))
    assert main(["lint", str(opt), "--resume-from", str(last), "--previous", str(old), "--images", "12000"]) == 0
    assert capsys.readouterr().out == "All checks passed!\n"


def test_the_lr_and_resume_rules_do_not_run_on_ultralytics_files(tmp_path, capsys):
    # a cosine to lrf 0.0001 of a 300-epoch run would give LR003 (negligible rates), and the weights' first
    # iteration trains at exactly 0 (LR001): neither speaks of an ultralytics run, the UL rules do
    from tests.ultralytics.checkpoint_files import write_checkpoint

    opt = tmp_path / "opt.yaml"
    opt.write_text(yolov5_opt(600, lrf=0.00001))
    last = write_checkpoint(tmp_path / "last.pt", {"epoch": 299, "opt": {"epochs": 300}})
    assert main(["lint", str(opt), "--select", "LR,RS", "--images", "12000", "--resume-from", str(last),
                 "--epochs", "600"]) == 0
    assert capsys.readouterr().out == "All checks passed!\n"


@pytest.mark.parametrize("content", ["system", "truncated", "bomb"])
def test_a_hostile_or_broken_checkpoint_is_one_line_and_exit_2(tmp_path, capsys, content):
    import io
    import os
    import pickle
    import zipfile

    marker = tmp_path / "marker"

    class RunsACommand:
        def __reduce__(self):
            return os.system, (f"echo ran > {marker}",)

    path = tmp_path / "last.pt"
    whole = io.BytesIO()
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as archive:
        if content == "bomb":
            archive.writestr("archive/data.pkl", b"\0" * (64 * 1024 * 1024))
        else:
            archive.writestr("archive/data.pkl", pickle.dumps({"epoch": 3, "model": RunsACommand()}, protocol=2))
    data = whole.getvalue()
    path.write_bytes(data[: len(data) // 2] if content == "truncated" else data)
    opt = tmp_path / "opt.yaml"
    opt.write_text(yolov5_opt(600))
    assert main(["lint", str(opt), "--resume-from", str(path), "--images", "12000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"{path}:1:1: ") and "Traceback" not in err
    assert not marker.exists()


def test_framework_version_from_the_command_line_and_pyproject(tmp_path, capsys):
    args = tmp_path / "args.yaml"
    args.write_text("task: detect\nepochs: 100\nbatch: 16\nboxes: true\n")
    assert main(["lint", str(args), "--select", "UL002", "--framework-version", "ultralytics-8.0"]) == 0
    assert capsys.readouterr().out == "All checks passed!\n"  # boxes is a setting of 8.0
    (tmp_path / "pyproject.toml").write_text('[tool.cfgtools]\nframework-version = "ultralytics-8.3"\n')
    assert main(["lint", str(args), "--select", "UL002"]) == 1
    assert "UL002 [warning] boxes is deprecated in ultralytics-8.3" in capsys.readouterr().out
    (tmp_path / "pyproject.toml").write_text('[tool.cfgtools]\nframework-version = "ultralytics-9"\n')
    assert main(["lint", str(args)]) == 2
    assert "unknown framework version 'ultralytics-9'" in capsys.readouterr().err
