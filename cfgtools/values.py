"""How values are kept and shown: C ``float`` storage, its shortest text, values in ``show`` tables."""

from __future__ import annotations

import math
import re
import struct
import unicodedata
from typing import Any


def to_float32(value: float) -> float:
    """Round a double to the nearest C ``float`` (what ``float x = atof(s)`` stores)."""
    if math.isnan(value) or math.isinf(value):
        return value
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:  # beyond FLT_MAX: the conversion gives infinity
        return math.copysign(math.inf, value)


def format_float32(value: float) -> str:
    """The shortest decimal that reads back as the same C ``float`` (``0.949``, not ``0.949000001``)."""
    if math.isnan(value) or math.isinf(value):
        return str(value)
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        if to_float32(float(text)) == value:
            return text
    return repr(value)


#: a longer list is shown by its ends and its length
SHOWN_ITEMS = 12


def format_value(value: Any) -> str:
    """A value as ``show`` prints it: floats as their shortest float32 text, lists comma-separated.

    A list of more than SHOWN_ITEMS items shows its first and last items and its length.
    """
    if isinstance(value, float):
        return format_float32(value)
    if isinstance(value, list):
        if len(value) > SHOWN_ITEMS:
            head = ",".join(format_value(v) for v in value[: SHOWN_ITEMS - 2])
            tail = ",".join(format_value(v) for v in value[-2:])
            return f"{head},...,{tail} ({len(value)} items)"
        return ",".join(format_value(v) for v in value) if value else "(empty)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return printable(str(value))


_SURROGATE = re.compile("[\ud800-\udfff]")
#: printable ASCII without a backslash: nothing to escape (the common case, checked at C speed)
_PLAIN = re.compile(r"[ -\[\]-~]*\Z")
#: how printable() writes the characters that would break or forge a line of output
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}
#: one_line() keeps backslashes: the text it gets has already escaped its values
_LINE_ESCAPES = {char: escape for char, escape in _ESCAPES.items() if char != "\\"}


def printable(text: str) -> str:
    """``text`` as one line of output: nothing in it can end the line, move the cursor or fake a finding.

    Control characters, line and paragraph separators (U+2028, U+2029,
    U+0085), other format characters, undecodable bytes (kept as surrogates
    when a file is read) and lone surrogates are written as escapes: ``\\n``,
    ``\\x1b``, ``\\u2028``, ``\\x80`` (the byte as it is in the file). A
    backslash is doubled so that an escape cannot be forged either.
    """
    return _escaped(text, _ESCAPES)


def one_line(text: str) -> str:
    """Display text (a lint message, a fix hint) made safe as one line of output.

    The same escapes as :func:`printable`, except that a backslash is kept as
    it is: such text quotes the values it shows with :func:`quoted`, whose
    escapes must reach the reader unchanged. Anything else that would end the
    line or drive the terminal is still escaped.
    """
    return _escaped(text, _LINE_ESCAPES)


def quoted(value: str) -> str:
    """A value from an input in quotes, as lint messages show it: ``repr()`` with the file's own bytes.

    Like ``repr()`` (``'steps#x'``, ``"it's"``, a newline as ``\\n``), except
    that an undecodable byte of the file shows as ``\\xe9``, the byte the file
    holds, where ``repr()`` would show the surrogate ``\\udce9`` it is kept as.
    The result is one line (see :func:`printable`).
    """
    text = printable(value)
    if "'" in text and '"' not in text:
        return f'"{text}"'
    return "'" + text.replace("'", "\\'") + "'"


def _escaped(text: str, escapes: dict[str, str]) -> str:
    if _PLAIN.match(text):
        return text
    out = []
    for char in text:
        code = ord(char)
        if char in escapes:
            out.append(escapes[char])
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF or unicodedata.category(char) in ("Zl", "Zp", "Cf"):
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def json_safe(value: Any) -> Any:
    """``value`` with everything JSON cannot carry made explicit.

    Non-finite floats become the strings ``"nan"``, ``"inf"`` and ``"-inf"``
    (JSON has no such numbers; strict parsers refuse ``NaN``), and text from an
    input keeps its undecodable bytes visible as ``\\xNN`` (a lone surrogate
    cannot be written as UTF-8). Other text is kept as it is: a JSON encoder
    escapes it.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return _SURROGATE.sub(lambda m: printable(m.group(0)), value)
    if isinstance(value, dict):
        return {json_safe(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value
