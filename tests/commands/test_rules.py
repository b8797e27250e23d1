"""``cfgtools rules``: every rule with its code, name, severity, framework, fix and summary."""

from __future__ import annotations

import json

from cfgtools.cli import main
from cfgtools.lint.registry import RULES


def test_rules_command(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:4] == ["CODE", "NAME", "SEVERITY", "FRAMEWORK"]
    assert "DN003" in out and "inline-comment" in out
    assert main(["rules", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["code"] for row in rows] == sorted(RULES)
    row = next(r for r in rows if r["code"] == "DN006")
    assert row == {"code": "DN006", "name": "unknown-policy", "severity": "error", "framework": "darknet",
                   "fix": "unsafe", "summary": row["summary"]}
    fixes = {row["code"]: row["fix"] for row in rows}
    assert fixes["DN004"] == "safe" and fixes["DN014"] is None


def test_rules_text_has_a_fix_column(capsys):
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:5] == ["CODE", "NAME", "SEVERITY", "FRAMEWORK", "FIX"]
    dn003 = next(line for line in lines if line.startswith("DN003"))
    assert dn003.split()[:5] == ["DN003", "inline-comment", "warning", "darknet", "safe"]
