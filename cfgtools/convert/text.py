"""Safe text for emitted code: numbers as validated literals, input text only as comment text.

Nothing read from a config file ever becomes code. Numbers go through
``float()``/``int()`` and a finiteness check and are written with ``repr``;
strings (paths, names, type strings, keys) are reduced to one line of
printable characters with nothing that could end a comment, open a string
or change the source encoding, and are only ever placed after ``#``.
"""

from __future__ import annotations

import math
import re
import unicodedata

#: longest input text shown in one comment
MAX_COMMENT_TEXT = 160

_CODING = re.compile(r"coding[:=]", re.IGNORECASE)


def comment_text(value: object, limit: int = MAX_COMMENT_TEXT) -> str:
    """``value`` as text that is safe inside a ``#`` comment (one line, printable, bounded)."""
    text = str(value)
    out = []
    for ch in text:
        if "\udc80" <= ch <= "\udcff" or "\ud800" <= ch <= "\udfff":
            out.append("?")  # undecodable byte (surrogateescape) or lone surrogate
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs"):
            out.append(" " if ch in "\t\n\r\x0b\x0c\x85\u2028\u2029" else "?")
            continue
        out.append(ch)
    text = "".join(out)
    # nothing that reads as a string delimiter run or a coding declaration
    text = text.replace('"""', "'''").replace("'''", "' ' '")
    text = _CODING.sub("coding -", text)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def quoted(value: object, limit: int = MAX_COMMENT_TEXT) -> str:
    """``comment_text`` in double quotes, for showing a value as written."""
    return '"' + comment_text(value, limit).replace('"', "'") + '"'


def float_literal(value: object) -> str:
    """A finite float as a Python literal that gives back the same double."""
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {number!r}")
    text = repr(number)
    if float(text) != number:  # pragma: no cover - repr round-trips by definition
        raise ValueError(f"cannot write {number!r} exactly")
    return text


def int_literal(value: object) -> str:
    number = int(value)  # type: ignore[call-overload]
    if isinstance(value, float) and float(number) != value:
        raise ValueError(f"not an integer: {value!r}")
    return repr(number)


def int_tuple_literal(values) -> str:
    items = [int_literal(v) for v in values]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def float_tuple_literal(values) -> str:
    items = [float_literal(v) for v in values]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
