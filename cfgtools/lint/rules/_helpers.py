"""Small helpers shared by rule modules (not rules themselves)."""

from __future__ import annotations

import difflib
import math
import re
from typing import Iterable

from cfgtools.darknet import cnum
from cfgtools.darknet.document import Option
from cfgtools.darknet.net import Setting
from cfgtools.edits import TextEdit, edits_between
from cfgtools.errors import InputError
from cfgtools.lint.context import LintContext
from cfgtools.lint.core import Fix
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


def before_comment(option: Option) -> Span | None:
    """The value as written up to any ``#`` (blanks around it left out): where a fix writes a new value and
    keeps a trailing comment. None when the option has no value."""
    span = option.value_span
    if span is None:
        return None
    written = option.line_text[span.column - 1: span.end_column - 1].split("#", 1)[0].rstrip(" \t\r")
    return Span(option.line, span.column, option.line, span.column + len(written))


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


def setting_fix(ctx: LintContext, description: str, changes: dict, replacement: str | None = None,
                span: Span | None = None) -> Fix:
    """A fix that sets config keys as the framework's plug-in edits its files (a key not written is added).

    ``replacement``/``span`` are what the hint shows; when the plug-in cannot edit the file, the fix is a
    hint only.
    """
    try:
        edited = ctx.loaded.framework.edit_text(ctx.loaded, changes)
    except InputError:
        return Fix(description, replacement, span)
    return Fix(description, replacement, span, edits=edits_between(ctx.loaded.source.text, edited))


def comment_moved_above(option: Option, comment_column: int, value: str) -> tuple[TextEdit, ...]:
    """Edits that move the ``#`` comment of an option line (from ``comment_column``) to a line of its own above,
    indented as the option, and leave ``value`` as the option's value."""
    line = option.line_text
    ending = "\r\n" if line.endswith("\r") else "\n"
    comment = line[comment_column - 1:].rstrip("\r").rstrip(" \t")
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    value_span = option.value_span
    end = len(line.rstrip("\r")) + 1  # the blanks after the comment go with it
    return (TextEdit.insertion(option.line, 1, indent + comment + ending),
            TextEdit(Span(option.line, value_span.column, option.line, end), value))


#: a whole number written with thousands separators (``6,000``, ``1,000,000``)
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+")


def intended_int(text: str) -> int | None:
    """The integer the author clearly meant (``5e5`` -> 500000, ``1000.0`` -> 1000, ``6,000`` -> 6000), if any."""
    if _THOUSANDS.fullmatch(text):
        return int(text.replace(",", ""))
    try:
        number = float(text)
    except ValueError:
        return None
    if math.isfinite(number) and number == int(number):
        return int(number)
    return None


def meant_int(setting: Setting) -> tuple[int, str]:
    """An int ``[net]`` setting as its author meant it, and a note when darknet reads another number (DN004).

    ``max_batches=6,000`` is read by ``atoi`` as 6: advice built on the setting must be built on 6000.
    """
    if setting.from_file and setting.raw is not None:
        text = setting.raw.split("#", 1)[0].rstrip("\r")
        intended = intended_int(text)
        if intended is not None and intended != setting.value and not cnum.looks_like_int(text):
            return intended, (f"{setting.key} is written {text!r}, which darknet reads as {setting.value} "
                              f"(DN004); meant as {intended}")
    return setting.value, ""
