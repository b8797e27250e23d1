"""The YL (network) rules on small hand-written fixtures, and on the upstream corpus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import FIXTURES, corpus_files
from cfgtools.lint.core import Severity
from cfgtools.lint.registry import RULES, all_rules, applies_to
from cfgtools.lint.runner import lint_file
from cfgtools.lint.settings import LintSettings

LINT_FIXTURES = FIXTURES / "lint"
EXPECT = re.compile(r"^# expect: (?P<code>[A-Z]+[0-9]+) line (?P<line>[0-9]+)\s*$", re.MULTILINE)


def yl_rules():
    return {code: rule for code, rule in all_rules().items() if code.startswith("YL")}


def run_yl(path: Path, dialect: str = "alexeyab", codes=None):
    result = lint_file(str(path), LintSettings(select=list(codes or ["YL"]), dialect=dialect))
    assert not result.errors
    return result.diagnostics


def test_all_ten_rules_registered():
    assert sorted(yl_rules()) == [f"YL{n:03d}" for n in range(1, 11)]
    for code, rule in yl_rules().items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), code
        assert applies_to(rule) == "darknet"
    severities = {code: RULES[code].severity for code in yl_rules()}
    assert all(severities[f"YL00{n}"] is Severity.ERROR for n in range(1, 6))
    assert severities["YL010"] is Severity.INFO


BAD = sorted(LINT_FIXTURES.glob("YL*_bad*.cfg"))
GOOD = sorted(LINT_FIXTURES.glob("YL*_good*.cfg"))


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_fixture_has_exactly_the_expected_findings(path: Path):
    expected = sorted((m["code"], int(m["line"])) for m in EXPECT.finditer(path.read_text()))
    assert expected, "a bad fixture declares its findings with '# expect:' lines"
    code = path.stem.split("_")[0]
    assert code in {c for c, _ in expected}
    found = sorted((d.code, d.span.line) for d in run_yl(path))
    assert found == expected


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_fixture_is_clean(path: Path):
    assert run_yl(path) == []


def test_every_rule_has_a_bad_and_a_good_fixture():
    for code in yl_rules():
        assert (LINT_FIXTURES / f"{code}_bad.cfg").is_file(), code
        assert (LINT_FIXTURES / f"{code}_good.cfg").is_file(), code


@pytest.mark.parametrize(
    "name, expected, formula",
    [
        ("YL001_bad", 21, "(classes + 5) * len(mask) = (2 + 5) * 3 = 21"),
        ("YL001_bad_gaussian", 33, "(classes + 9) * len(mask) = (2 + 9) * 3 = 33"),
        ("YL001_bad_region", 14, "(classes + coords + 1) * num = (2 + 4 + 1) * 2 = 14"),
    ],
)
def test_yl001_gives_the_value_to_write(name, expected, formula):
    (diagnostic,) = run_yl(LINT_FIXTURES / f"{name}.cfg", codes={"YL001"})
    assert formula in diagnostic.message
    assert diagnostic.severity is Severity.ERROR
    assert diagnostic.fix.replacement == str(expected)
    # the fix replaces exactly the written filters value
    line = (LINT_FIXTURES / f"{name}.cfg").read_text().split("\n")[diagnostic.span.line - 1]
    span = diagnostic.fix.span
    assert line.startswith("filters=")
    assert line[span.column - 1 : span.end_column - 1] == line.split("=", 1)[1]


def test_yl001_applies_in_pjreddie_too():
    (diagnostic,) = run_yl(LINT_FIXTURES / "YL001_bad.cfg", dialect="pjreddie", codes={"YL001"})
    assert diagnostic.fix.replacement == "21"


def test_yl008_did_you_mean_and_fix():
    (diagnostic,) = run_yl(LINT_FIXTURES / "YL008_bad.cfg", codes={"YL008"})
    assert "did you mean 'stride'" in diagnostic.message
    assert diagnostic.fix.replacement == "stride"


def test_yl008_knows_fork_specific_keys(tmp_path: Path):
    cfg = tmp_path / "fork.cfg"
    cfg.write_text("[net]\nwidth=32\nheight=32\nchannels=3\n\n[convolutional]\nfilters=4\nsize=3\n"
                   "stride_x=2\nstride_y=1\ndilation=2\n\n[route]\nlayers=-1\ngroups=2\ngroup_id=1\n")
    assert run_yl(cfg, codes={"YL008"}) == []
    pj = {d.message.split("'")[1] for d in run_yl(cfg, dialect="pjreddie", codes={"YL008"})}
    assert pj == {"stride_x = 2", "stride_y = 1", "dilation = 2", "groups = 2", "group_id = 1"}


def test_yl009_zero_mini_batch_is_an_error_in_pjreddie(tmp_path: Path):
    cfg = tmp_path / "b.cfg"
    cfg.write_text("[net]\nbatch=4\nsubdivisions=8\nwidth=32\nheight=32\nchannels=3\n\n[maxpool]\nsize=2\nstride=2\n")
    (ab,) = run_yl(cfg, codes={"YL009"})
    (pj,) = run_yl(cfg, dialect="pjreddie", codes={"YL009"})
    assert ab.severity is Severity.WARNING and "raises it to 1" in ab.message
    assert pj.severity is Severity.ERROR


def test_yl007_header_with_trailing_comment(tmp_path: Path):
    cfg = tmp_path / "h.cfg"
    cfg.write_text("[net]\nwidth=32\nheight=32\nchannels=3\n\n[maxpool] # pool\nsize=2\nstride=2\n")
    (diagnostic,) = run_yl(cfg, codes={"YL007"})
    assert "[maxpool]#pool" in diagnostic.message and diagnostic.fix.replacement == "[maxpool]"


# --- the upstream corpus ------------------------------------------------------------------------

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
#: pjreddie-era ResNets add a strided shortcut (e.g. 64x64 onto 32x32); pjreddie resamples,
#: AlexeyAB adds by flat index (it only prints "Downsample here"): a warning under alexeyab.
AB_STRIDED_SHORTCUTS = {
    "alexeyab/resnet101.cfg", "alexeyab/resnet152.cfg", "alexeyab/resnet50.cfg",
    "alexeyab/resnext152-32x4d.cfg", "alexeyab/x64__resnet152_yolo.cfg", "alexeyab/x64__resnet50_yolo.cfg",
}


def _corpus_name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.corpus
@pytest.mark.parametrize("path", DARKNET_CFGS, ids=_corpus_name)
def test_structural_rules_are_quiet_on_upstream_cfgs(path: Path):
    name = _corpus_name(path)
    dialect = "pjreddie" if path.parent.name == "pjreddie" else "alexeyab"
    found = run_yl(path, dialect=dialect, codes=STRUCTURAL)
    strided = {d for d in found if d.code == "YL005" and name in AB_STRIDED_SHORTCUTS}
    assert all(d.severity is Severity.WARNING and "flat index" in d.message for d in strided)
    rest = {(d.code, d.span.line, d.severity.value) for d in found if d not in strided}
    assert rest == KNOWN_UPSTREAM.get(name, set())
    if name in AB_STRIDED_SHORTCUTS:
        assert len(strided) == 3


def test_corpus_skip_reason():
    if not DARKNET_CFGS:
        pytest.skip("shared corpus (next to the repository) is absent")
