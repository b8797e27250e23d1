"""Lint every upstream config of the shared corpus: no crash, the DN/CF rules stay quiet on healthy files,
and the structural YL rules find only the known upstream mistakes."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from tests.conftest import corpus_files
from cfgtools.lint.core import Severity
from cfgtools.lint.runner import lint_file, lint_paths
from cfgtools.lint.settings import LintSettings

pytestmark = pytest.mark.corpus

FILES = [str(p) for p in corpus_files("darknet") + corpus_files("caffe")]

#: No DN/CF rule may fire on more than this share of the upstream files (a noisy default).
MAX_SHARE = 0.2


@pytest.mark.skipif(not FILES, reason="the shared corpus (next to the repository) is absent")
@pytest.mark.parametrize("dialect", ["alexeyab", "pjreddie"])
def test_corpus_lints_without_errors_and_without_noise(dialect):
    run = lint_paths(FILES, LintSettings(dialect=dialect, select=["DN", "CF"]))
    assert run.errors == []
    assert sum(1 for f in run.files if f.kind is not None) == len(FILES)
    counts = collections.Counter(d.code for d in run.diagnostics)
    files_per_code = {code: len({d.path for d in run.diagnostics if d.code == code}) for code in counts}
    print(f"\n{dialect}: " + ", ".join(f"{c} {n} ({files_per_code[c]} files)" for c, n in sorted(counts.items())))
    for code, files in files_per_code.items():
        if dialect == "pjreddie" and code == "DN001":
            continue  # AlexeyAB cfgs read as pjreddie: AB-only keys are reported as info
        assert files <= MAX_SHARE * len(FILES), f"{code} fires on {files} of {len(FILES)} upstream files"


@pytest.mark.skipif(not FILES, reason="the shared corpus (next to the repository) is absent")
def test_corpus_files_darknet_or_caffe_never_fail_internally():
    run = lint_paths(FILES, LintSettings())
    internal = [e for e in run.errors if "internal error in rule DN" in e or "internal error in rule CF" in e]
    assert internal == []


@pytest.mark.skipif(not FILES, reason="the shared corpus (next to the repository) is absent")
def test_healthy_upstream_files_have_no_dn_cf_errors():
    run = lint_paths(FILES, LintSettings(select=["DN", "CF"]))
    errors = [(d.path, d.code, d.message) for d in run.diagnostics if d.severity.value == "error"]
    assert errors == []


# ----------------------------------------------------------------------------- the YL rules

DARKNET_CFGS = [p for p in corpus_files("darknet") if p.suffix == ".cfg"]
STRUCTURAL = {"YL001", "YL002", "YL003", "YL004", "YL005"}

#: Real findings in upstream cfgs, checked by hand (file name -> {(code, line, severity)}).
KNOWN_UPSTREAM = {
    # 40 anchor numbers (20 pairs) but num=16, and the last head masks 16..19: num should be 20
    "alexeyab/cspx-p7-mish.cfg": {("YL003", line, "warning") for line in (2348, 2407, 2466, 2525, 2584)}
    | {("YL003", 2583, "error")},
    # a missing comma ("61,45    61,45" reads as 61,4561,45): 31 anchor numbers for num=16
    "alexeyab/cspx-p7-mish_hp.cfg": {("YL003", line, "error") for line in (2351, 2417, 2482, 2547, 2612)},
}
#: pjreddie-era ResNets add a strided shortcut (e.g. 64x64 onto 32x32); pjreddie resamples, AlexeyAB's
#: parse_shortcut asserts that the sizes match and stops (AlexeyAB/darknet issues 4949, 6184, 8685).
AB_STRIDED_SHORTCUTS = {
    "alexeyab/resnet101.cfg", "alexeyab/resnet152.cfg", "alexeyab/resnet50.cfg",
    "alexeyab/resnext152-32x4d.cfg", "alexeyab/x64__resnet152_yolo.cfg", "alexeyab/x64__resnet50_yolo.cfg",
}


def _corpus_name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("path", DARKNET_CFGS, ids=_corpus_name)
def test_structural_rules_are_quiet_on_upstream_cfgs(path: Path):
    name = _corpus_name(path)
    dialect = "pjreddie" if path.parent.name == "pjreddie" else "alexeyab"
    result = lint_file(str(path), LintSettings(select=sorted(STRUCTURAL), dialect=dialect))
    assert not result.errors
    found = result.diagnostics
    strided = {d for d in found if d.code == "YL005" and name in AB_STRIDED_SHORTCUTS}
    assert all(d.severity is Severity.ERROR and "parse_shortcut asserts" in d.message for d in strided)
    rest = {(d.code, d.span.line, d.severity.value) for d in found if d not in strided}
    assert rest == KNOWN_UPSTREAM.get(name, set())
    if name in AB_STRIDED_SHORTCUTS:
        assert len(strided) == 3


def test_yl_corpus_skip_reason():
    if not DARKNET_CFGS:
        pytest.skip("shared corpus (next to the repository) is absent")
