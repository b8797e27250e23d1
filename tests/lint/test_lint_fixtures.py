"""Every rule has a fixture with its problem and one without (fixtures/lint/)."""

from __future__ import annotations

import pytest

from cfgtools.lint.registry import all_rules
from cfgtools.lint.runner import lint_file
from cfgtools.lint.settings import LintSettings

from tests.lint.lint_fixtures import code_of, expectations, fixture_files

OURS = ("DN", "CF")
BAD = [p for p in fixture_files("*_bad*") if code_of(p).startswith(OURS)]
GOOD = [p for p in fixture_files("*_good*") if code_of(p).startswith(OURS)]


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_bad_fixture_gives_exactly_the_expected_diagnostics(path):
    expected, extra = expectations(path)
    assert expected, f"{path.name} has no '# expect:' line"
    codes = sorted({code for code, _ in expected})
    settings = LintSettings(select=codes, **extra)
    result = lint_file(str(path), settings)
    assert not result.errors
    found = sorted((d.code, d.span.line) for d in result.diagnostics)
    assert found == expected, "\n".join(f"{d.span.line}: {d.code} {d.message}" for d in result.diagnostics)


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_good_fixture_is_clean_for_every_dn_and_cf_rule(path):
    _, extra = expectations(path)
    result = lint_file(str(path), LintSettings(select=list(OURS), **extra))
    assert not result.errors
    assert [(d.code, d.span.line, d.message) for d in result.diagnostics] == []


def test_every_rule_has_a_bad_and_a_good_fixture():
    bad = {code_of(p) for p in BAD}
    good = {code_of(p) for p in GOOD}
    ours = [code for code in all_rules() if code.startswith(OURS)]
    assert [c for c in ours if c not in bad] == []
    assert [c for c in ours if c not in good] == []


def test_messages_say_what_darknet_reads():
    path = next(p for p in BAD if p.name == "DN004_bad.cfg")
    result = lint_file(str(path), LintSettings(select=["DN004"]))
    first = result.diagnostics[0]
    assert "6e3" in first.message and "gets 6" in first.message and "6000" in first.message
    assert first.fix is not None and first.fix.replacement == "6000"
