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


def unused_line(option: Option, section_name: str) -> str:
    """hank-ai's ``find_unused_lines`` error for a line it never looked up (src-lib/darknet_cfg.cpp)."""
    return (f'hank-ai stops with "config line #{option.line} from section [{section_name}] is unused or invalid: '
            f'{option.line_text.strip()}"')


def has_inner_blank(text: str) -> bool:
    """Whether a blank stands between two characters of ``text`` that it glues together (not after a comma)."""
    core = text.split("#", 1)[0].strip(" \t\r")
    for index, char in enumerate(core):
        if char in " \t" and core[index - 1] not in " \t," and core[index + 1:].lstrip(" \t")[:1] not in ("", ","):
            return True
    return False
