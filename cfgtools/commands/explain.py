"""``cfgtools explain CODE``: a rule's documentation (what it does, why, an example and its fix) as plain text."""

from __future__ import annotations

import argparse
import difflib
import re
import sys

from cfgtools.lint.registry import all_rules, applies_to
from cfgtools.lint.ruledoc import to_text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="rule code (DN003) or name (inline-comment)")


def run(args: argparse.Namespace) -> int:
    rules = all_rules()
    wanted = args.code.strip()
    rule = rules.get(wanted.upper())
    if rule is None:
        rule = next((r for r in rules.values() if r.name == wanted.lower()), None)
    if rule is None:
        match = re.fullmatch(r"([A-Za-z]+)0*([0-9]+)", wanted)
        padded = f"{match.group(1).upper()}{int(match.group(2)):03d}" if match else None
        close = [padded] if padded in rules else []
        close = close or difflib.get_close_matches(wanted.upper(), list(rules), n=1, cutoff=0.5) or difflib.get_close_matches(
            wanted.lower(), [r.name for r in rules.values()], n=1, cutoff=0.5
        )
        hint = f"; did you mean {close[0]}?" if close else ""
        print(f"cfgtools explain: error: unknown rule {wanted!r}{hint} (see `cfgtools rules`)", file=sys.stderr)
        return 2
    header = f"{rule.code} {rule.name} ({rule.severity.value}, {applies_to(rule)})"
    sys.stdout.write(f"{header}\n{'=' * len(header)}\n\n{rule.summary}\n\n{to_text(rule.doc())}")
    return 0
