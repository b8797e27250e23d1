"""C number parsing as darknet does it (glibc atoi/atof, float storage, comma lists)."""

import math

import pytest

from cfgtools.darknet import cnum


@pytest.mark.parametrize(
    "text, expected",
    [
        ("64", 64),
        ("5e5", 5),  # atoi stops at 'e'
        ("1.9e1", 1),
        ("3.7", 3),
        ("0x10", 0),  # base 10: the 'x' stops it after "0"
        ("abc", 0),
        ("", 0),
        ("-12abc", -12),
        ("+7", 7),
        ("\v 9", 9),  # strtol skips isspace(), including \v
        ("15#c", 15),
        ("64\r", 64),  # pjreddie keeps the \r; atoi stops there
        ("4294967297", 1),  # strtol fits in a long; the int cast keeps the low 32 bits: 2**32 + 1 -> 1
        ("2147483648", -2147483648),  # 2**31 wraps to INT_MIN
        ("99999999999999999999", -1),  # strtol saturates at LONG_MAX = 2**63-1; low 32 bits all ones -> -1
    ],
)
def test_atoi(text, expected):
    assert cnum.atoi(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1e-3", 0.001),
        (".1", 0.1),
        ("1.9e1", 19.0),
        ("0.01#x", 0.01),
        ("5.", 5.0),
        ("1e", 1.0),  # an exponent without digits is not part of the number
        ("-2.5e+2", -250.0),
        ("0x1p3", 8.0),  # hexadecimal float: 1 * 2**3
        ("0x.8", 0.5),
        ("abc", 0.0),
        ("", 0.0),
    ],
)
def test_atof(text, expected):
    assert cnum.atof(text) == expected


def test_atof_special_values():
    assert math.isinf(cnum.atof("inf")) and cnum.atof("-Infinity") == -math.inf
    assert math.isnan(cnum.atof("nan")) and math.isnan(cnum.atof("NAN(123)"))
    assert cnum.atof("1e400") == math.inf  # strtod overflows to HUGE_VAL


def test_float32_storage():
    # float32(0.1) = 13421773 * 2**-27 exactly
    assert cnum.atof32("0.1") == 13421773 * 2.0**-27
    # 0.001 as a float: 0x3A83126F = 1.0000000474974513e-03 (mantissa 0x03126F, exponent -10)
    assert cnum.atof32("0.001") == (1 + 0x03126F / 2**23) * 2.0**-10
    assert cnum.atof32("1e39") == math.inf  # beyond FLT_MAX (3.4e38)


def test_list_count_per_fork():
    # AlexeyAB stops counting commas at '#', pjreddie counts them all.
    assert cnum.list_count("10,15#c,3", "alexeyab") == 2
    assert cnum.list_count("10,15#c,3", "pjreddie") == 3
    assert cnum.list_count("10,15,", "alexeyab") == 3  # a trailing comma adds an item


def test_lists_walk_like_strchr():
    assert cnum.int_list("10,15#c,3", 3) == [10, 15, 3]
    assert cnum.int_list("10,,20", 3) == [10, 0, 20]  # an empty item reads as 0
    assert cnum.int_list("10,15,", 3) == [10, 15, 0]
    # Two scales for three steps: the third read would dereference strchr(...)+1 == 1.
    assert cnum.float32_list(".1,.1", 3) is None
    # Extra items are never reached.
    assert cnum.float32_list(".5,.25,.125", 2) == [0.5, 0.25]


def test_huge_numbers_saturate_like_strtol_without_python_int_limits():
    # strtol saturates at LONG_MAX = 2**63 - 1 (low 32 bits all ones: -1 as int) and
    # LONG_MIN = -2**63 (low 32 bits 0); Python's int() refuses strings of 4,301+ digits
    assert cnum.atoi("1" * 4301) == -1
    assert cnum.atoi("-" + "9" * 5000) == 0
    assert cnum.atoi("0" * 5000 + "12") == 12
    assert not cnum.looks_like_int("1" * 5000)
    assert cnum.looks_like_int("0" * 5000 + "12")


def test_long_lists_are_read_in_linear_time_and_memory():
    # 200,000 items: every suffix of the text would be 200,000 strings of up to 400 KB
    items = cnum.int_list(",".join(str(i) for i in range(200_000)), 200_000)
    assert items is not None and items[-1] == 199_999 and len(items) == 200_000
