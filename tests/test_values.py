"""C float storage and the shortest text of a float32 (cfgtools.values)."""

from __future__ import annotations

import math

from cfgtools.values import format_float32, format_value, to_float32


def test_to_float32_rounds_to_the_nearest_c_float():
    # float32(0.1) = 13421773 * 2**-27 exactly
    assert to_float32(0.1) == 13421773 * 2.0**-27
    assert to_float32(1e39) == math.inf  # beyond FLT_MAX (3.4e38)
    assert to_float32(-1e39) == -math.inf


def test_format_float32_is_shortest_round_trip():
    assert format_float32(to_float32(0.949)) == "0.949"
    assert format_float32(to_float32(0.0013)) == "0.0013"
    assert format_float32(4.0) == "4"


def test_format_value_for_show_tables():
    assert format_value([to_float32(0.1), to_float32(0.1)]) == "0.1,0.1"
    assert format_value([]) == "(empty)"
    assert format_value(True) == "true"
    assert format_value(64) == "64"
