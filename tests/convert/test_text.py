"""Numbers become exact literals and text becomes safe comments in emitted code."""

from __future__ import annotations

import math

import pytest

from cfgtools.convert.text import comment_line, literal


def test_literal_writes_exact_numbers_only():
    assert literal(3) == "3" and literal(0.1) == "0.1" and literal(2**64 + 1) == "18446744073709551617"
    assert literal((1,)) == "(1,)" and literal((0.5, 0.25)) == "(0.5, 0.25)" and literal(()) == "()"
    assert float(literal(0.10000000149011612)) == 0.10000000149011612
    for bad in (True, math.inf, (1, 0.5), "1", [1]):
        with pytest.raises((TypeError, ValueError)):
            literal(bad)


def test_comment_line_keeps_spacing_and_nothing_else():
    assert comment_line("    w   += rate") == "    w   += rate"
    assert "\n" not in comment_line("a\nb") and '"""' not in comment_line('x"""')
    assert "coding:" not in comment_line("-*- coding: latin-1 -*-")
