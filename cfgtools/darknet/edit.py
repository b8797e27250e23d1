"""Set ``[net]`` values in a darknet cfg by editing its text, nothing else.

``edit_net(document, changes)`` writes each new value over the text darknet
reads it from (``option_find`` returns the first stored option of a key, so a
later duplicate stays as it is), and adds a key the file does not write on a
new line of ``[net]``, after the learning-rate keys. Comments, order, blank
lines, line ends (CRLF kept) and the rest of each line stay byte for byte: a
``# note`` after a value keeps its place (``atoi``/``atof`` stop at ``#``, so
the number still reads alone). The edited text is read again with the same
fork and must give exactly the new values and nothing else new.
"""

from __future__ import annotations

from typing import Any, Mapping

from cfgtools.darknet import cnum
from cfgtools.darknet.document import CfgDocument, Option, Section, read_cfg
from cfgtools.darknet.hankai import read_hankai_cfg
from cfgtools.darknet.net import read_net
from cfgtools.edits import LineIndex, TextEdit, apply_edits
from cfgtools.errors import InputError
from cfgtools.positions import Span
from cfgtools.values import format_float32, to_float32

#: the [net] keys of the learning-rate schedule, in the order yolo cfgs write them: a new key goes after
#: the last of these the file writes
SCHEDULE_KEYS = ("learning_rate", "burn_in", "max_batches", "policy", "power", "step", "scale", "steps", "scales",
                 "gamma", "sgdr_cycle", "sgdr_mult", "learning_rate_min")


def edit_net(document: CfgDocument, changes: Mapping[str, Any]) -> str:
    """The text of ``document`` with each ``[net]`` key of ``changes`` set to its value (int, float or list).

    Raises :class:`InputError` when the file has no ``[net]`` first (darknet
    reads no option then) or when the edit would not read back as asked.
    """
    section = document.net
    if section is None:
        raise InputError("no [net] or [network] section first: there is no [net] to edit", document.path)
    index = LineIndex(document.text)
    edits: list[TextEdit] = []
    added: list[str] = []
    for key, value in changes.items():
        option = section.lookup(key) or _dropped(section, key)
        if option is None:
            added.append(f"{key}={_text(value, None)}")
        else:
            edits.append(_value_edit(option, value))
    if added:
        edits.append(_new_lines(section, index, added))
    edited = apply_edits(document.text, edits)
    _check(document, edited, changes)
    return edited


def _dropped(section: Section, key: str) -> Option | None:
    """A ``key=`` line with nothing after it (darknet drops it): the value is written there."""
    return next((option for option in section.options_named(key) if not option.stored), None)


def _value_edit(option: Option, value: Any) -> TextEdit:
    """Write ``value`` over the part of the option's value before any ``#``, keeping what follows."""
    line = option.line_text
    if option.value_span is None:  # ``key`` alone or ``key=``: the value goes after the key (and '=')
        column = option.equals_column + 1 if option.equals_column is not None else option.key_span.end_column
        prefix = "" if option.equals_column is not None else "="
        return TextEdit.insertion(option.line, column, prefix + _text(value, None))
    start = option.value_span.column - 1
    written = line[start: option.value_span.end_column - 1]
    before_comment = written.split("#", 1)[0]
    core = before_comment.rstrip(" \t\r")
    return TextEdit(Span(option.line, start + 1, option.line, start + 1 + len(core)), _text(value, core))


def _new_lines(section: Section, index: LineIndex, lines: list[str]) -> TextEdit:
    """New ``key=value`` lines after the last schedule key of ``[net]`` (else its last option, else its header)."""
    written = [option for option in section.options if option.key in SCHEDULE_KEYS]
    anchor = written[-1].line if written else section.options[-1].line if section.options else section.span.line
    ending = index.line_end(anchor) or index.line_end(1) or "\n"
    if anchor == index.line_count:  # the anchor is the last line and has no line end: start a new line
        return TextEdit.insertion(anchor, len(index.line_text(anchor)) + 1, "".join(ending + line for line in lines))
    return TextEdit.insertion(anchor + 1, 1, "".join(line + ending for line in lines))


def _text(value: Any, written: str | None) -> str:
    """``value`` as darknet text: floats as their shortest text that reads back as the same C float.

    For a list, items that keep their value keep their written text (``.1`` stays ``.1``).
    """
    if isinstance(value, (list, tuple)):
        old_items = [item.strip(" \t") for item in written.split(",")] if written else []
        out = []
        for position, item in enumerate(value):
            old = old_items[position] if position < len(old_items) else None
            out.append(old if old is not None and _reads_as(old, item) else _text(item, None))
        return ",".join(out)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"a [net] value is a number or a list of numbers, not {value!r}")
    if isinstance(value, int):
        return str(value)
    return format_float32(to_float32(value))


def _reads_as(text: str, value: Any) -> bool:
    if isinstance(value, int):
        return cnum.looks_like_int(text) and cnum.atoi(text) == value
    return bool(text) and cnum.looks_like_float(text) and cnum.atof32(text) == to_float32(value)


def _check(document: CfgDocument, edited: str, changes: Mapping[str, Any]) -> None:
    """The edited text must read as the old one with exactly ``changes`` applied."""
    before = read_net(document)
    # read again by the fork's own reader: hank-ai's C++ one, or the C forks' read_cfg
    after_document = (read_hankai_cfg(edited, document.path) if document.dialect == "hankai"
                      else read_cfg(edited, document.path, document.dialect))
    after = read_net(after_document) if after_document.net is not None else None
    wanted = {key: _stored(value) for key, value in changes.items()}
    problems = []
    if after is None:
        problems.append("[net] is no longer the first section")
    else:
        for setting in after.settings():
            old = getattr(before, setting.key).value
            if setting.key in wanted:
                if setting.value != wanted[setting.key]:
                    problems.append(f"{setting.key} reads {setting.value!r}, not {wanted[setting.key]!r}")
            elif setting.value != old and not _follows(setting.key, wanted):
                problems.append(f"{setting.key} changed from {old!r} to {setting.value!r}")
    if problems:
        raise InputError(f"the edited [net] would not read back as planned: {'; '.join(problems)}",
                         document.path, document.net.span.line, 1)


def _follows(key: str, changes: Mapping[str, Any]) -> bool:
    """sgdr_cycle's default is max_batches: it follows an edit of max_batches when it is not written."""
    return key == "sgdr_cycle" and "max_batches" in changes


def _stored(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_stored(item) for item in value]
    return to_float32(value) if isinstance(value, float) else value
