"""Small helpers shared by rule modules (not rules themselves)."""

from __future__ import annotations

import difflib
from typing import Iterable

from cfgtools.darknet.document import Option
from cfgtools.positions import Span


def did_you_mean(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The closest candidate: same text ignoring case first, then a prefix, then difflib."""
    options = sorted(set(candidates))
    lowered = word.lower()
    for candidate in options:
        if candidate.lower() == lowered:
            return candidate
    if len(lowered) >= 3:
        prefixed = [c for c in options if c.lower().startswith(lowered)]
        if len(prefixed) == 1:
            return prefixed[0]
    close = difflib.get_close_matches(word, options, n=1, cutoff=cutoff)
    if close:
        return close[0]
    close = difflib.get_close_matches(lowered, [c.lower() for c in options], n=1, cutoff=cutoff)
    if close:
        return next(c for c in options if c.lower() == close[0])
    return None


def suggestion(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str:
    hit = did_you_mean(word, candidates, cutoff)
    return f"; did you mean {hit!r}?" if hit else ""


def value_span(option: Option) -> Span:
    """Where the value is written, or the key when there is none."""
    return option.value_span or option.key_span


def comment_start(option: Option) -> int | None:
    """1-based column of the '#' inside the value as written, if any."""
    if option.value_span is None:
        return None
    text = option.line_text
    at = text.find("#", option.value_span.column - 1)
    return at + 1 if at >= 0 else None


def column_span(line: int, start: int, end: int) -> Span:
    return Span(line=line, column=start, end_line=line, end_column=end)
