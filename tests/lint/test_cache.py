"""The lint result cache never changes a result, survives corruption with one warning, and is used when warm."""

from __future__ import annotations

import json

import pytest

from cfgtools.cli import main
from cfgtools.darknet import document, hankai, layers
from tests.conftest import FIXTURES, corpus_files

FILES = [str(FIXTURES / "darknet" / "reading_quirks.cfg"), str(FIXTURES / "darknet" / "policy_poly.cfg"),
         str(FIXTURES / "caffe" / "policy_step.prototxt"), str(FIXTURES / "caffe" / "unknown_fields.prototxt")]
POLY = "[net]\nwidth=32\nheight=32\nchannels=3\nlearning_rate=0.01\npolicy=poly\npower=4\nmax_batches={}\n"


def lint_json(capsys, *args) -> tuple[int, list[dict], str]:
    code = main(["lint", "--format", "json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


@pytest.fixture
def cache(tmp_path, monkeypatch):
    directory = tmp_path / "cache"
    monkeypatch.setenv("CFGTOOLS_CACHE_DIR", str(directory))
    return directory


def test_cold_warm_and_no_cache_give_the_same_report(cache, capsys):
    cold = lint_json(capsys, *FILES)
    entries = sorted(cache.glob("*.json"))
    assert entries and (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    warm = lint_json(capsys, *FILES)
    assert warm == cold and sorted(cache.glob("*.json")) == entries  # nothing new written
    assert lint_json(capsys, "--no-cache", *FILES) == cold


def test_the_whole_corpus_with_and_without_the_cache(cache, capsys):
    files = [str(p) for p in corpus_files("darknet") + corpus_files("caffe") if p.suffix in (".cfg", ".prototxt", ".pt")]
    if not files:
        pytest.skip("the shared corpus is absent")
    reference = lint_json(capsys, "--no-cache", *files)
    assert lint_json(capsys, *files) == reference  # cold: fills the cache
    assert lint_json(capsys, *files) == reference  # warm: read from it


def test_a_corrupt_entry_is_ignored_with_one_warning(cache, capsys):
    cold = lint_json(capsys, *FILES)
    for entry in cache.glob("*.json"):
        entry.write_text('{"format": 1, "key": "x", "diagnos')
    code, found, err = lint_json(capsys, *FILES)
    assert (code, found) == cold[:2]
    assert err.count("warning: cache ignored") == 1 and "corrupt" in err


def test_an_unusable_cache_directory_is_one_warning(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("CFGTOOLS_CACHE_DIR", str(blocker / "cache"))
    code, found, err = lint_json(capsys, *FILES)
    assert found and err.count("is not usable") == 1


def test_a_different_previous_config_is_a_different_entry(cache, tmp_path, capsys):
    # poly power 4 resumed at 300 of 400 with max_batches raised to 600: the rate jumps
    # ((1 - 301/600) / (1 - 300/400))**4 = (299/150)**4, about 15.8
    new, previous = tmp_path / "new.cfg", tmp_path / "old.cfg"
    new.write_text(POLY.format(600))
    previous.write_text(POLY.format(400))
    first = lint_json(capsys, "--resume-from", "300", "--previous", str(previous), str(new))
    previous.write_text(new.read_text())  # the same config: no jump any more
    second = lint_json(capsys, "--resume-from", "300", "--previous", str(previous), str(new))
    assert [d["code"] for d in first[1]].count("RS001") == 1
    assert [d["code"] for d in second[1]].count("RS001") == 0


def test_an_entry_is_stale_once_a_file_the_result_depends_on_changes(cache, tmp_path, monkeypatch, capsys):
    # a YOLOv5 v5.0 opt.yaml names its hyp file: without it the schedule cannot be checked (UL008)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    hyp = tmp_path / "data" / "hyp.scratch.yaml"
    hyp.write_text((FIXTURES / "ultralytics" / "hyp_v5.yaml").read_text())
    (tmp_path / "opt.yaml").write_text((FIXTURES / "ultralytics" / "opt_v5.yaml").read_text())
    args = ("--images", "1000", "opt.yaml")
    with_hyp = lint_json(capsys, *args)
    assert "UL008" not in [d["code"] for d in with_hyp[1]]
    hyp.rename(tmp_path / "data" / "elsewhere.yaml")
    without_hyp = lint_json(capsys, *args)
    assert without_hyp[:2] == lint_json(capsys, "--no-cache", *args)[:2]
    assert [d["code"] for d in without_hyp[1]] == ["UL008"]


#: the modules whose readers memoise what does not depend on a line's number (or a text's fork)
MEMOISING_MODULES = (document, hankai, layers)


def test_the_corpus_linted_with_memoised_reading_equals_the_plain_reading(monkeypatch, capsys):
    files = [str(p) for p in corpus_files("darknet") + corpus_files("caffe")
             if p.suffix in (".cfg", ".prototxt", ".pt")]
    if not files:
        pytest.skip("the shared corpus is absent")
    memoised = lint_json(capsys, "--no-cache", *files)
    unwrapped = []
    for module in MEMOISING_MODULES:
        for name, value in vars(module).items():
            # the compiled grammar (_parser) is no result of a file: keep it
            if name != "_parser" and hasattr(value, "cache_clear") and hasattr(value, "__wrapped__"):
                monkeypatch.setattr(module, name, value.__wrapped__)
                unwrapped.append(f"{module.__name__}.{name}")
    assert "cfgtools.darknet.document._read_lines" in unwrapped and "cfgtools.darknet.hankai._line_reading" in unwrapped
    assert lint_json(capsys, "--no-cache", *files) == memoised
