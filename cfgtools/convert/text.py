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
    text = " ".join(_printable(value).split())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def comment_line(value: object) -> str:
    """``value`` as the text of one ``#`` comment line, keeping its spacing (indented explanations)."""
    return _printable(value).rstrip()


def _printable(value: object) -> str:
    """``value`` with every character that could end a comment, open a string or declare an encoding replaced."""
    out = []
    for ch in str(value):
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
    return _CODING.sub("coding -", text)


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


def literal(value: object) -> str:
    """An int, a float, or a tuple of ints or of floats as an exact Python literal (anything else is refused)."""
    if isinstance(value, bool):
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, int):
        return int_literal(value)
    if isinstance(value, float):
        return float_literal(value)
    if isinstance(value, tuple):
        if all(isinstance(item, int) and not isinstance(item, bool) for item in value):
            return int_tuple_literal(value)
        if all(isinstance(item, float) for item in value):
            return float_tuple_literal(value)
    raise TypeError(f"cannot write {value!r} as a literal")
