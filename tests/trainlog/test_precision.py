"""Rates compared at the precision the program printed them with (hand-worked cases)."""

from __future__ import annotations

import math

import pytest

from cfgtools.trainlog.model import FIXED_6, FIXED_8, SIGNIFICANT_6, Precision
from cfgtools.trainlog.precision import agree


@pytest.mark.parametrize(
    "logged, computed, precision, expected",
    [
        # darknet %f: 0.000000 is anything below 5e-7 (the pj_b_poly tail: 3.8416e-07 prints as 0)
        (0.0, 3.8416e-07, FIXED_6, True),
        (0.0, 4.9999e-07, FIXED_6, True),
        (0.0, 5.0001e-07, FIXED_6, False),
        (0.000001, 5.0001e-07, FIXED_6, True),
        (0.000410, 0.0004096, FIXED_6, True),  # burn-in then poly (1 - 20/100)^4 * 0.001
        (0.000409, 0.0004096, FIXED_6, False),
        # hank-ai, 8 decimals
        (0.00002600, 0.000026004, FIXED_8, True),
        (0.00002600, 0.00002601, FIXED_8, False),
        # Caffe, six significant digits of the value itself
        (0.000922632, 0.00092263186, SIGNIFICANT_6, True),
        (0.000922632, 0.0009226314, SIGNIFICANT_6, False),
        (1e-05, 0.0000099999996, SIGNIFICANT_6, True),  # rounds up across the decade: prints 1e-05
        (0.0001, 0.0000999994, SIGNIFICANT_6, False),  # prints 9.99994e-05
        (1.4013e-45, 1.401298464324817e-45, SIGNIFICANT_6, True),
        (0.0, 1.4e-45, SIGNIFICANT_6, False),  # Caffe prints the denormal, not 0
        (0.0, 0.0, SIGNIFICANT_6, True),
        # NaN and infinities agree only with themselves
        (math.nan, math.nan, FIXED_6, True),
        (math.nan, 0.0, FIXED_6, False),
        (math.inf, math.inf, SIGNIFICANT_6, True),
        (math.inf, -math.inf, SIGNIFICANT_6, False),
        (1e30, math.inf, SIGNIFICANT_6, False),
    ],
)
def test_agree(logged, computed, precision, expected):
    assert bool(agree([logged], [computed], precision)[0]) is expected


def test_printed_text():
    assert FIXED_6.text(3.8416e-07) == "0.000000"
    assert FIXED_8.text(0.000026) == "0.00002600"
    assert SIGNIFICANT_6.text(0.0009226318) == "0.000922632"
    assert SIGNIFICANT_6.text(1e-05) == "1e-05"
    assert str(FIXED_6) == "6 decimals" and str(SIGNIFICANT_6) == "6 significant digits"


def test_hank_ai_allows_one_float32_ulp():
    # darknet-hankai.md C: burn-in poly power 2, batch 1: AlexeyAB 0.00039999999, hank-ai 0.000400000019;
    # a value 1 ulp under a printing boundary of 8 decimals prints one digit lower in the other build
    boundary = 0.000400005
    ulp = 2.0**-23 * boundary
    assert bool(agree([0.00040001], [boundary - 0.4 * ulp], FIXED_8)[0])
    assert not bool(agree([0.00040001], [boundary - 0.4 * ulp], Precision("decimals", 8))[0])
