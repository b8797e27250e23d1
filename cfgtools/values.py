"""How values are kept and shown: C ``float`` storage, its shortest text, values in ``show`` tables."""

from __future__ import annotations

import math
import struct
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


def format_value(value: Any) -> str:
    """A value as ``show`` prints it: floats as their shortest float32 text, lists comma-separated."""
    if isinstance(value, float):
        return format_float32(value)
    if isinstance(value, list):
        return ",".join(format_value(v) for v in value) if value else "(empty)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
