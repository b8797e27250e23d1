"""A rule's documentation: Markdown under ruff's headings, and the plain text ``cfgtools explain`` prints.

Every rule's docstring is Markdown as ruff writes its rule docs: the headings
of :data:`~cfgtools.lint.core.DOC_HEADINGS` (``## What it does``, ``## Why is
this bad?``, ``## Example``, ``## Use instead`` and, for a rule that reads
settings, ``## Options``), inline code in backticks, examples in fenced code
blocks (```` ```cfg ```` or ```` ```prototxt ````). SARIF carries the Markdown
for GitHub to render; a terminal gets :func:`to_text`.
"""

from __future__ import annotations

import re

_HEADING = re.compile(r"^##\s+(?P<title>.+?)\s*$")
_FENCE = re.compile(r"^\s*```")
#: inline code: a run of backticks, the code (which may run onto the next line), the same run again
_CODE_SPAN = re.compile(r"(?P<ticks>`+)(?P<code>.+?)(?P=ticks)", re.DOTALL)


def sections(doc: str) -> list[tuple[str, str]]:
    """The ``(heading, body)`` pairs of ``doc`` in order; text before the first heading has the heading ``""``.

    A ``## `` line inside a fenced code block is code, not a heading.
    """
    found: list[tuple[str, list[str]]] = [("", [])]
    in_fence = False
    for line in doc.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading:
            found.append((heading.group("title"), []))
        else:
            found[-1][1].append(line)
    pairs = [(title, "\n".join(body).strip("\n")) for title, body in found]
    return pairs if pairs[0][1] else pairs[1:]


def code_blocks(markdown: str) -> list[tuple[str, str]]:
    """The fenced code blocks of ``markdown`` as ``(language, code)`` pairs."""
    blocks: list[tuple[str, str]] = []
    language, lines = None, []
    for line in markdown.splitlines():
        if _FENCE.match(line):
            if language is None:
                language, lines = line.strip()[3:].strip(), []
            else:
                blocks.append((language, "\n".join(lines)))
                language = None
        elif language is not None:
            lines.append(line)
    return blocks


def plain_inline(text: str) -> str:
    """``text`` without the backticks around inline code."""
    return _CODE_SPAN.sub(lambda match: match.group("code").strip(), text)


def to_text(doc: str) -> str:
    """``doc`` as terminal text: headings underlined, code blocks indented four spaces, no Markdown marks."""
    out: list[str] = []
    prose: list[str] = []  # the text lines since the last heading or code block, unmarked together

    def flush() -> None:
        if prose:
            out.extend(plain_inline("\n".join(prose)).split("\n"))
            prose.clear()

    in_fence = False
    for line in doc.splitlines():
        if _FENCE.match(line):
            flush()
            in_fence = not in_fence
        elif in_fence:
            out.append(f"    {line}" if line.strip() else "")
        elif heading := _HEADING.match(line):
            flush()
            title = plain_inline(heading.group("title"))
            out.extend([title, "-" * len(title)])
        else:
            prose.append(line)
    flush()
    return "\n".join(out).strip("\n") + "\n"


def description(doc: str) -> str:
    """The *What it does* section as one plain line (SARIF's ``fullDescription``); "" without it."""
    body = dict(sections(doc)).get("What it does", "")
    return " ".join(plain_inline(body).split())
