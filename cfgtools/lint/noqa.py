"""Suppression comments.

- ``# cfgtools: noqa: DN003,DN006`` on a line of its own silences those codes
  on the next line that is not itself a suppression comment;
- ``# cfgtools: noqa`` without codes silences every code on that line;
- ``# cfgtools: noqa-file: DN001`` (anywhere, on its own line) silences a code
  in the whole file; ``# cfgtools: noqa-file`` silences everything.

Where a comment can stand is the file's own syntax (its framework's
:class:`~cfgtools.plugin.CommentSyntax`): in a darknet cfg only whole-line
comments count (``#`` or ``;``): darknet has no trailing comments, so
``key=value # cfgtools: noqa`` is part of the value. In a Caffe prototxt a
trailing ``# cfgtools: noqa: CODE`` also silences its own line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cfgtools.plugin import CommentSyntax

ALL = "ALL"

_DIRECTIVE = re.compile(
    r"cfgtools:\s*(?P<kind>noqa-file|noqa)\b(?:\s*:\s*(?P<codes>[A-Za-z0-9_,\s]*))?\s*$",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"#[ \t]*(?P<body>cfgtools:.*?)\r?$")


@dataclass
class Suppressions:
    file_codes: set[str] = field(default_factory=set)  #: may contain ALL
    line_codes: dict[int, set[str]] = field(default_factory=dict)

    def suppresses(self, code: str, line: int) -> bool:
        for codes in (self.file_codes, self.line_codes.get(line, ())):
            if ALL in codes or any(code.startswith(c) for c in codes):
                return True
        return False


def _parse(body: str) -> tuple[str, set[str]] | None:
    match = _DIRECTIVE.match(body.strip())
    if not match:
        return None
    codes = {c.strip().upper() for c in re.split(r"[,\s]+", match.group("codes") or "") if c.strip()}
    return match.group("kind").lower(), (codes or {ALL})


def parse_suppressions(text: str, syntax: CommentSyntax) -> Suppressions:
    """Find the suppression comments of a file written in ``syntax``."""
    result = Suppressions()
    pending: set[str] = set()
    prefixes = re.escape(syntax.line_prefixes)
    whole_line = re.compile(rf"^[ \t]*[{prefixes}][ \t{prefixes}]*(?P<body>.*?)[\r]?$")
    for number, line in enumerate(text.split("\n"), 1):
        whole = whole_line.match(line)
        directive = _parse(whole.group("body")) if whole else None
        if directive is not None:
            directive_kind, codes = directive
            if directive_kind == "noqa-file":
                result.file_codes |= codes
            else:
                pending |= codes
            continue
        if pending:
            result.line_codes.setdefault(number, set()).update(pending)
            pending = set()
        if syntax.trailing:
            trailing = _TRAILING.search(line)
            parsed = _parse(trailing.group("body")) if trailing else None
            if parsed is not None and parsed[0] == "noqa":
                result.line_codes.setdefault(number, set()).update(parsed[1])
    return result
