"""Lint every upstream config of the shared corpus: no crash, and the DN/CF rules stay quiet on healthy files."""

from __future__ import annotations

import collections

import pytest

from tests.conftest import corpus_files
from cfgtools.lint.runner import lint_paths
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
