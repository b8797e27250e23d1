"""Read a YAML settings file as YOLOv5 and ultralytics read it, with the position of every key and value.

Both frameworks load their YAML with PyYAML's ``yaml.safe_load`` (YOLOv5
train.py, ultralytics utils ``yaml_load``), that is YAML 1.1 as PyYAML
resolves it, which differs from YAML 1.2 where it matters here:

- ``1e-3`` is a *string* (a float needs a dot, and a signed exponent: ``1.0e-3``);
- ``yes``/``no``/``on``/``off`` are booleans; ``010`` is octal 8; ``1:30`` is 90;
- a repeated key silently keeps the last value; ``<<`` merges mappings;
- only the standard tags construct (``!!python/...`` is refused).

ruamel.yaml parses the text (its events carry the line, column and character
offset of every scalar); the values are resolved here with PyYAML 1.1's
implicit resolvers and safe constructors. An edit replaces the characters of one
scalar in the original text and nothing else (:func:`replace_scalar`), so
comments, order and formatting survive byte for byte.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from cfgtools.errors import InputError
from cfgtools.positions import Span
from cfgtools.sources import UTF8_BOM, decode_source, read_bytes

#: Settings files are a few KiB; larger inputs are refused before parsing.
MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64

_TAG = "tag:yaml.org,2002:"

# PyYAML's Resolver (yaml/resolver.py), YAML 1.1
_BOOL = re.compile(r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?"
    r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
    r"|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN))$"
)
_INT = re.compile(
    r"^(?:[-+]?0b[0-1_]+"
    r"|[-+]?0[0-7_]+"
    r"|[-+]?(?:0|[1-9][0-9_]*)"
    r"|[-+]?0x[0-9a-fA-F_]+"
    r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
)
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TIMESTAMP = re.compile(
    r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
    r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
    r"(?:[Tt]|[ \t]+)[0-9][0-9]?"
    r":[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$"
)
_TIMESTAMP_PARTS = re.compile(
    r"^(?P<year>[0-9][0-9][0-9][0-9])-(?P<month>[0-9][0-9]?)-(?P<day>[0-9][0-9]?)"
    r"(?:(?:[Tt]|[ \t]+)(?P<hour>[0-9][0-9]?):(?P<minute>[0-9][0-9]):(?P<second>[0-9][0-9])"
    r"(?:\.(?P<fraction>[0-9]*))?"
    r"(?:[ \t]*(?P<tz>Z|(?P<tz_sign>[-+])(?P<tz_hour>[0-9][0-9]?)(?::(?P<tz_minute>[0-9][0-9]))?))?)?$"
)
#: the explicit tags cfgtools constructs (SafeConstructor also has set, omap and pairs: not settings values)
_SAFE_TAGS = frozenset({"str", "int", "float", "bool", "null", "timestamp", "binary", "seq", "map"})
_MERGE = object()  # a '<<' merge key

#: (first characters, tag, pattern) in PyYAML's registration order: the first match wins
_RESOLVERS = (
    ("yYnNtTfFoO", "bool", _BOOL),
    ("-+0123456789.", "float", _FLOAT),
    ("-+0123456789", "int", _INT),
    ("<", "merge", re.compile(r"^(?:<<)$")),
    ("~nN", "null", _NULL),
    ("0123456789", "timestamp", _TIMESTAMP),
    ("=", "value", re.compile(r"^(?:=)$")),
)


def resolve_plain(text: str) -> str:
    """The tag (``bool``, ``float``, ``int``, ``merge``, ``null``, ``timestamp``, ``value`` or ``str``)
    PyYAML gives a plain scalar."""
    if text == "":
        return "null"
    first = text[0]
    for firsts, tag, pattern in _RESOLVERS:
        if first in firsts and pattern.match(text):
            return tag
    return "str"


def _sexagesimal(digits: str, convert) -> Any:
    total, base = 0, 1
    for part in reversed(digits.split(":")):
        total += convert(part) * base
        base *= 60
    return total


def construct(tag: str, text: str) -> Any:
    """The value of a scalar with a core ``tag``, as PyYAML's SafeConstructor builds it; ValueError if it cannot."""
    if tag == "str":
        return text
    if tag == "null":
        return None
    if tag == "bool":
        lowered = text.lower()
        if lowered in ("yes", "true", "on"):
            return True
        if lowered in ("no", "false", "off"):
            return False
        raise ValueError(f"not a boolean: {text!r}")
    if tag == "int":
        value = text.replace("_", "")
        sign = -1 if value[:1] == "-" else 1
        if value[:1] in "+-":
            value = value[1:]
        if value == "0":
            return 0
        if value.startswith("0b"):
            return sign * int(value[2:], 2)
        if value.startswith("0x"):
            return sign * int(value[2:], 16)
        if value.startswith("0") and len(value) > 1:
            return sign * int(value, 8)
        if ":" in value:
            return sign * _sexagesimal(value, int)
        return sign * int(value)
    if tag == "float":
        value = text.replace("_", "").lower()
        sign = -1 if value[:1] == "-" else 1
        if value[:1] in "+-":
            value = value[1:]
        if value == ".inf":
            return sign * math.inf
        if value == ".nan":
            return math.nan
        if ":" in value:
            return sign * _sexagesimal(value, float)
        return sign * float(value)
    if tag == "timestamp":
        return _timestamp(text)
    if tag == "binary":
        try:
            return base64.decodebytes(text.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise ValueError(f"bad base64: {exc}") from None
    raise ValueError(f"no constructor for tag !!{tag}")


def _timestamp(text: str) -> datetime.date | datetime.datetime:
    parts = _TIMESTAMP_PARTS.match(text)
    if parts is None:
        raise ValueError(f"not a timestamp: {text!r}")
    year, month, day = int(parts["year"]), int(parts["month"]), int(parts["day"])
    if not parts["hour"]:
        return datetime.date(year, month, day)
    fraction = int((parts["fraction"] or "0")[:6].ljust(6, "0"))
    zone = None
    if parts["tz"]:
        if parts["tz"] == "Z":
            zone = datetime.timezone.utc
        else:
            offset = datetime.timedelta(hours=int(parts["tz_hour"]), minutes=int(parts["tz_minute"] or 0))
            zone = datetime.timezone(-offset if parts["tz_sign"] == "-" else offset)
    return datetime.datetime(year, month, day, int(parts["hour"]), int(parts["minute"]), int(parts["second"]),
                             fraction, tzinfo=zone)


def plain_text(value: bool | int | float | str | None) -> str:
    """How to write ``value`` as a plain scalar that ``yaml.safe_load`` reads back as the same value.

    Floats get PyYAML's own representation: a dot always, so ``1e-05`` is
    written ``1.0e-05`` (``1e-05`` would read back as a string).
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        if "." not in text and "e" in text:
            text = text.replace("e", ".0e", 1)
        return text
    if isinstance(value, str) and resolve_plain(value) == "str" and value == value.strip() and value \
            and not any(c in value for c in ":#{}[],&*!|>'\"%@`\n") and value[0] not in "-?":
        return value
    raise ValueError(f"{value!r} cannot be written as a plain YAML scalar here")


def mapping_text(mapping: dict, indent: str = "") -> str:
    """``mapping`` as block YAML that :func:`parse_yaml` (and ``yaml.safe_load``) read back as the same values.

    Strings that are not safe as plain scalars are written JSON-quoted (a
    valid YAML double-quoted scalar); lists in flow style; nested mappings in
    block style.
    """
    lines = []
    for key, value in mapping.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{_scalar_text(key)}:")
            lines.append(mapping_text(value, indent + "  ") if value else f"{indent}  {{}}")
        else:
            lines.append(f"{indent}{_scalar_text(key)}: {_value_text(value)}")
    return "\n".join(line for line in lines if line)


def _value_text(value) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar_text(k)}: {_value_text(v)}" for k, v in value.items()) + "}"
    return _scalar_text(value)


def _scalar_text(value) -> str:
    try:
        return plain_text(value)
    except ValueError:
        return json.dumps(str(value))


@dataclass
class YamlNode:
    """A value with its place in the text: ``start``/``end`` are character offsets (end exclusive)."""

    value: Any
    span: Span
    start: int
    end: int
    #: a mapping's entries by key name (the last of repeated keys, as PyYAML keeps)
    entries: dict[str, "YamlEntry"] | None = None
    #: a plain scalar's source text (None for quoted scalars, collections and tagged values)
    plain: str | None = None


@dataclass
class YamlEntry:
    #: the key's value as PyYAML reads it (``on:`` is True)
    key: Any
    #: the key as written (its source text), what messages show
    name: str
    key_span: Span
    node: YamlNode


@dataclass
class YamlDocument:
    path: str
    text: str
    root: YamlNode
    #: entries overridden by a later repetition of their key (anywhere in the document)
    duplicates: list[YamlEntry] = field(default_factory=list)

    @property
    def entries(self) -> dict[str, YamlEntry]:
        return self.root.entries or {}

    def value(self) -> dict:
        return self.root.value

    def find(self, *names: str) -> YamlEntry | None:
        """The entry at a path of keys (``find("hyp", "lr0")``), or None."""
        node, entry = self.root, None
        for name in names:
            if node.entries is None or name not in node.entries:
                return None
            entry = node.entries[name]
            node = entry.node
        return entry


def _span(start, end) -> Span:
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


class _Builder:
    """Turns ruamel.yaml parser events into :class:`YamlNode` trees with PyYAML 1.1 values."""

    def __init__(self, path: str, events: Iterator, offset: int):
        self.path = path
        self.events = events
        self.offset = offset  # characters removed before parsing (a BOM)
        self.anchors: dict[str, YamlNode] = {}
        self.duplicates: list[YamlEntry] = []

    def error(self, message: str, mark) -> InputError:
        return InputError(message, self.path, mark.line + 1, mark.column + 1)

    def next(self):
        return next(self.events)

    def document(self) -> YamlNode:
        event = self.next()
        if not isinstance(event, StreamStartEvent):
            raise self.error("not a YAML stream", event.start_mark)
        event = self.next()
        if isinstance(event, StreamEndEvent):
            raise self.error("empty file: no settings", event.start_mark)
        if not isinstance(event, DocumentStartEvent):
            raise self.error("not a YAML document", event.start_mark)
        root = self.node(self.next(), 0)
        event = self.next()
        if not isinstance(event, DocumentEndEvent):
            raise self.error("unexpected content after the document", event.start_mark)
        event = self.next()
        if not isinstance(event, StreamEndEvent):
            # yaml.safe_load: "expected a single document in the stream"
            raise self.error("more than one YAML document: safe_load reads a single one", event.start_mark)
        return root

    def node(self, event, depth: int) -> YamlNode:
        if depth > MAX_DEPTH:
            raise self.error(f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        if isinstance(event, AliasEvent):
            target = self.anchors.get(event.anchor)
            if target is None:
                raise self.error(f"found undefined alias {event.anchor!r}", event.start_mark)
            return YamlNode(target.value, _span(event.start_mark, event.end_mark), self._at(event.start_mark),
                            self._at(event.end_mark), target.entries)
        if isinstance(event, ScalarEvent):
            built = self.scalar(event)
        elif isinstance(event, SequenceStartEvent):
            built = self.sequence(event, depth)
        elif isinstance(event, MappingStartEvent):
            built = self.mapping(event, depth)
        else:
            raise self.error(f"unexpected {type(event).__name__}", event.start_mark)
        if getattr(event, "anchor", None):
            self.anchors[event.anchor] = built
        return built

    def _at(self, mark) -> int:
        return mark.index + self.offset

    def _tag(self, event, default: str) -> str:
        tag = event.tag
        if tag is None or tag == "!":
            return default
        tag = str(tag)
        short = tag[len(_TAG):] if tag.startswith(_TAG) else None
        if short in ("set", "omap", "pairs"):
            raise self.error(f"!!{short} is not a settings value: cfgtools does not read it", event.start_mark)
        if short not in _SAFE_TAGS:
            raise self.error(f"tag {tag!r} has no safe constructor: yaml.safe_load refuses the file",
                             event.start_mark)
        return short

    def scalar(self, event) -> YamlNode:
        plain = event.style is None and event.implicit[0]
        tag = resolve_plain(event.value) if plain and (event.tag is None or event.tag == "!") else \
            self._tag(event, "str")
        if tag == "merge":  # meaningful only as a mapping key (PyYAML flatten_mapping)
            return YamlNode(_MERGE, _span(event.start_mark, event.end_mark), self._at(event.start_mark),
                            self._at(event.end_mark))
        try:
            value = construct(tag, event.value)
        except ValueError as exc:
            raise self.error(f"cannot read {event.value!r} as !!{tag}: {exc}", event.start_mark) from None
        return YamlNode(value, _span(event.start_mark, event.end_mark), self._at(event.start_mark),
                        self._at(event.end_mark), None, event.value if plain and event.tag is None else None)

    def sequence(self, start, depth: int) -> YamlNode:
        tag = self._tag(start, "seq")
        if tag != "seq":
            raise self.error(f"!!{tag} on a sequence: cfgtools does not read it", start.start_mark)
        items = []
        while True:
            event = self.next()
            if isinstance(event, SequenceEndEvent):
                break
            items.append(self._value(self.node(event, depth + 1), event))
        return YamlNode(items, _span(start.start_mark, event.end_mark), self._at(start.start_mark),
                        self._at(event.end_mark))

    def mapping(self, start, depth: int) -> YamlNode:
        tag = self._tag(start, "map")
        if tag != "map":
            raise self.error(f"!!{tag} on a mapping: cfgtools does not read it", start.start_mark)
        entries: dict[str, YamlEntry] = {}
        merged: list[dict[str, YamlEntry]] = []
        while True:
            event = self.next()
            if isinstance(event, MappingEndEvent):
                break
            key_node = self.node(event, depth + 1)
            value_event = self.next()
            value_node = self.node(value_event, depth + 1)
            if key_node.value is _MERGE:
                merged.extend(self._merge_sources(value_node, event))
                continue
            self._value(value_node, value_event)
            key = key_node.value
            if isinstance(key, (list, dict)):
                raise self.error("found unhashable key: safe_load refuses the file", event.start_mark)
            name = key if isinstance(key, str) else (key_node.plain or str(key))
            entry = YamlEntry(key, name, key_node.span, value_node)
            if name in entries:
                self.duplicates.append(entries.pop(name))
            entries[name] = entry
        # PyYAML flatten_mapping: merged keys come first, earlier sources win, explicit keys win over all
        combined: dict[str, YamlEntry] = {}
        for source in reversed(merged):
            combined.update(source)
        combined.update(entries)
        value = {entry.key: entry.node.value for entry in combined.values()}
        return YamlNode(value, _span(start.start_mark, event.end_mark), self._at(start.start_mark),
                        self._at(event.end_mark), combined)

    def _value(self, node: YamlNode, event) -> Any:
        if node.value is _MERGE:
            raise self.error("could not determine a constructor for the tag merge ('<<' as a value)",
                             event.start_mark)
        return node.value

    def _merge_sources(self, node: YamlNode, event) -> list[dict[str, YamlEntry]]:
        if node.entries is not None:
            return [node.entries]
        raise self.error("'<<' merges mappings only (cfgtools reads no merge of a sequence)", event.start_mark)


def parse_yaml(text: str, path: str = "<yaml>") -> YamlDocument:
    """Parse settings YAML text; :class:`InputError` (one line, with position) on anything safe_load refuses."""
    offset = 1 if text.startswith(UTF8_BOM) else 0
    body = text[offset:]
    builder = _Builder(path, iter(YAML(typ="safe", pure=True).parse(body)), offset)
    try:
        root = builder.document()
    except InputError:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part) or "malformed YAML"
        raise InputError(message, path, (mark.line + 1) if mark else 1, (mark.column + 1) if mark else 1) from None
    except Exception as exc:  # the parser's other failures on hostile input: still one line
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"malformed YAML: {detail}", path) from None
    if not isinstance(root.value, dict):
        raise InputError("not a settings file: the document is not a mapping of keys to values", path,
                         root.span.line, root.span.column)
    return YamlDocument(path, text, root, builder.duplicates)


def read_yaml(path: str | os.PathLike[str]) -> YamlDocument:
    """Read and parse a settings YAML file (at most :data:`MAX_BYTES`)."""
    name = str(path)
    data = read_bytes(path, "settings file", MAX_BYTES)
    if len(data) > MAX_BYTES:
        raise InputError(f"file is larger than {MAX_BYTES // 1024} KiB: not a settings file", name)
    return parse_yaml(decode_source(data, name).text, name)


def replace_scalar(document: YamlDocument, names: tuple[str, ...], value) -> str:
    """The document's text with the scalar at the key path ``names`` replaced by ``value``, nothing else changed.

    The result is parsed again and must give ``value`` at that path (a
    ValueError otherwise, as for a key that is absent or not a scalar).
    """
    entry = document.find(*names)
    if entry is None:
        raise ValueError(f"no key {'.'.join(names)!r} to edit")
    node = entry.node
    if node.entries is not None or isinstance(node.value, list):
        raise ValueError(f"{'.'.join(names)!r} is not a scalar")
    text = document.text
    edited = text[: node.start] + plain_text(value) + text[node.end:]
    check = parse_yaml(edited, document.path).find(*names)
    if check is None or not _same(check.node.value, value):
        raise ValueError(f"the edit of {'.'.join(names)!r} does not read back as {value!r}")
    return edited


def set_scalar(document: YamlDocument, names: tuple[str, ...], value) -> str:
    """Like :func:`replace_scalar`, and a top-level key the document does not have is added as a new last line
    (``key: value``); the result is parsed again and must give ``value`` there (a ValueError otherwise)."""
    if document.find(*names) is not None or len(names) != 1:
        return replace_scalar(document, names, value)
    text = document.text
    edited = text + ("" if not text or text.endswith("\n") else "\n") + f"{plain_text(names[0])}: {plain_text(value)}\n"
    try:
        check = parse_yaml(edited, document.path).find(*names)
    except InputError as exc:  # e.g. a flow mapping: a line after it is not part of it
        raise ValueError(f"cannot add {names[0]!r} as a last line: {exc.message}") from None
    if check is None or not _same(check.node.value, value):
        raise ValueError(f"adding {names[0]!r} does not read back as {value!r}")
    return edited


def _same(read, wanted) -> bool:
    if isinstance(wanted, float) and isinstance(read, float):
        return read == wanted or (math.isnan(read) and math.isnan(wanted))
    return type(read) is type(wanted) and read == wanted
