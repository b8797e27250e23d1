"""``cfgtools show``: values and provenance, and one clean line per unreadable file."""

import json

import pytest

from cfgtools.cli import main
from tests.conftest import corpus_files


def run_show(capsys, *args):
    code = main(["show", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_output_names_the_origin_and_the_written_text(capsys, fixtures_dir):
    code, out, err = run_show(capsys, fixtures_dir / "darknet" / "reading_quirks.cfg")
    assert code == 0 and err == ""
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert "5" in lines["max_batches"].split() and "written '5e5'" in lines["max_batches"]
    assert "line 13" in lines["learning_rate"]
    assert lines["burn_in"].split()[1:] == ["0", "default"]
    assert "constant" in out.splitlines()[-3]  # (policy used)


def test_json_output(capsys, fixtures_dir):
    code, out, _ = run_show(capsys, fixtures_dir / "darknet" / "reading_quirks.cfg", "--format", "json")
    model = json.loads(out)
    assert model["net"]["max_batches"] == {
        "value": 5, "source": "file", "read": True, "written": "5e5", "position": {"line": 7, "column": 13},
    }
    assert model["effective_policy"] == "constant"


def test_bom_file_warns_in_one_line_and_shows_values(capsys, fixtures_dir):
    path = fixtures_dir / "darknet" / "reading_bom.cfg"
    code, out, err = run_show(capsys, path)
    assert code == 0
    assert err.splitlines()[0].startswith(f"{path}:1:1: warning: ") and "byte-order mark" in err
    assert "Traceback" not in err
    assert "batch              2" in out


def test_crlf_under_pjreddie(capsys, fixtures_dir):
    path = fixtures_dir / "darknet" / "reading_crlf.cfg"
    code, out, err = run_show(capsys, path, "--dialect", "pjreddie")
    assert code == 0 and "First section must be [net]" in err
    code, out, err = run_show(capsys, path)
    assert code == 0 and err == "" and "steps" in out


def test_binary_and_missing_files_give_one_line_and_the_run_goes_on(capsys, tmp_path, fixtures_dir):
    binary = tmp_path / "random.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    missing = tmp_path / "missing.cfg"
    good = fixtures_dir / "darknet" / "reading_quirks.cfg"
    code, out, err = run_show(capsys, binary, missing, good)
    assert code == 2
    errors = err.splitlines()
    assert errors == [f"{binary}:1:1: binary file (NUL byte); not a text config", f"{missing}:1:1: no such file"]
    assert "[net]" in out  # the good file was still shown


def test_not_a_darknet_config(capsys, tmp_path):
    setup_cfg = tmp_path / "setup.cfg"
    setup_cfg.write_text("[metadata]\nname = x\n")
    code, _, err = run_show(capsys, setup_cfg)
    assert code == 2
    assert err == f"{setup_cfg}:1:1: not a darknet config: it starts with '[metadata]', and a darknet cfg starts with [net] or [network]\n"


def test_empty_and_directory(capsys, tmp_path):
    empty = tmp_path / "empty.cfg"
    empty.write_text("")
    code, _, err = run_show(capsys, empty, tmp_path)
    assert code == 2 and len(err.splitlines()) == 2 and "Traceback" not in err


@pytest.mark.corpus
def test_show_exits_0_on_every_corpus_file(capsys):
    files = corpus_files("darknet") + corpus_files("caffe")
    if not files:
        pytest.skip("the shared corpus (next to the repository) is absent")
    failures = []
    for path in files:
        code, _, err = run_show(capsys, path)
        if code != 0:
            failures.append((path.name, err))
    assert failures == []


def test_key_before_any_section_is_a_darknet_file_that_crashes(capsys, fixtures_dir):
    path = fixtures_dir / "darknet" / "reading_key_before_section.cfg"
    code, out, err = run_show(capsys, path)
    assert code == 0
    assert err == f"{path}:1:1: warning: 'batch' comes before any [section]: darknet crashes (segfault) reading it\n"
    assert "width              32                       line 3" in out


def test_solver_messages_are_one_line_and_json_is_strict(capsys, tmp_path):
    # BVLC's mnist autoencoder solvers have test_state: { stage: 'test-on-train' }
    path = tmp_path / "ae_solver.prototxt"
    path.write_text("test_iter: 1\ntest_state: { stage: 'test-on-train' }\nbase_lr: nan\nlr_policy: 'fixed'\n")
    code, out, err = run_show(capsys, path, "--format", "json")
    data = json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))
    assert code == 0 and data["fields"]["test_state"]["value"] == ['stage: "test-on-train"']
    assert data["fields"]["base_lr"]["value"] == "nan"
    code, out, err = run_show(capsys, path)
    assert '  test_state             stage: "test-on-train"   line 2\n' in out


def test_text_from_the_file_cannot_break_or_forge_lines(capsys, tmp_path):
    # an ESC sequence in a header, an undecodable byte in a value, a line separator in a value
    path = tmp_path / "odd.cfg"
    path.write_bytes(b"[net]\npolicy=st\xc3eps" + "\u2028".encode() + b"x\n[x\x1b[2Jy]\n")
    code, out, err = run_show(capsys, path)
    assert code == 0 and "\x1b" not in out and "\u2028" not in out
    assert "  policy             st\\xc3eps\\u2028x" in out and "[x\\x1b[2Jy] x1" in out


def test_ssd_solver_under_each_caffe_fork(capsys, fixtures_dir):
    path = str(fixtures_dir / "caffe" / "ssd_plateau.prototxt")
    assert main(["show", "--format", "json", "--caffe-fork", "ssd", path]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    data = data[0] if isinstance(data, list) else data
    assert data["fork"] == "ssd" and data["unknown_fields"] == []
    assert data["fields"]["plateau_winsize"]["value"] == [10000, 20000, 20000]
    assert data["fields"]["eval_type"] == {"value": "detection", "source": "file", "position": {"line": 15, "column": 12}}
    assert captured.err == ""
    # read as BVLC: the three SSD fields are unknown, each one warning line naming the fork that refuses it
    assert main(["show", path]) == 0
    captured = capsys.readouterr()
    assert "read as BVLC Caffe reads it" in captured.out
    assert [line.split(": warning: ")[1] for line in captured.err.splitlines()] == [
        f"unknown field {name!r}: BVLC Caffe refuses this file (the rest is shown)"
        for name in ("plateau_winsize", "plateau_winsize", "plateau_winsize", "eval_type", "ap_version",
                     "show_per_class_result")
    ]


def test_ultralytics_files(capsys, fixtures_dir, tmp_path):
    args = fixtures_dir / "ultralytics" / "args_8.3.yaml"
    assert main(["show", str(args)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (f"{args}: ultralytics args.yaml, read with the rules of ultralytics-8.3 (the default for "
                        "ultralytics files; --framework-version chooses another)")
    assert "  lr0                    0.01                     line 73" in lines
    assert main(["show", "--format", "json", "--framework-version", "ultralytics-8.1", str(args)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["version"], data["version_source"]) == ("ultralytics-8.1", "chosen with --framework-version")
    assert data["settings"]["epochs"] == {"value": 300, "source": "file", "position": {"line": 5, "column": 9}}
    hostile = tmp_path / "hyp.yaml"
    hostile.write_text("lr0: !!python/object/apply:os.system ['echo ran']\nlrf: 0.1\n")
    assert main(["show", str(hostile)]) == 2
    assert capsys.readouterr().err == (f"{hostile}:1:6: tag 'tag:yaml.org,2002:python/object/apply:os.system' has "
                                       "no safe constructor: yaml.safe_load refuses the file\n")
