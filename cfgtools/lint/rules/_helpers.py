"""Small helpers shared by rule modules (not rules themselves)."""

from __future__ import annotations

import difflib
from typing import Iterable

from cfgtools.darknet.document import Option
from cfgtools.positions import Span


def did_you_mean(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate ``word`` is a slip of, or None: a suggestion must be genuinely close.

    The same text but for case first; then the one candidate ``word`` begins
    (3 letters or more: a word cut short); then the nearest candidate within
    one edit (two for words of five letters or more), an edit being a letter
    added, dropped, changed or two neighbours swapped, case ignored, which
    difflib also finds at least ``cutoff`` similar. ``beta1`` is not a slip of
    ``beta_nms``, nor ``[PEP]`` of ``[empty]``.
    """
    options = sorted(set(candidates))
    lowered = word.lower()
    for candidate in options:
        if candidate.lower() == lowered:
            return candidate
    if len(lowered) >= 3:
        prefixed = [c for c in options if c.lower().startswith(lowered)]
        if len(prefixed) == 1:
            return prefixed[0]
    allowed = 1 if len(lowered) < 5 else 2
    best, best_distance = None, allowed + 1
    for candidate in options:
        distance = edit_distance(lowered, candidate.lower(), allowed)
        if distance < best_distance and difflib.SequenceMatcher(None, lowered, candidate.lower()).ratio() >= cutoff:
            best, best_distance = candidate, distance
    return best


def edit_distance(a: str, b: str, limit: int) -> int:
    """Letters added, dropped, changed or swapped with a neighbour to turn ``a`` into ``b``
    (optimal string alignment), or ``limit + 1`` once it is certain to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], previous2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        previous2, previous = previous, row
    return min(previous[-1], limit + 1)


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
