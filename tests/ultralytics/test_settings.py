"""Reading YOLOv5 hyp/opt files and ultralytics args/default files: kinds, defaults, findings, schedule settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from cfgtools.errors import InputError
from cfgtools.positions import Span
from cfgtools.ultralytics.schedule import ScheduleError
from cfgtools.ultralytics.settings import (
    detect_kind,
    infer_version,
    looks_like_settings,
    parse_settings,
    read_settings,
    training_config,
)

from tests.conftest import FIXTURES, shared_dir

HERE = FIXTURES / "ultralytics"


def kinds(settings):
    return [(f.kind, f.key) for f in settings.findings]


@pytest.mark.parametrize(
    "name, kind, version",
    [
        ("hyp_scratch.yaml", "yolov5-hyp", "yolov5-7.0"),
        ("hyp_v5.yaml", "yolov5-hyp", "yolov5-7.0"),
        ("opt_v7.yaml", "yolov5-opt", "yolov5-7.0"),
        ("opt_v5.yaml", "yolov5-opt", "yolov5-5.0"),
        ("args_8.3.yaml", "ultralytics-args", "ultralytics-8.3"),
        ("args_bad.yaml", "ultralytics-default", "ultralytics-8.3"),
    ],
)
def test_kind_and_version_from_content(name, kind, version):
    settings = read_settings(HERE / name)
    assert (settings.kind, settings.rules.name) == (kind, version)


@pytest.mark.parametrize("name", ["hyp_scratch.yaml", "opt_v7.yaml", "opt_v5.yaml", "args_8.3.yaml"])
def test_clean_files_have_no_findings(name):
    assert read_settings(HERE / name).findings == []


def test_hyp_v5_under_its_version_is_clean_and_keeps_its_defaults():
    settings = read_settings(HERE / "hyp_v5.yaml", version="yolov5-5.0")
    assert settings.findings == []
    assert settings.hyperparameters.lrf == 0.2
    assert "copy_paste" not in settings.values


def test_hyp_mistakes():
    settings = read_settings(HERE / "hyp_bad.yaml")
    found = {(f.kind, f.key): f for f in settings.findings}
    assert set(found) == {
        ("type", "lr0"), ("out-of-range", "lrf"), ("unknown-key", "momentun"), ("ignored-key", "label_smoothing"),
        ("duplicate-key", "obj"), ("missing-key", "momentum"), ("missing-key", "warmup_bias_lr"),
    }
    assert found[("unknown-key", "momentun")].suggestion == "momentum"
    assert "did you mean 'momentum'?" in found[("unknown-key", "momentun")].message
    assert found[("type", "lr0")].span == Span(2, 6, 2, 10)
    assert "(1.0e-3)" in found[("type", "lr0")].message
    assert found[("duplicate-key", "obj")].span.line == 9  # the first obj, overridden on line 11
    assert found[("out-of-range", "lrf")].span == Span(3, 6, 3, 9)
    with pytest.raises(ScheduleError, match="lr0"):
        training_config(settings, epochs=10, batch=16)


def test_ultralytics_mistakes():
    settings = read_settings(HERE / "args_bad.yaml")
    found = {(f.kind, f.key): f for f in settings.findings}
    assert set(found) == {("unknown-key", "lr_0"), ("out-of-range", "momentum"), ("type", "nbs"),
                          ("deprecated-key", "boxes")}
    assert found[("unknown-key", "lr_0")].suggestion == "lr0"
    assert found[("deprecated-key", "boxes")].suggestion == "show_boxes"
    assert settings.values["cos_lr"] is True  # `yes` is YAML 1.1 true


def test_the_schedule_settings_of_each_kind():
    args = training_config(read_settings(HERE / "args_8.3.yaml"), images=1000, classes=3)
    assert (args.epochs, args.batch, args.nbs, args.optimizer, args.lr0) == (300, 16, 64, "auto", 0.01)
    opt7 = training_config(read_settings(HERE / "opt_v7.yaml"))
    assert (opt7.epochs, opt7.batch, opt7.cos_lr, opt7.optimizer, opt7.lrf) == (300, 32, False, "SGD", 0.01)
    opt5 = read_settings(HERE / "opt_v5.yaml")
    with pytest.raises(ScheduleError, match="hyp.scratch.yaml"):
        training_config(opt5)
    config = training_config(opt5, read_settings(HERE / "hyp_v5.yaml", version="yolov5-5.0"))
    assert (config.epochs, config.batch, config.cos_lr, config.lrf) == (120, 16, False, 0.2)  # --linear-lr
    hyp = training_config(read_settings(HERE / "hyp_scratch.yaml"), epochs=50, batch=8)
    assert (hyp.epochs, hyp.batch, hyp.warmup_bias_lr) == (50, 8, 0.1)


def test_version_overrides_and_refusals():
    with pytest.raises(InputError, match="cannot be read with the rules"):
        read_settings(HERE / "hyp_scratch.yaml", version="ultralytics-8.3")
    with pytest.raises(InputError, match="did you mean"):
        read_settings(HERE / "hyp_scratch.yaml", version="yolov5-7")
    with pytest.raises(InputError, match="none of its keys"):
        parse_settings("foo: 1\nbar: 2\n", "x.yaml")


def test_latest_rules_on_an_8_3_file():
    settings = read_settings(HERE / "args_8.3.yaml", version="ultralytics-latest")
    assert {f.key for f in settings.findings if f.kind == "deprecated-key"} == {
        "label_smoothing", "save_hybrid", "crop_fraction", "half", "int8", "keras"}
    # 8.4 refuses None for a typed key whose default is set; 8.3's args.yaml has none of those
    assert not [f for f in settings.findings if f.kind == "type"]


def test_time_and_autobatch_are_not_schedulable():
    settings = parse_settings("task: detect\nepochs: 10\nbatch: -1\n", "a.yaml")
    with pytest.raises(ScheduleError, match="AutoBatch"):
        training_config(settings)
    settings = parse_settings("task: detect\nepochs: 10\ntime: 2.5\n", "a.yaml")
    with pytest.raises(ScheduleError, match="time"):
        training_config(settings)


def _upstream_files() -> list[Path]:
    shared = shared_dir()
    root = shared / "corpus" / "ultralytics" if shared else None
    if root is None or not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*.yaml") if p.is_file())


@pytest.mark.corpus
@pytest.mark.parametrize("path", _upstream_files() or [None], ids=lambda p: p.name if p else "absent")
def test_upstream_hyp_and_default_files_read_without_findings(path):
    """YOLOv5's data/hyps/*.yaml and ultralytics' cfg/default.yaml, when the shared corpus carries them."""
    if path is None:
        pytest.skip("no ultralytics corpus under ../shared/corpus/ultralytics")
    settings = read_settings(path)
    assert settings.findings == [], [f.message for f in settings.findings]


@pytest.mark.parametrize("text, version", [
    ("task: detect\nepochs: 10\nlr0: 0.01\n", None),  # every release knows these: the default stands
    ("task: detect\nepochs: 10\nboxes: true\n", None),  # deprecated later, still known: no vote against 8.3
    ("task: detect\nepochs: 10\ncls_remap: true\n", "ultralytics-latest"),  # only 8.4 knows cls_remap
    ("task: detect\nepochs: 10\ncutmix: 0.1\nbgr: 0.0\n", None),  # 8.3 knows both (cutmix added in 8.3.x)
])
def test_the_release_an_ultralytics_file_shows(text, version):
    document = parse_settings(text, "args.yaml").document
    assert infer_version(detect_kind(document), document) == version


def test_8_4_reads_the_string_none_as_none():
    text = "task: detect\nepochs: 10\nworkspace: None\n"
    assert parse_settings(text, "a.yaml", version="ultralytics-latest").findings == []
    # 8.3 does that for the package's own default.yaml only: a cfg= file with it stops in check_cfg
    (finding,) = parse_settings(text, "a.yaml", version="ultralytics-8.3").findings
    assert (finding.kind, finding.key) == ("type", "workspace")


def test_schedule_errors_name_their_key():
    cases = {
        "task: detect\nepochs: 10\nbatch: -1\n": "batch",
        "task: detect\nepochs: 10\nbatch: 16\ntime: 1.0\n": "time",
        "task: detect\nepochs: 0\nbatch: 16\n": "epochs",
        "weights: yolov5s.pt\nepochs: 10\nbatch_size: -1\nhyp: data/hyp.yaml\n": "hyp",
        "task: detect\nepochs: 10\nbatch: 16\nlr0: 1e-2\n": "lr0",
    }
    for text, key in cases.items():
        with pytest.raises(ScheduleError) as info:
            training_config(parse_settings(text, "a.yaml"))
        assert info.value.key == key, text
    with pytest.raises(ScheduleError, match="^epochs: Input should be greater than or equal to 1$"):
        training_config(parse_settings("task: detect\nepochs: 0\nbatch: 16\n", "a.yaml"))


def test_looks_like_settings():
    assert looks_like_settings(frozenset({"lr0"}))
    assert looks_like_settings(frozenset({"task", "nbs", "something_new"}))
    assert not looks_like_settings(frozenset({"lr0", "a", "b"}))  # mostly unknown keys
    assert not looks_like_settings(frozenset({"name", "project"}))  # known, but nothing only settings have
    assert not looks_like_settings(frozenset())
