"""A darknet .cfg as hank-ai's darknet reads it (``Darknet::CfgFile::read``, src-lib/darknet_cfg.cpp).

hank-ai ("Darknet/YOLO" V3+) replaced AlexeyAB's ``read_cfg`` with a C++
reader; this module builds the same :class:`~cfgtools.darknet.document.CfgDocument`
model from it (facts checked against hank-ai f684e1d, "v5.1-104"):

- a line ends at ``\\n``; ``Darknet::trim`` removes `` \\t\\r\\n`` at both ends
  (src-lib/darknet_utils.cpp), so CRLF files read as LF ones;
- a trimmed line is matched (``std::regex_search``) against
  ``^\\[(.+)\\]`` (a section; nothing may follow except what ``.+`` takes up to
  the last ``]``, and blanks inside the brackets are kept: ``[ net ]`` is the
  name " net ") or ``^[ \\t]*([^#= \\t]+)[ \\t]*=[ \\t]*([^#]+)`` (a key without
  blanks, then the value up to the first ``#``, trimmed). Any other line is
  ignored without a word: comments, ``key=``, a key with a blank inside;
- every fatal error goes through ``darknet_fatal_error`` (abort, exit 134)
  and stops reading: a key before any section, a key given twice in a
  section, a value made only of ``-.0123456789`` that ``std::stof`` cannot
  read, a section name missing from its table (src-lib/darknet_enums.cpp,
  exact and case-sensitive), then, when the network is built, no layer after
  ``[net]``, a first section that is not ``[net]``/``[network]``, and a
  section that names no layer (``[empty]``, a second ``[net]``).

The messages are hank-ai's own words. A UTF-8 byte-order mark is not
removed: the first line then matches neither pattern and is dropped.
"""

from __future__ import annotations

import re

from cfgtools.darknet import cnum
from cfgtools.darknet.document import CfgDocument, Comment, Option, ReadProblem, Section
from cfgtools.darknet.memo import memoised
from cfgtools.positions import Span
from cfgtools.sources import UTF8_BOM, SourceText

#: the section names hank-ai knows (``all_names_and_layers``, src-lib/darknet_enums.cpp)
NAMES = frozenset({
    "shortcut", "scale_channels", "sam", "cost", "region", "yolo", "Gaussian_yolo", "conv", "convolutional",
    "net", "network", "crnn", "lstm", "rnn", "conn", "connected", "max", "maxpool", "local_avg", "local_avgpool",
    "reorg3d", "avg", "avgpool", "dropout", "soft", "softmax", "contrastive", "route", "upsample", "empty",
    "silence", "blank",
})
#: known names that ``create_network`` has no parser for: "layer type ... not recognized"
NOT_LAYERS = frozenset({"net", "network", "empty", "silence", "blank"})

# ECMAScript's "." does not match "\n" or "\r"
_LINE = re.compile(r"\[([^\n\r]+)\]|[ \t]*([^#= \t]+)[ \t]*=[ \t]*([^#]+)")
_TRIMMED = " \t\r\n"


def fatal(message: str) -> str:
    """A reading error as hank-ai reports it (it aborts: exit status 134)."""
    return f"hank-ai stops with \"{message}\""


def read_hankai_cfg(source: SourceText | str, path: str = "<string>") -> CfgDocument:
    """Read a .cfg the way hank-ai's ``Darknet::CfgFile::read`` and ``create_network`` do."""
    if isinstance(source, str):
        source = SourceText(path=path, text=source, has_bom=source.startswith(UTF8_BOM))
    text = source.text
    lines = text.split("\n")
    #: per section: its type string, span, options and the first stored option of each key
    sections: list[tuple[str, Span, list[Option], dict[str, Option]]] = []
    orphans: list[Option] = []
    comments: list[Comment] = []
    problems: list[ReadProblem] = []
    crlf = tuple(i for i, line in enumerate(lines, 1) if line.endswith("\r") and i < len(lines)) if "\r" in text else ()

    for number, raw in enumerate(lines, 1):
        reading = _line_reading(raw)
        if reading is None:
            continue
        kind = reading[0]
        if kind == "comment":
            comments.append(Comment(text=reading[1], span=_span(number, *reading[2])))
        elif kind == "ignored":
            if sections:
                sections[-1][2].append(_at(reading[1], number, raw))
        elif kind == "header":
            name = reading[1]
            span = _span(number, *reading[2])
            sections.append((f"[{name}]", span, [], {}))
            if name not in NAMES:
                problems.append(ReadProblem("unsupported-section", fatal(f'layer name "{name}" is not supported'),
                                            span, True))
        else:
            _, fields, bad_number, trimmed = reading
            option = _at(fields, number, raw)
            if not sections:
                orphans.append(option)
                problems.append(ReadProblem(
                    "option-before-section",
                    fatal(f"cannot add a configuration line without a section at line #{number}"),
                    option.key_span, True))
                continue
            header, _, options, first_by_key = sections[-1]
            first = first_by_key.setdefault(option.key, option)
            if first is not option:
                problems.append(ReadProblem(
                    "duplicate-key",
                    fatal(f'duplicate key "{option.key}" in [{header[1:-1]}] at lines #{first.line} '
                          f"and #{number}"),
                    option.key_span, True, line=first.line))
            if bad_number:
                problems.append(ReadProblem(
                    "bad-number", fatal(f'line #{number}: failed to parse numeric value from "{trimmed}"'),
                    option.value_span or option.key_span, True))
            options.append(option)

    built = tuple(Section(header=header, span=span, index=i, options=tuple(options))
                  for i, (header, span, options, _) in enumerate(sections))
    problems.extend(_network_problems(built))
    if source.has_bom:
        problems.append(_bom_problem(problems))
    return CfgDocument(
        path=source.path, text=text, dialect="hankai", has_bom=source.has_bom, sections=built,
        orphan_options=tuple(orphans), comments=tuple(comments), crlf_lines=crlf,
        problems=tuple(sorted(problems, key=lambda p: (p.span.line, p.span.column))),
    )


def _span(line: int, start: int, end: int) -> Span:
    """Columns ``start``..``end`` (0-based offsets into the raw line) of ``line``."""
    return Span(line=line, column=start + 1, end_line=line, end_column=end + 1)


@memoised(8192)
def _line_reading(raw: str) -> tuple | None:
    """How hank-ai reads one line, without its line number (None: a blank line). Offsets are 0-based.

    ``("comment", text, (start, end))``, ``("header", name, (start, end))``,
    ``("ignored", option fields)`` (a line it skips, kept for the linter) or
    ``("option", option fields, whether std::stof fails on the value, the trimmed line)``,
    where the option fields are the arguments of :func:`_at`.
    Memoised: the lines a cfg repeats are worked out once per run.
    """
    trimmed = raw.strip(_TRIMMED)
    indent = len(raw) - len(raw.lstrip(_TRIMMED))
    if not trimmed:
        return None
    match = _LINE.match(trimmed)
    if match is None:
        if trimmed.startswith(("#", ";")):
            return "comment", trimmed, (indent, indent + len(trimmed))
        return "ignored", _ignored(trimmed, indent)
    if match.group(1) is not None:
        return "header", match.group(1), (indent, indent + match.end())
    fields = _option(trimmed, match, indent)
    value = fields[1]
    return "option", fields, cnum.hankai_numeric(value) and cnum.stof(value) is None, trimmed


def _columns(start: int, end: int) -> tuple[int, int]:
    """1-based columns of the 0-based offsets ``start``..``end``."""
    return start + 1, end + 1


def _at(fields: tuple, line: int, raw: str) -> Option:
    """The option of ``fields`` (key, value, stored, key columns, value columns, equals column) at ``line``."""
    key, value, stored, key_columns, value_columns, equals_column = fields
    return Option(key, value, stored, line, raw, key_columns, value_columns, equals_column)


def _option(trimmed: str, match: re.Match, indent: int) -> tuple:
    key = match.group(2).strip(_TRIMMED)
    value_text = match.group(3)
    value = value_text.strip(_TRIMMED)
    key_start = indent + match.start(2)
    value_start = indent + match.start(3) + (len(value_text) - len(value_text.lstrip(_TRIMMED)))
    equals = trimmed.index("=", match.end(2))
    return (key, value, True, _columns(key_start, key_start + len(key)),
            _columns(value_start, value_start + len(value)) if value else None, indent + equals + 1)


def _ignored(trimmed: str, indent: int) -> tuple:
    """A line hank-ai skips silently (``key=``, a key with a blank inside, a word alone), kept for the linter."""
    key, equals, rest = trimmed.partition("=")
    key_text = key.strip(" \t")
    value = rest.strip(" \t")
    value_start = indent + len(key) + 1 + (len(rest) - len(rest.lstrip(" \t")))
    return (key_text, value if equals else None, False, _columns(indent, indent + len(key_text)),
            _columns(value_start, value_start + len(value)) if value else None,
            indent + len(key) + 1 if equals else None)


def _network_problems(sections: tuple[Section, ...]) -> list[ReadProblem]:
    """``CfgFile::create_network``: a layer must follow [net], the first section must be [net] or [network]."""
    problems = []
    if len(sections) < 2:
        where = sections[0].span if sections else Span.point(1)
        problems.append(ReadProblem("empty-network",
                                    fatal("cannot create a network from empty configuration file"), where, True))
        return problems
    first = sections[0]
    if first.name in NAMES and not first.is_network():
        problems.append(ReadProblem(
            "first-section-not-net",
            fatal(f"expected to find [net] or [network], but instead found [{first.name}] on line "
                  f"#{first.span.line}"),
            first.span, True))
    for section in sections[1:]:
        if section.name in NOT_LAYERS:
            problems.append(ReadProblem(
                "layer-not-recognized",
                fatal(f'layer type "{section.name}" not recognized on line #{section.span.line}'),
                section.span, True))
    return problems


def _bom_problem(problems: list[ReadProblem]) -> ReadProblem:
    """The byte-order mark, with what it makes hank-ai stop on (the first problem after it)."""
    after = next((p for p in sorted(problems, key=lambda p: p.span.line) if p.fatal), None)
    then = f", then {after.message[len('hank-ai '):]}" if after is not None else ""
    return ReadProblem(
        "bom",
        "the file starts with a UTF-8 byte-order mark: hank-ai does not remove it, so the first line matches "
        f"neither a [section] nor a key=value and is dropped{then}",
        Span(line=1, column=1, end_line=1, end_column=2), True)
