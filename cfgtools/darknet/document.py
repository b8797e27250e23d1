"""A darknet .cfg as darknet reads it, with the position of everything.

The Lark grammar (``grammar/darknet.lark``) gives a lossless tree of lines;
this module applies darknet's reading rules on top of it (``read_cfg`` in
src/parser.c, ``fgetl``/``strip`` in src/utils.c, ``read_option`` and
``option_find`` in src/option_list.c):

- a line ends at ``\\n``; AlexeyAB also drops a ``\\r`` (its ``strip`` removes
  ``\\r`` anywhere), pjreddie keeps it as part of the text;
- every blank (space, tab; ``\\r`` in AlexeyAB) anywhere in a line is removed;
- after that, ``[`` starts a section whose type is the whole line, an empty line
  or one starting with ``#``/``;`` is a comment, anything else is an option;
- an option splits at its first ``=``; an empty value means the line is dropped
  (darknet prints "Config file error line N, could parse"); a line without
  ``=`` is stored without a value and shadows later keys of that name;
- lookups return the first option of a key (first duplicate wins).

Nothing here raises for odd content: what darknet would refuse or crash on
is recorded in :attr:`CfgDocument.problems` for the CLI and the linter.
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import lark
from lark import Lark, Tree
from lark.exceptions import UnexpectedInput

from cfgtools.darknet.memo import memoised
from cfgtools.errors import InputError
from cfgtools.files import WriteRefused, atomic_write
from cfgtools.positions import Span
from cfgtools.resources import data_path, owned_by_user_alone, user_cache_dir
from cfgtools.sources import UTF8_BOM, SourceText

Dialect = Literal["alexeyab", "pjreddie", "hankai"]

#: Characters each fork's ``strip`` removes from a line.
STRIPPED = {"alexeyab": " \t\n\r", "pjreddie": " \t\n"}


#: ``str.translate`` tables deleting those characters
_STRIP_TABLES = {dialect: str.maketrans("", "", chars) for dialect, chars in STRIPPED.items()}


def darknet_strip(text: str, dialect: Dialect) -> str:
    """darknet's ``strip``: delete every blank anywhere in the text."""
    return text.translate(_STRIP_TABLES[dialect])


# The parse-tree layer uses plain frozen dataclasses: a large cfg has thousands of
# options, and validation happens later, in the typed pydantic models (net.py).


@dataclass(frozen=True, slots=True)
class Option:
    """One ``key=value`` line (or ``key`` alone) of a section.

    Positions are kept as column pairs and made into spans when asked for: a
    cold lint reads each option up to three times (once per fork) and asks for
    few of their spans.
    """

    key: str  #: the key as darknet sees it (blanks removed)
    value: str | None  #: the value as darknet sees it; None: no ``=`` on the line
    stored: bool  #: False when darknet drops the line (empty value)
    line: int
    line_text: str  #: the line as written, without its ``\\n``
    key_columns: tuple[int, int]  #: first and past-the-end columns of the key as written (trimmed)
    value_columns: tuple[int, int] | None = None  #: the same for the value; None without ``=`` or when empty
    equals_column: int | None = None

    @property
    def key_span(self) -> Span:
        """The key as written (trimmed of blanks around it)."""
        return Span(self.line, self.key_columns[0], self.line, self.key_columns[1])

    @property
    def value_span(self) -> Span | None:
        """The value as written (trimmed); None without ``=`` or when empty."""
        columns = self.value_columns
        return Span(self.line, columns[0], self.line, columns[1]) if columns is not None else None


@dataclass(frozen=True, slots=True)
class Comment:
    text: str  #: as written, with its ``#`` or ``;``
    span: Span


@dataclass(frozen=True)
class Section:
    """A ``[type]`` header and the options under it."""

    header: str  #: darknet's type string: the whole stripped line, brackets included
    span: Span  #: the header as written (trimmed)
    index: int  #: 0 for the first section of the file
    options: tuple[Option, ...] = ()
    _first_by_key: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def name(self) -> str:
        """The type without brackets, e.g. ``convolutional`` (``[yolo]#x`` gives ``yolo]#x``)."""
        inner = self.header[1:]
        return inner[:-1] if inner.endswith("]") else inner

    @property
    def layer_index(self) -> int:
        """darknet's 0-based layer index (the first section after ``[net]`` is 0)."""
        return self.index - 1

    def is_network(self) -> bool:
        return self.header in ("[net]", "[network]")

    def lookup(self, key: str) -> Option | None:
        """darknet's ``option_find``: the first stored option with this key.

        The option may have ``value is None`` (a line without ``=``), which
        darknet treats as missing: the default applies.
        """
        return self.first_options().get(key)

    def value(self, key: str) -> str | None:
        option = self.lookup(key)
        return option.value if option else None

    def options_named(self, key: str) -> list[Option]:
        return [o for o in self.options if o.key == key]

    def first_options(self) -> dict[str, Option]:
        """Each key's first stored option: :meth:`lookup`'s table, built once (shared: never change it)."""
        cached = self._first_by_key
        if not cached and self.options:
            for option in self.options:
                if option.stored:
                    cached.setdefault(option.key, option)
        return cached


ProblemKind = Literal[
    "bom",  # a UTF-8 BOM: the first line does not start with "["
    "option-before-section",  # darknet dereferences a NULL section: segfault (hank-ai: fatal error)
    "no-sections",
    "first-section-not-net",
    "empty-value",  # "key=": not stored, darknet prints "could parse"
    # hank-ai only (cfgtools.darknet.hankai): fatal errors of its reader
    "duplicate-key",
    "bad-number",  # a value of -.0123456789 that std::stof cannot read
    "unsupported-section",  # a [name] missing from its table of layer names
    "empty-network",  # no layer section after [net]
    "layer-not-recognized",  # a known name that is no layer ([empty], a second [net])
]


@dataclass(frozen=True, slots=True)
class ReadProblem:
    """Something darknet refuses, crashes on, or complains about while reading."""

    kind: ProblemKind
    message: str
    span: Span
    fatal: bool  #: darknet stops (error, abort or segfault) on this file
    line: int = 0  #: for duplicate-key: the line of the first occurrence


@dataclass(frozen=True)
class CfgDocument:
    """A whole .cfg as one darknet fork reads it."""

    path: str
    text: str
    dialect: Dialect
    has_bom: bool
    sections: tuple[Section, ...]
    #: options before the first section (darknet segfaults on them; kept for the linter)
    orphan_options: tuple[Option, ...] = ()
    comments: tuple[Comment, ...] = ()
    #: 1-based numbers of lines that end with "\r\n"
    crlf_lines: tuple[int, ...] = ()
    problems: tuple[ReadProblem, ...] = ()

    @property
    def net(self) -> Section | None:
        """The ``[net]``/``[network]`` section, if it is the first one as darknet requires."""
        if self.sections and self.sections[0].is_network():
            return self.sections[0]
        return None

    @property
    def layers(self) -> tuple[Section, ...]:
        return self.sections[1:] if self.net is not None else ()

    @property
    def fatal_problems(self) -> tuple[ReadProblem, ...]:
        return tuple(p for p in self.problems if p.fatal)

    def lines(self) -> list[str]:
        return self.text.split("\n")


#: how the grammar is compiled: LALR with Lark's contextual lexer (the grammar needs it: a value may look
#: like a key); tokens carry their own line and column, and propagating them to tree nodes as well costs
#: 40% of the parse time and is not needed
PARSER_OPTIONS = {"parser": "lalr", "lexer": "contextual", "propagate_positions": False, "maybe_placeholders": False}


@functools.lru_cache(maxsize=1)
def _parser() -> Lark:
    """The compiled grammar, from the user's cache when it was compiled before (a third of a lint's parse time).

    The cache file is named by a hash of the grammar, the options and the Lark
    version, so a new grammar or Lark compiles anew. It holds a pickle (Lark's
    own ``save``/``load``), so it is read only from a folder and file that this
    user alone can write (:func:`cfgtools.resources.user_cache_dir`); a file that
    cannot be read or loaded is compiled again and replaced, atomically.
    """
    grammar = data_path("darknet.lark").read_text(encoding="utf-8")
    cached = _grammar_cache_file(grammar)
    if cached is not None and owned_by_user_alone(cached):
        try:
            with open(cached, "rb") as handle:
                return Lark.load(handle)
        except Exception:  # a truncated or foreign file: compile and replace it
            pass
    parser = Lark(grammar, **PARSER_OPTIONS)
    if cached is not None:
        buffer = io.BytesIO()
        parser.save(buffer)
        try:
            atomic_write(str(cached), buffer.getvalue(), force=True)
        except WriteRefused:  # a read-only cache: compile again next time
            pass
    return parser


def _grammar_cache_file(grammar: str) -> Path | None:
    folder = user_cache_dir()
    if folder is None:
        return None
    key = hashlib.sha256(f"{grammar}\0{sorted(PARSER_OPTIONS.items())}\0{lark.__version__}".encode()).hexdigest()
    return folder / f"darknet-grammar-{key[:24]}.lark"


def parse_tree(text: str):
    """The raw Lark tree of a whole ``text`` (lossless; no darknet rules applied).

    :func:`read_cfg` reads the same nodes line by line (see :func:`_line_node`), for tools and tests.
    """
    try:
        return _parser().parse(text)
    except UnexpectedInput as exc:  # the grammar accepts any text; kept as a safety net
        raise InputError(f"cannot parse line: {exc.__class__.__name__}", None, exc.line, exc.column) from None


@memoised(8192)
def _line_node(line: str) -> Tree | None:
    """The node of one line (``header``, ``comment`` or ``option``; None when blank), its tokens on line 1.

    No token of the grammar holds a ``\\n``, so a file parsed line by line gives the
    nodes :func:`parse_tree` gives, line for line. Memoised: the lines a cfg repeats
    (``batch_normalize=1``, ``activation=leaky``) are parsed once per run.
    Raises ``UnexpectedInput``.
    """
    tree = _parser().parse(line)
    return next((child for child in tree.children if isinstance(child, Tree)), None)


def _trimmed_columns(token, blanks: str = " \t\r") -> tuple[int, int] | None:
    """The first and past-the-end columns of a single-line token without the blanks around it."""
    text = str(token)
    stripped_left = text.lstrip(blanks)
    core = stripped_left.rstrip(blanks)
    if not core:
        return None
    start = token.column + (len(text) - len(stripped_left))
    return start, start + len(core)


def _span(line: int, columns: tuple[int, int] | None) -> Span | None:
    return Span(line=line, column=columns[0], end_line=line, end_column=columns[1]) if columns else None


def read_cfg(source: SourceText | str, path: str = "<string>", dialect: Dialect = "alexeyab") -> CfgDocument:
    """Read a .cfg the way ``dialect`` reads it."""
    if isinstance(source, str):
        source = SourceText(path=path, text=source, has_bom=source.startswith(UTF8_BOM))
    text = source.text
    # The forks' strips differ only in "\r": without one, both read the same sections, options and comments,
    # and a lint reading the file in both forks (DN012) reads its lines once.
    reading_dialect = dialect if "\r" in text else "alexeyab"
    sections, orphans, comments = _read_lines(text, reading_dialect)
    lines = text.split("\n")
    crlf = tuple(i for i, line in enumerate(lines, 1) if line.endswith("\r") and i < len(lines)) if "\r" in text else ()
    problems = _reading_problems(source, sections, orphans, dialect)
    return CfgDocument(
        path=source.path,
        text=text,
        dialect=dialect,
        has_bom=source.has_bom,
        sections=sections,
        orphan_options=orphans,
        comments=comments,
        crlf_lines=crlf,
        problems=tuple(sorted(problems, key=lambda p: (p.span.line, p.span.column))),
    )


@functools.lru_cache(maxsize=2)
def _read_lines(text: str, dialect: Dialect) -> tuple[tuple[Section, ...], tuple[Option, ...], tuple[Comment, ...]]:
    """The sections, the options before any section and the comments of ``text``, as ``dialect`` reads them.

    Memoised for the text of the moment (both C forks' readings when it holds a
    "\\r"): :func:`read_cfg` asks again for the other C fork.
    """
    sections: list[tuple[str, Span | None, list[Option]]] = []
    orphans: list[Option] = []
    comments: list[Comment] = []
    for line_no, raw_line in enumerate(text.split("\n"), 1):
        try:
            reading = _line_reading(raw_line, dialect)
        except UnexpectedInput as exc:  # the grammar accepts any line; kept as a safety net
            raise InputError(f"cannot parse line: {exc.__class__.__name__}", None, line_no, exc.column) from None
        if reading is None:
            continue
        kind = reading[0]
        if kind == "option":
            _, key, value, stored, key_columns, value_columns, equals_column = reading
            option = Option(key, value, stored, line_no, raw_line, key_columns, value_columns, equals_column)
            (sections[-1][2] if sections else orphans).append(option)
        elif kind == "header":
            sections.append((reading[1], _span(line_no, reading[2]), []))
        else:
            comments.append(Comment(text=reading[1], span=_span(line_no, reading[2])))
    built = tuple(
        Section(header=header, span=span, index=i, options=tuple(options))
        for i, (header, span, options) in enumerate(sections)
    )
    return built, tuple(orphans), tuple(comments)


@memoised(8192)
def _line_reading(raw_line: str, dialect: Dialect) -> tuple | None:
    """How ``dialect`` reads one line, without its line number (None: a blank line, or a comment without text).

    ``("comment", text, columns)``, ``("header", type string, columns)`` or
    ``("option", key, value, stored, key columns, value columns, equals column)``.
    Memoised like :func:`_line_node`: a repeated line is worked out once per fork.
    Raises ``UnexpectedInput``.
    """
    node = _line_node(raw_line)
    # darknet dispatches on the first character of the stripped line.
    stripped_line = darknet_strip(raw_line, dialect)
    if not stripped_line or stripped_line[0] in "#;":
        if node is not None and node.data == "comment":
            token = node.children[0]
            return "comment", str(token).rstrip("\r"), _trimmed_columns(token)
        return None
    if stripped_line[0] == "[":
        return "header", stripped_line, _trimmed_columns(node.children[0])
    if node is not None and node.data == "option":
        key, value, key_columns, value_columns, equals_column = _option_layout(node, stripped_line, dialect)
        return "option", key, value, value is None or value != "", key_columns, value_columns, equals_column
    # pjreddie keeps "\r", so a CRLF blank line is an option named "\r" there.
    column = len(raw_line) - len(raw_line.lstrip(" \t")) + 1
    return "option", stripped_line, None, True, (column, len(raw_line) + 1), None, None


def _option_layout(node: Tree, stripped_line: str, dialect: Dialect) -> tuple:
    """An option line as ``dialect`` reads it: key, value, key and value columns, ``=``."""
    key_token = next((t for t in node.children if t.type == "KEY"), None)
    equals = next((t for t in node.children if t.type == "EQUALS"), None)
    value_token = next((t for t in node.children if t.type == "VALUE"), None)
    if equals is None:
        key, value = stripped_line, None
    else:
        key, _, value = stripped_line.partition("=")
    key_columns = _trimmed_columns(key_token) if key_token is not None else None
    if key_columns is None:  # "=value": darknet stores an empty key
        column = equals.column if equals is not None else 1
        key_columns = (column, column)
    value_columns = _trimmed_columns(value_token) if value_token is not None else None
    if dialect == "pjreddie" and value_token is not None:
        value_columns = _trimmed_columns(value_token, " \t") or value_columns
    return key, value, key_columns, value_columns, equals.column if equals is not None else None


def _reading_problems(
    source: SourceText, sections: tuple[Section, ...], orphans: tuple[Option, ...], dialect: Dialect
) -> list[ReadProblem]:
    problems: list[ReadProblem] = []
    fork = "both forks" if source.has_bom else dialect
    if source.has_bom:
        problems.append(
            ReadProblem(
                kind="bom",
                message="the file starts with a UTF-8 byte-order mark: darknet reads it as an option "
                "before any section and crashes (segfault) in both forks",
                span=Span(line=1, column=1, end_line=1, end_column=2),
                fatal=True,
            )
        )
    for option in orphans:
        if source.has_bom and option.line == 1:
            continue
        problems.append(
            ReadProblem(
                kind="option-before-section",
                message=f"{option.key!r} comes before any [section]: darknet crashes (segfault) reading it",
                span=option.key_span,
                fatal=True,
            )
        )
    if not sections:
        problems.append(
            ReadProblem(kind="no-sections", message="no [section] at all: darknet stops with "
                        "'Config file has no sections'", span=Span.point(1), fatal=True)
        )
    elif not sections[0].is_network():
        first = sections[0]
        why = ""
        if dialect == "pjreddie" and first.header.rstrip("\r") in ("[net]", "[network]"):
            why = " (pjreddie keeps the \\r of CRLF line ends, so the header reads as " + repr(first.header) + ")"
        problems.append(
            ReadProblem(
                kind="first-section-not-net",
                message=f"the first section is {first.header!r}, not [net] or [network]: "
                f"darknet ({fork}) stops with 'First section must be [net] or [network]'{why}",
                span=first.span,
                fatal=True,
            )
        )
    for section in sections:
        for option in section.options:
            if not option.stored:
                problems.append(
                    ReadProblem(
                        kind="empty-value",
                        message=f"{option.key!r} has an empty value: darknet drops the line "
                        f"('Config file error line {option.line}, could parse: {option.key}') and uses the default",
                        span=option.key_span,
                        fatal=False,
                    )
                )
    return problems
