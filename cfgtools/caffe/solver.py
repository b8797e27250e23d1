"""Read a Caffe solver.prototxt the way Caffe does, keeping positions.

Parsing is protobuf's own text-format parser (``google.protobuf.text_format``)
over the schema of the fork the file is read as (``schemas/caffe.proto`` for
BVLC, ``schemas/caffe_ssd.proto`` for SSD; see ``cfgtools.caffe.schema``);
nothing here parses a value by hand. Before protobuf runs, a structural pass over protobuf's text-format
``Tokenizer`` lists the top-level fields with their positions so that:

* **unknown fields** (another fork's, such as SSD's ``eval_type`` read as
  BVLC, or a typo like ``warmup_iter``) do not stop the read. Caffe refuses the whole file ("has no field named ..."); here
  each one becomes an :class:`UnknownField` and is left out of the parse.
* **a non-repeated field given twice** is recorded as a
  :class:`DuplicateField`. Caffe (protobuf's ``TextFormat::Parse``) refuses
  such a file ("Non-repeated field ... is specified multiple times");
  protobuf's Python ``text_format.Merge`` would silently keep the *last* one.
  The model keeps the **first** occurrence (the later ones are left out of
  the parse), so the value is defined while the linter reports the error.
* **inline nets** (``net_param``, ``train_net_param``, ``test_net_param``
  written as ``{ ... }``): the schema only carries a subset of Caffe's
  NetParameter, so each such block is parsed separately into a NetParameter
  with ``allow_unknown_field=True`` (layer-specific ``*_param`` blocks and V1
  layer ``type`` enums are skipped, not checked). Everything else is parsed
  strictly, as Caffe does.

Removed regions are overwritten with spaces (newlines kept), so every
position protobuf reports is a position in the original file. Malformed text
(unbalanced braces, ``base_lr: abc``, a truncated file, an unknown enum name)
raises :class:`~cfgtools.errors.InputError` with protobuf's line and column.

A leading UTF-8 BOM is read as a blank (``SourceText.has_bom`` tells the
linter it was there).

Values are read back from the protobuf message: float fields are therefore
already float32-rounded (``base_lr: 0.01`` -> 0.009999999776482582), enum
fields are given by name (``solver_mode`` -> ``"GPU"``), repeated fields as
lists, message fields as the protobuf message (or ``None`` when absent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cfgtools.caffe import DEFAULT_DIALECT, SOLVER_TYPES, schema
from cfgtools.errors import InputError
from cfgtools.positions import Span
from cfgtools.sources import UTF8_BOM, SourceText

#: SolverParameter fields holding a NetParameter (parsed permissively).
NET_FIELDS = frozenset({"net_param", "train_net_param", "test_net_param"})

#: deepest nesting of { } read (a real solver nests a few levels; protobuf's Python parser recurses per level)
MAX_DEPTH = 64
#: longest line read: protobuf's Python tokenizer skips blanks with a regex whose memory grows with the run
#: (about 160 bytes a character: a 4 MiB line would take 640 MiB), and a real solver's lines are short
MAX_LINE = 65536
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_LOCATION_PREFIX = re.compile(r"^\d+(:\d+)? : ")
_CLOSERS = {"{": "}", "<": ">"}


# Plain frozen dataclasses: these records are built from protobuf's already typed
# values, and a pydantic model would add import and construction time for nothing.


@dataclass(frozen=True)
class UnknownField:
    """A top-level field SolverParameter does not have (Caffe refuses the file)."""

    name: str
    span: Span  # from the field name to the end of its value
    text: str  # the field as written, e.g. 'warmup_iter: 1000'


@dataclass(frozen=True)
class DuplicateField:
    """A later occurrence of a non-repeated field (Caffe refuses the file).

    The model keeps the value of the first occurrence (``first_span``).
    """

    name: str
    span: Span  # this (ignored) occurrence, name to end of value
    first_span: Span  # the occurrence that was kept
    text: str = ""  # this occurrence as written


@dataclass(frozen=True)
class SolverField:
    """One SolverParameter field: its effective value and where it was written."""

    name: str
    value: Any
    explicit: bool  # present in the file (has_* / non-empty repeated)
    span: Span | None = None  # the (first) value as written
    key_span: Span | None = None  # the (first) field name as written
    spans: list[Span] = field(default_factory=list)  # every value (repeated fields)
    key_spans: list[Span] = field(default_factory=list)


@dataclass(frozen=True)
class CaffeSolver:
    """A solver.prototxt as Caffe reads it (before UpgradeSolverAsNeeded)."""

    path: str
    fields: dict[str, SolverField]
    #: the Caffe fork whose schema the file was read with (``bvlc``, ``ssd``)
    dialect: str = DEFAULT_DIALECT
    unknown_fields: list[UnknownField] = field(default_factory=list)
    duplicate_fields: list[DuplicateField] = field(default_factory=list)
    #: the parsed ``caffe_pb2.SolverParameter`` (unknown fields and later
    #: duplicates removed), for emitters.
    message: Any = field(default=None, repr=False, compare=False)

    # -- access ---------------------------------------------------------
    def field(self, name: str) -> SolverField:
        try:
            return self.fields[name]
        except KeyError:
            raise KeyError(f"SolverParameter has no field {name!r}") from None

    def value(self, name: str) -> Any:
        return self.field(name).value

    def is_set(self, name: str) -> bool:
        return self.field(name).explicit

    # -- convenience ----------------------------------------------------
    @property
    def base_lr(self) -> float:
        return self.value("base_lr")

    @property
    def lr_policy(self) -> str:
        return self.value("lr_policy")

    @property
    def gamma(self) -> float:
        return self.value("gamma")

    @property
    def power(self) -> float:
        return self.value("power")

    @property
    def stepsize(self) -> int:
        return self.value("stepsize")

    @property
    def stepvalue(self) -> list[int]:
        return list(self.value("stepvalue"))

    @property
    def max_iter(self) -> int:
        return self.value("max_iter")

    @property
    def momentum(self) -> float:
        return self.value("momentum")

    @property
    def momentum2(self) -> float:
        return self.value("momentum2")

    @property
    def weight_decay(self) -> float:
        return self.value("weight_decay")

    @property
    def regularization_type(self) -> str:
        return self.value("regularization_type")

    @property
    def delta(self) -> float:
        return self.value("delta")

    @property
    def rms_decay(self) -> float:
        return self.value("rms_decay")

    @property
    def iter_size(self) -> int:
        return self.value("iter_size")

    @property
    def clip_gradients(self) -> float:
        return self.value("clip_gradients")

    @property
    def both_solver_type_and_type(self) -> bool:
        """Caffe dies in UpgradeSolverType when both are written."""
        return self.is_set("solver_type") and self.is_set("type")

    @property
    def solver_type_name(self) -> str:
        """The solver Caffe instantiates after UpgradeSolverType.

        The deprecated ``solver_type`` enum counts only when ``type`` is not
        written (with both, Caffe dies; see ``both_solver_type_and_type``).
        """
        if self.is_set("solver_type") and not self.is_set("type"):
            return SOLVER_TYPES[self.value("solver_type")]
        return self.value("type")


def plain_value(value: Any) -> Any:
    """A field's value with protobuf messages (nets, states) written as one line of text format."""
    if isinstance(value, list):
        return [plain_value(item) for item in value]
    if hasattr(value, "ListFields"):
        from google.protobuf import text_format  # lazy: protobuf is imported only when a solver is read

        return text_format.MessageToString(value, as_one_line=True)
    return value


# ---------------------------------------------------------------------------
# structural pass


@dataclass
class _Occurrence:
    name: str
    start: tuple[int, int]  # 0-based (line, column) of the name
    key_end: tuple[int, int]
    value_start: tuple[int, int]
    value_end: tuple[int, int]  # just after the value
    end: tuple[int, int]  # just after a trailing ',' / ';'
    block: bool = False
    inner: tuple[tuple[int, int], tuple[int, int]] | None = None  # inside the braces


@dataclass
class _Walk:
    fields: list[_Occurrence] = field(default_factory=list)
    error: tuple[str, int, int] | None = None  # message, 1-based line, column


class _WalkError(Exception):
    def __init__(self, message: str, line: int, column: int):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class _TooDeep(_WalkError):
    """Nesting beyond MAX_DEPTH: refused before protobuf's recursive parser sees it."""


def _walk(text: str) -> _Walk:
    from google.protobuf import text_format  # lazy: protobuf is imported only when a solver is read

    tok = text_format.Tokenizer(text.split("\n"))
    result = _Walk()

    def here() -> tuple[int, int]:
        return (tok._line, tok._column)

    def after() -> tuple[int, int]:
        return (tok._line, tok._column + len(tok.token))

    def fail(message: str) -> None:
        line, column = here()
        raise _WalkError(message, line + 1, column + 1)

    try:
        while not tok.AtEnd():
            start = here()
            name = tok.token
            if not _IDENT.match(name):
                fail(f"expected a field name, found {name!r}")
            key_end = after()
            tok.NextToken()
            colon = tok.TryConsume(":")
            value_start = here()
            inner = None
            block = False
            if tok.token in _CLOSERS:
                block = True
                stack = [_CLOSERS[tok.token]]
                open_pos = here()
                tok.NextToken()
                inner_start = here()
                while stack:
                    if tok.AtEnd():
                        raise _WalkError(
                            f"unbalanced '{text_at(text, open_pos)}': the file ends before it is closed",
                            open_pos[0] + 1,
                            open_pos[1] + 1,
                        )
                    if tok.token in _CLOSERS:
                        stack.append(_CLOSERS[tok.token])
                        if len(stack) > MAX_DEPTH:
                            line, column = here()
                            raise _TooDeep(f"messages nested more than {MAX_DEPTH} levels deep: too deep for "
                                           "a solver (cfgtools stops here)", line + 1, column + 1)
                    elif tok.token in ("}", ">"):
                        if tok.token != stack[-1]:
                            fail(f"expected {stack[-1]!r}, found {tok.token!r}")
                        stack.pop()
                        if not stack:
                            inner = (inner_start, here())
                    value_end = after()
                    tok.NextToken()
            elif not colon:
                fail(f"expected ':' after {name!r}")
            elif tok.token == "[":
                tok.NextToken()
                depth = 1
                while depth:
                    if tok.AtEnd():
                        fail("unbalanced '[': the file ends before it is closed")
                    if tok.token in ("[", "{", "<"):
                        depth += 1
                        if depth > MAX_DEPTH:
                            raise _TooDeep(f"values nested more than {MAX_DEPTH} levels deep: too deep for a "
                                           "solver (cfgtools stops here)", here()[0] + 1, here()[1] + 1)
                    elif tok.token in ("]", "}", ">"):
                        depth -= 1
                    value_end = after()
                    tok.NextToken()
            else:
                if tok.AtEnd():
                    fail(f"expected a value for {name!r}, the file ends")
                if tok.token in ("-", "+"):
                    tok.NextToken()
                if tok.AtEnd() or tok.token in "{}<>[]:,;":
                    fail(f"expected a value for {name!r}")
                if tok.token[0] in "'\"":
                    while tok.token and tok.token[0] in "'\"":
                        value_end = after()
                        tok.NextToken()
                else:
                    value_end = after()
                    tok.NextToken()
            end = value_end
            if tok.token in (",", ";"):
                end = after()
                tok.NextToken()
            result.fields.append(
                _Occurrence(name, start, key_end, value_start, value_end, end, block, inner)
            )
    except _TooDeep:
        raise
    except _WalkError as exc:
        result.error = (exc.message, exc.line, exc.column)
    return result


def text_at(text: str, pos: tuple[int, int]) -> str:
    line = text.split("\n")[pos[0]]
    return line[pos[1]] if pos[1] < len(line) else ""


# ---------------------------------------------------------------------------
# helpers


class _Offsets:
    def __init__(self, text: str):
        self.starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                self.starts.append(index + 1)

    def __call__(self, pos: tuple[int, int]) -> int:
        return self.starts[pos[0]] + pos[1]


def _span(start: tuple[int, int], end: tuple[int, int]) -> Span:
    return Span(line=start[0] + 1, column=start[1] + 1, end_line=end[0] + 1, end_column=end[1] + 1)


def _blank(chars: list[str], begin: int, end: int) -> None:
    for index in range(begin, end):
        if chars[index] not in "\n\r":
            chars[index] = " "


def _keep_only(text: str, begin: int, end: int) -> str:
    """The text with everything outside [begin, end) blanked (positions kept)."""
    chars = list(text)
    _blank(chars, 0, begin)
    _blank(chars, end, len(chars))
    return "".join(chars)


def _input_error(exc: Exception, path: str, what: str) -> InputError:
    line = getattr(exc, "GetLine", lambda: None)() or 1
    column = getattr(exc, "GetColumn", lambda: None)() or 1
    # the SSD schema's package is caffe.ssd only to share protobuf's descriptor pool; the fork says caffe
    message = _printable(_LOCATION_PREFIX.sub("", str(exc))).replace('"caffe.ssd.', '"caffe.')
    return InputError(f"cannot parse {what}: {message}", path, line, column)


def _printable(message: str) -> str:
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in message)


#: a byte that is not UTF-8, as the reader decodes it (surrogateescape)
_UNDECODABLE = re.compile("[\udc80-\udcff]")
#: text-format tokens for finding where such a byte stands: a string (to its end or the line's), a comment, the rest
_TOKENS = re.compile(r""""(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|#[^\n]*|[^"'#]+""")


def _check_undecodable(text: str, path: str, what: str) -> None:
    """InputError for the first byte that is not UTF-8 outside a comment.

    Outside a string protobuf's tokenizer rejects any byte of 0x80 or more
    ("Interpreting non ascii codepoint N.", ``Tokenizer::Next`` in
    src/google/protobuf/io/tokenizer.cc), so Caffe does not read the solver;
    Python's text_format raises a SystemError on it in an enum value
    (``solver_mode: \x80GPU``). Inside a string C++ proto2 keeps the bytes, but
    Python's text_format cannot represent them.
    """
    first = _UNDECODABLE.search(text)
    if first is None:
        return
    for token in _TOKENS.finditer(text, 0, len(text)):
        bad = _UNDECODABLE.search(token.group(), 0)
        if bad is None or token.group().startswith("#"):
            continue
        at = token.start() + bad.start()
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        byte = f"0x{ord(text[at]) - 0xDC00:02x}"
        if token.group()[0] in "\"'":
            why = (f"a string value holds byte {byte}, which is not UTF-8: Caffe's C++ reader keeps it, "
                   "Python's protobuf cannot read it")
        else:
            why = (f"byte {byte} is not UTF-8, and protobuf's text format allows no byte of 0x80 or more outside "
                   "a string (Caffe would not read the file)")
        raise InputError(f"cannot parse {what}: {why}", path, line, column)


def _check_line_lengths(text: str, path: str) -> None:
    """InputError at the first line longer than MAX_LINE."""
    for number, line in enumerate(text.split("\n"), 1):
        if len(line) > MAX_LINE:
            raise InputError(f"line {number} is {len(line)} characters long: too long for a solver (cfgtools reads "
                             f"lines of up to {MAX_LINE})", path, number, MAX_LINE + 1)


def _parse(text: str, message: Any, path: str, what: str, permissive: bool = False) -> None:
    from google.protobuf import text_format  # lazy: protobuf is imported only when a solver is read

    _check_undecodable(text, path, what)
    try:
        text_format.Parse(text, message, allow_unknown_field=permissive)
    except text_format.ParseError as exc:
        raise _input_error(exc, path, what) from None
    except UnicodeError:
        # bytes that are not UTF-8 inside a string: C++ protobuf (proto2)
        # accepts them, Python's text_format cannot represent them.
        raise InputError(f"cannot parse {what}: a string value is not valid UTF-8", path) from None


# ---------------------------------------------------------------------------
# the reader


def read_solver(source: SourceText, dialect: str = DEFAULT_DIALECT) -> CaffeSolver:
    """Parse a solver.prototxt as the Caffe fork ``dialect`` does into a :class:`CaffeSolver`, or raise InputError."""
    messages = schema.generated(dialect)
    path = source.path
    text = source.text
    if text.startswith(UTF8_BOM):
        text = " " + text[1:]
    descriptor = messages.SolverParameter.DESCRIPTOR
    _check_line_lengths(text, path)
    try:
        walk = _walk(text)
    except _TooDeep as exc:
        raise InputError(f"cannot parse Caffe solver: {exc.message}", path, exc.line, exc.column) from None
    offset = _Offsets(text)
    chars = list(text)

    unknown: list[UnknownField] = []
    duplicates: list[DuplicateField] = []
    kept: dict[str, list[_Occurrence]] = {}
    nets: list[_Occurrence] = []
    for occ in walk.fields:
        whole = (offset(occ.start), offset(occ.value_end))
        # a name with undecodable bytes (surrogates) cannot be looked up: it is unknown anyway
        fd = descriptor.fields_by_name.get(occ.name) if occ.name.isascii() else None
        if fd is None:
            unknown.append(
                UnknownField(name=occ.name, span=_span(occ.start, occ.value_end), text=text[whole[0] : whole[1]])
            )
            _blank(chars, offset(occ.start), offset(occ.end))
            continue
        previous = kept.get(occ.name)
        if previous and not fd.is_repeated:
            first = previous[0]
            duplicates.append(
                DuplicateField(
                    name=occ.name,
                    span=_span(occ.start, occ.value_end),
                    first_span=_span(first.start, first.value_end),
                    text=text[whole[0] : whole[1]],
                )
            )
            _blank(chars, offset(occ.start), offset(occ.end))
            continue
        kept.setdefault(occ.name, []).append(occ)
        if occ.name in NET_FIELDS and occ.block:
            nets.append(occ)
            _blank(chars, offset(occ.start), offset(occ.end))

    message = messages.SolverParameter()
    _parse("".join(chars), message, path, "Caffe solver (caffe.SolverParameter)")
    if walk.error is not None:
        # protobuf accepted what the structural pass could not follow
        text_msg, line, column = walk.error
        raise InputError(f"cannot parse Caffe solver: {text_msg}", path, line, column)

    for occ in nets:
        assert occ.inner is not None
        net = messages.NetParameter()
        inner = _keep_only(text, offset(occ.inner[0]), offset(occ.inner[1]))
        _parse(inner, net, path, f"inline net {occ.name!r} (caffe.NetParameter)", permissive=True)
        fd = descriptor.fields_by_name[occ.name]
        if fd.is_repeated:
            getattr(message, occ.name).add().CopyFrom(net)
        else:
            getattr(message, occ.name).CopyFrom(net)

    fields: dict[str, SolverField] = {}
    for fd in sorted(descriptor.fields, key=lambda fd: fd.number):  # the SSD schema declares them out of order
        occs = kept.get(fd.name, [])
        raw = getattr(message, fd.name)
        if fd.is_repeated:
            explicit = len(raw) > 0
            if fd.enum_type is not None:
                value: Any = [fd.enum_type.values_by_number[v].name for v in raw]
            else:
                value = list(raw)
        else:
            explicit = message.HasField(fd.name)
            if fd.message_type is not None:
                value = raw if explicit else None
            elif fd.enum_type is not None:
                value = fd.enum_type.values_by_number[raw].name
            else:
                value = raw
        spans = [_span(o.value_start, o.value_end) for o in occs]
        key_spans = [_span(o.start, o.key_end) for o in occs]
        fields[fd.name] = SolverField(
            name=fd.name,
            value=value,
            explicit=explicit,
            span=spans[0] if spans else None,
            key_span=key_spans[0] if key_spans else None,
            spans=spans,
            key_spans=key_spans,
        )
    return CaffeSolver(
        path=path,
        fields=fields,
        dialect=dialect,
        unknown_fields=unknown,
        duplicate_fields=duplicates,
        message=message,
    )
