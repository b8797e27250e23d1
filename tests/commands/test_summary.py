"""``cfgtools summary``: the layer table, totals, JSON, bad input, and every upstream cfg."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, corpus_files
from cfgtools.cli import main

SHAPES = str(FIXTURES / "darknet" / "net_shapes.cfg")


def run(capsys, *argv):
    code = main(["summary", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_table_and_total(capsys):
    code, out, err = run(capsys, SHAPES)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("   layer   filters  size/strd(dil)")
    assert lines[1] == "   0 conv     16       3 x 3/ 1    416 x 416 x   3 ->  416 x 416 x  16 0.150 BF"
    assert "   5 route  4" in out and "1/2 ->  104 x 104 x  32" in out
    assert re.search(r"^   8 conv      8       3x 3/ 2x 1 ", out, re.MULTILINE)
    assert lines[-1].strip() == "Total BFLOPS 0.363"


def test_json(capsys):
    code, out, _ = run(capsys, SHAPES, "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["width"] == 416
    assert data["layers"][0]["output"] == [416, 416, 16]
    assert data["layers"][4]["sources"] == [3, 2]
    assert data["total_bflops"] == pytest.approx(0.363072, abs=1e-6)


def test_width_height(capsys):
    code, out, _ = run(capsys, SHAPES, "--width", "32", "--height", "64")
    assert code == 0 and "   0 conv     16       3 x 3/ 1     32 x  64 x   3 ->   32 x  64 x  16" in out


def test_problems_go_to_stderr(capsys, tmp_path: Path):
    cfg = tmp_path / "bad.cfg"
    cfg.write_text("[net]\nwidth=32\nheight=32\nchannels=3\n\n[route]\nlayers=4\n")
    code, out, err = run(capsys, str(cfg))
    assert code == 0 and "Total BFLOPS 0.000" in out
    assert re.match(rf"{re.escape(str(cfg))}:6:1: layer 0: layer 4 does not exist", err)


@pytest.mark.parametrize(
    "text, message",
    [
        # a darknet layer first: darknet's own refusal
        ("[convolutional]\nfilters=3\n", "First section must be \\[net\\] or \\[network\\]"),
        ("[metadata]\nname = x\n", "not a darknet config"),
        ("base_lr: 0.01\nlr_policy: \"fixed\"\n", "Caffe solver"),
        ("", "empty file"),
    ],
)
def test_not_a_darknet_cfg(capsys, tmp_path: Path, text, message):
    path = tmp_path / "x.cfg"
    path.write_text(text)
    code, out, err = run(capsys, str(path))
    assert code == 2 and out == ""
    assert re.fullmatch(rf"{re.escape(str(path))}:\d+:\d+: .*{message}.*\n", err)


def test_missing_file(capsys, tmp_path: Path):
    code, _, err = run(capsys, str(tmp_path / "nope.cfg"))
    assert code == 2 and err.endswith(": no such file\n")


# --- the upstream corpus ------------------------------------------------------------------------

DARKNET_CFGS = [p for p in corpus_files("darknet") if p.suffix == ".cfg"]


@pytest.mark.corpus
@pytest.mark.parametrize("path", DARKNET_CFGS, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("dialect", ["alexeyab", "pjreddie"])
def test_summary_runs_on_every_upstream_cfg(capsys, path: Path, dialect):
    code, out, err = run(capsys, str(path), "--dialect", dialect)
    assert code == 0, err
    assert "Total BFLOPS" in out and "Traceback" not in err


@pytest.mark.corpus
@pytest.mark.parametrize(
    "name, total",
    [("yolov3.cfg", "65.879"), ("yolov4.cfg", "128.459"), ("yolov3-tiny.cfg", "5.571"), ("yolov4-tiny.cfg", "6.910")],
)
def test_alexeyab_totals(capsys, shared, name, total):
    # the totals AlexeyAB's darknet prints for its own cfgs at their own width/height
    code, out, _ = run(capsys, str(shared / "corpus" / "darknet" / "alexeyab" / name))
    assert code == 0
    assert out.splitlines()[-1].strip() == f"Total BFLOPS {total}"
