"""C's number parsing as darknet uses it: ``atoi``, ``atof``, float storage, comma lists (and hank-ai's C++ rules).

darknet never checks a number: ``atoi("5e5")`` is 5, ``atoi("0x10")`` is 0,
``atoi("abc")`` is 0, ``atof("1e-3")`` is 0.001 and every float option is
stored in a C ``float``. These functions give the same answers, so cfgtools
sees exactly the numbers darknet trains with.

hank-ai's C++ reader is strict instead: a value is a number only when every
character is one of ``-.0123456789`` (then ``std::stof`` reads it), integers
are read through that float, and lists are the runs of those characters
(``stof``, ``stoi``, ``hankai_*`` below).
"""

from __future__ import annotations

import math
import re

from cfgtools.values import to_float32

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1

# strtol/strtod skip leading isspace() characters (" \t\n\v\f\r").
_C_SPACE = " \t\n\v\f\r"
_INT_PREFIX = re.compile(r"[+-]?[0-9]+")
_DEC_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX_FLOAT = re.compile(r"([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?[0-9]+))?")
_INF_NAN = re.compile(r"([+-]?)(infinity|inf|nan(?:\([0-9A-Za-z_]*\))?)", re.IGNORECASE)


def atoi(text: str) -> int:
    """C ``atoi`` on glibc: ``(int) strtol(text, NULL, 10)``.

    strtol saturates at the 64-bit ``long`` range; the cast to ``int`` then
    keeps the low 32 bits (what gcc does on x86-64).
    """
    if text.isdigit() and text.isascii() and len(text) < 10:  # the common case: a plain small number
        return int(text)
    match = _INT_PREFIX.match(text.lstrip(_C_SPACE))
    if not match:
        return 0
    negative = match.group(0).startswith("-")
    digits = match.group(0).lstrip("+-").lstrip("0") or "0"
    if len(digits) > 19:  # beyond any long: strtol saturates (and int() would refuse 4300+ digits)
        value = LONG_MIN if negative else LONG_MAX
    else:
        value = max(LONG_MIN, min(LONG_MAX, -int(digits) if negative else int(digits)))
    value &= 0xFFFFFFFF
    return value - 2**32 if value > INT_MAX else value


def atof(text: str) -> float:
    """C ``atof`` (``strtod``): the longest prefix that is a number, else 0.0."""
    text = text.lstrip(_C_SPACE)
    match = _INF_NAN.match(text)
    if match:
        sign = -1.0 if match.group(1) == "-" else 1.0
        return sign * (math.inf if match.group(2).lower().startswith("inf") else math.nan)
    match = _HEX_FLOAT.match(text)
    if match:
        sign, digits, exponent = match.groups()
        whole, _, fraction = digits.partition(".")
        mantissa = int(whole or "0", 16) + (int(fraction, 16) / 16 ** len(fraction) if fraction else 0.0)
        try:
            value = math.ldexp(mantissa, int(exponent or "0"))
        except OverflowError:
            value = math.inf
        return -value if sign == "-" else value
    match = _DEC_FLOAT.match(text)
    if not match:
        return 0.0
    return float(match.group(0))


def atof32(text: str) -> float:
    """``option_find_float``: atof, stored in a float."""
    return to_float32(atof(text))


def looks_like_int(text: str) -> bool:
    """True when ``atoi`` reads the whole text (so the user wrote what darknet reads)."""
    if re.fullmatch(r"[+-]?[0-9]+", text) is None:
        return False
    digits = text.lstrip("+-").lstrip("0") or "0"
    if len(digits) > 10:
        return False  # more than 10 significant digits is outside int whatever atoi makes of it
    return atoi(text) == (-int(digits) if text.startswith("-") else int(digits))


def looks_like_float(text: str) -> bool:
    """True when ``atof`` reads the whole text."""
    text = text.strip(_C_SPACE)
    return any(pattern.fullmatch(text) for pattern in (_DEC_FLOAT, _INF_NAN)) or bool(_HEX_FLOAT.fullmatch(text))


def list_count(text: str, dialect: str) -> int:
    """How many items darknet's comma-list parsers see in ``text``.

    Both forks count commas (n = commas + 1); AlexeyAB's net ``steps``, yolo
    ``mask`` and ``anchors`` parsers stop counting at ``#`` and pjreddie's do
    not (``10,15#c,3`` is 2 items in AlexeyAB, 3 in pjreddie).
    """
    if dialect == "alexeyab":
        text = text.split("#", 1)[0]
    return text.count(",") + 1


def list_items(text: str, count: int) -> list[str] | None:
    """The text of each of the first ``count`` items, as darknet walks them.

    darknet reads an item with atoi/atof at the current pointer, then jumps
    past the next comma with ``strchr(p, ',') + 1``. atoi/atof stop at the
    comma, so an item reads the same as the text up to it. When there is no
    next comma the pointer becomes invalid and the next read crashes: ``None``
    tells the caller that reading ``count`` items would segfault.
    """
    items = text.split(",", count)[:count]
    return items if len(items) == count else None


def int_list(text: str, count: int) -> list[int] | None:
    items = list_items(text, count)
    return None if items is None else [atoi(item) for item in items]


def float32_list(text: str, count: int) -> list[float] | None:
    items = list_items(text, count)
    return None if items is None else [atof32(item) for item in items]


# -- hank-ai darknet (C++): std::stof/std::stoi and its number rules (src-lib/darknet_cfg.cpp)

#: characters a hank-ai value may have to be a number (``CfgLine::CfgLine``)
HANKAI_NUMBER_CHARS = frozenset("-.0123456789")
_INT_RUN_CHARS = frozenset("-0123456789")
FLT_MAX = 3.4028234663852886e38
FLT_MIN = 1.1754943508222875e-38  # smallest normal float: glibc's strtof reports ERANGE below it


def hankai_numeric(text: str) -> bool:
    """Whether hank-ai treats a value as a number: non-empty and only ``-.0123456789``."""
    return bool(text) and all(c in HANKAI_NUMBER_CHARS for c in text)


def stof(text: str) -> float | None:
    """C++ ``std::stof``: the float of the longest prefix strtof reads, or None where it throws.

    It throws ``invalid_argument`` when no number starts the text (``-``,
    ``.``) and ``out_of_range`` when strtof reports ERANGE: beyond FLT_MAX, or a
    non-zero number below the smallest normal float.
    """
    match = _DEC_FLOAT.match(text.lstrip(_C_SPACE))
    if not match:
        return None
    exact = float(match.group(0))
    value = to_float32(exact)
    if math.isinf(value) or (exact != 0 and abs(value) < FLT_MIN):
        return None
    return value


def stoi(text: str) -> int | None:
    """C++ ``std::stoi``: the int of the longest prefix strtol reads, or None where it throws."""
    match = _INT_PREFIX.match(text.lstrip(_C_SPACE))
    if not match:
        return None
    digits = match.group(0).lstrip("+-").lstrip("0") or "0"
    if len(digits) > 10:
        return None
    value = int(match.group(0))
    return value if INT_MIN <= value <= INT_MAX else None


def float_to_int(value: float) -> int:
    """``static_cast<int>`` of a float's integer part (x86 gives INT_MIN outside the int range)."""
    whole = math.trunc(value) if math.isfinite(value) else INT_MIN
    return whole if INT_MIN <= whole <= INT_MAX else INT_MIN


def _runs(text: str, chars: frozenset[str]) -> list[str]:
    """The maximal runs of ``chars`` in ``text``, in order (anything else separates them)."""
    runs, start = [], None
    for index, char in enumerate(text):
        if char in chars:
            if start is None:
                start = index
        elif start is not None:
            runs.append(text[start:index])
            start = None
    if start is not None:
        runs.append(text[start:])
    return runs


def hankai_int_list(text: str) -> list[int]:
    """``CfgSection::find_int_array``: ``std::stoi`` of each run of ``-0123456789``; the first failure ends the list."""
    values = []
    for run in _runs(text, _INT_RUN_CHARS):
        value = stoi(run)
        if value is None:
            break
        values.append(value)
    return values


def hankai_float_list_texts(text: str) -> list[str]:
    """The runs ``find_float_array`` reads as numbers, as written."""
    return _runs(text, HANKAI_NUMBER_CHARS)


def hankai_float_list(text: str) -> list[float]:
    """``CfgSection::find_float_array``: ``std::stof`` of each run of ``-.0123456789``; the first failure ends it."""
    values = []
    for run in _runs(text, HANKAI_NUMBER_CHARS):
        value = stof(run)
        if value is None:
            break
        values.append(value)
    return values
