"""The one rule table: codes, names, severities and the frameworks a rule applies to."""

from __future__ import annotations

import re

from cfgtools.lint.core import Severity
from cfgtools import frameworks
from cfgtools.lint.registry import (
    FAMILY_FRAMEWORK,
    FAMILY_NEEDS,
    RULES,
    all_rules,
    applies_to,
    codes_for,
    family,
    rule_frameworks,
)


def test_codes_and_names():
    for code, rule in RULES.items():
        assert rule.code == code
        assert re.fullmatch(r"[A-Z]{2}[0-9]{3}", code)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), code
    names = [rule.name for rule in RULES.values()]
    assert len(names) == len(set(names))
    assert list(all_rules()) == sorted(RULES)


def test_the_yl_rules():
    yl = {code: rule for code, rule in RULES.items() if code.startswith("YL")}
    assert sorted(yl) == [f"YL{n:03d}" for n in range(1, 13)]
    assert {applies_to(rule) for rule in yl.values()} == {"darknet"}
    assert all(yl[f"YL00{n}"].severity is Severity.ERROR for n in range(1, 6))
    assert yl["YL010"].severity is Severity.INFO


def test_family_tables_agree_with_what_each_rule_needs():
    # the runner imports a family only for its framework's files and runs with its views: it must lose no rule
    for code, rule in RULES.items():
        framework = FAMILY_FRAMEWORK.get(family(code))
        expected = (framework,) if framework else tuple(frameworks.names())
        assert rule_frameworks(rule) == expected, code
        assert set(FAMILY_NEEDS.get(family(code), ())) <= set(rule.needs), code


def test_codes_for_a_framework():
    assert codes_for("caffe") == sorted(c for c in RULES if c[:2] in ("CF", "LR", "RS", "LG"))
    assert "DN001" in codes_for("darknet") and "CF001" not in codes_for("darknet")
    assert family("UL014") == "UL"
