"""Text edits at positions: what a fix or a planned config writes over the original text.

An edit replaces the characters of a :class:`~cfgtools.positions.Span` (line
and column, end exclusive) with new text; an insertion has an empty span. The
original text is never re-serialised: everything outside the edits, comments,
blank lines and line ends included, stays byte for byte.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
from dataclasses import dataclass
from typing import Iterable

from cfgtools.positions import Span


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Write ``content`` over ``span`` (an empty span inserts at its position)."""

    span: Span
    content: str

    @classmethod
    def insertion(cls, line: int, column: int, content: str) -> "TextEdit":
        return cls(Span.point(line, column), content)

    def sort_key(self) -> tuple[int, int, int, int]:
        return (self.span.line, self.span.column, self.span.end_line, self.span.end_column)


class LineIndex:
    """Offsets of a text's lines, to turn a (line, column) position into an index of the text."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0]
        position = text.find("\n")
        while position != -1:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)

    def offset(self, line: int, column: int) -> int:
        """The index of a 1-based (line, column); ValueError outside the text."""
        if not 1 <= line <= len(self.starts):
            raise ValueError(f"line {line} is not in the text ({len(self.starts)} lines)")
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        index = start + column - 1
        if not start <= index <= end:
            raise ValueError(f"column {column} is not in line {line}")
        return index

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of an index of the text (the text's length: just after its end)."""
        if not 0 <= offset <= len(self.text):
            raise ValueError(f"offset {offset} is not in the text")
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def range(self, span: Span) -> tuple[int, int]:
        start, end = self.offset(span.line, span.column), self.offset(span.end_line, span.end_column)
        if end < start:
            raise ValueError(f"span {span} ends before it starts")
        return start, end

    def line_text(self, line: int) -> str:
        """``line`` as written, without its ``\n`` (a ``\r`` before it is kept)."""
        start = self.starts[line - 1]
        end = self.starts[line] - 1 if line < len(self.starts) else len(self.text)
        return self.text[start:end]

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line_end(self, line: int) -> str:
        """The end of ``line`` as written (``"\\r\\n"``, ``"\\n"``, or ``""`` for a last line without one)."""
        if line >= len(self.starts):
            return ""
        return "\r\n" if self.text[: self.starts[line] - 1].endswith("\r") else "\n"


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """``text`` with every edit applied; the edits must not overlap (ValueError), in any order.

    Two insertions at one position keep their given order.
    """
    index = LineIndex(text)
    ranges = sorted(((*index.range(edit.span), order, edit.content) for order, edit in enumerate(edits)),
                    key=lambda item: (item[0], item[1], item[2]))
    out, position = [], 0
    for start, end, _, content in ranges:
        if start < position:
            raise ValueError(f"overlapping edits at offset {start}")
        out.append(text[position:start])
        out.append(content)
        position = end
    out.append(text[position:])
    return "".join(out)


def edits_between(old: str, new: str) -> tuple[TextEdit, ...]:
    """Edits that turn ``old`` into ``new``, one per block of changed lines (whole lines, line ends included)."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    # an edit changes a few lines: the equal head and tail are matched directly, since SequenceMatcher without
    # autojunk is quadratic on a file of many equal lines (5,000 `activation=linear` took seconds)
    shortest = min(len(old_lines), len(new_lines))
    head = 0
    while head < shortest and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    while tail < shortest - head and old_lines[-1 - tail] == new_lines[-1 - tail]:
        tail += 1
    matcher = difflib.SequenceMatcher(None, old_lines[head:len(old_lines) - tail],
                                      new_lines[head:len(new_lines) - tail], autojunk=False)
    offsets = list(itertools.accumulate(map(len, old_lines), initial=0))
    index = LineIndex(old)
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start = index.position(offsets[head + i1])
        end = index.position(offsets[head + i2])
        edits.append(TextEdit(Span(start[0], start[1], end[0], end[1]), "".join(new_lines[head + j1:head + j2])))
    return tuple(edits)


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    """A unified diff of two texts (empty when they are equal); line ends are kept as written."""
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=old_name, tofile=new_name)
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith("\n"):  # a last line without a newline, as diff(1) marks it
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)
