"""``cfgtools rules``: every lint rule with its code, name, severity, framework, fix and summary.

The fix column says what ``cfgtools lint --fix`` does with the rule's findings: ``safe`` (applied by
``--fix``), ``unsafe`` (only with ``--unsafe-fixes``) or ``-`` (hints only).
"""

from __future__ import annotations

import argparse
import json
import sys

from cfgtools.lint.registry import all_rules, applies_to


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    rules = all_rules()
    rows = [
        {
            "code": code,
            "name": rule.name,
            "severity": rule.severity.value,
            "framework": applies_to(rule),
            "fix": rule.fix_safety.value if rule.fix_safety is not None else None,
            "summary": rule.summary,
        }
        for code, rule in rules.items()
    ]
    if args.format == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    headers = {"code": "CODE", "name": "NAME", "severity": "SEVERITY", "framework": "FRAMEWORK", "fix": "FIX",
               "summary": "SUMMARY"}
    shown = [{**row, "fix": row["fix"] or "-"} for row in rows]
    widths = {k: max(len(headers[k]), *(len(r[k]) for r in shown)) if shown else len(headers[k]) for k in headers}
    columns = ("code", "name", "severity", "framework", "fix")
    lines = ["  ".join(headers[k].ljust(widths[k]) for k in columns) + "  " + headers["summary"]]
    for row in shown:
        lines.append("  ".join(row[k].ljust(widths[k]) for k in columns) + "  " + row["summary"])
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
