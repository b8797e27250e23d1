"""Helpers for the fixture-driven lint tests (imported by the test modules of this folder).

A fixture under ``fixtures/lint/`` is named ``CODE_bad*.ext`` or ``CODE_good*.ext``.
Its first lines say what to expect, as comments:

- ``# expect: DN003 line 4`` -- one line per expected diagnostic (code and line);
- ``# settings: dialect=pjreddie`` -- LintSettings values for this fixture.

A bad fixture must give exactly the expected (code, line) pairs for the rules
it names; a good fixture none for its code.
"""

from __future__ import annotations

import re
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "lint"

_EXPECT = re.compile(r"^\s*#\s*expect:\s*([A-Z]+[0-9]+)\s+line\s+([0-9]+)\s*$")
_SETTINGS = re.compile(r"^\s*#\s*settings:\s*(.*)$")


def fixture_files(pattern: str = "*") -> list[Path]:
    return sorted(p for p in FIXTURES.glob(pattern) if p.suffix in (".cfg", ".prototxt"))


def code_of(path: Path) -> str:
    return path.name.split("_", 1)[0]


def expectations(path: Path) -> tuple[list[tuple[str, int]], dict[str, object]]:
    expected: list[tuple[str, int]] = []
    settings: dict[str, object] = {}
    text = path.read_bytes().decode("utf-8", "surrogateescape").lstrip("\ufeff")
    for line in text.split("\n"):
        match = _EXPECT.match(line)
        if match:
            expected.append((match.group(1), int(match.group(2))))
            continue
        match = _SETTINGS.match(line)
        if match:
            for item in match.group(1).split():
                key, _, value = item.partition("=")
                settings[key.strip()] = value.strip()
    return sorted(expected), settings
