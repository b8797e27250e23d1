"""C float storage and the shortest text of a float32 (cfgtools.values)."""

from __future__ import annotations

import math

from cfgtools.values import format_float32, format_value, one_line, printable, quoted, to_float32


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


def test_quoted_is_repr_with_the_file_bytes():
    assert quoted("steps#x") == "'steps#x'"
    assert quoted("it's") == '"it\'s"'
    assert quoted("a'b\"c") == "'a\\'b\"c'"
    assert quoted("st\udce9ps") == "'st\\xe9ps'"  # repr() would show '\\udce9'
    assert quoted("a\nb\\c") == "'a\\nb\\\\c'"


def test_one_line_escapes_line_ends_and_terminal_codes_but_keeps_backslashes():
    assert one_line("quoted 'st\\xe9ps' stays") == "quoted 'st\\xe9ps' stays"
    for separator, shown in (("\n", "\\n"), ("\r", "\\r"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"),
                             ("\x85", "\\x85"), ("\x1b", "\\x1b"), ("\udce9", "\\xe9")):
        assert one_line(f"a{separator}b") == f"a{shown}b"
    assert printable("a\\b") == "a\\\\b"  # printable() doubles it: a path cannot forge an escape
