"""The one rule table: codes, names, severities and the frameworks a rule applies to."""

from __future__ import annotations

import re

from cfgtools.lint.core import Severity
from cfgtools.lint.registry import RULES, all_rules, applies_to


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
    assert sorted(yl) == [f"YL{n:03d}" for n in range(1, 12)]
    assert {applies_to(rule) for rule in yl.values()} == {"darknet"}
    assert all(yl[f"YL00{n}"].severity is Severity.ERROR for n in range(1, 6))
    assert yl["YL010"].severity is Severity.INFO
