"""Compare rates at the precision a program printed them with.

A logged rate agrees with a computed one when printing the computed float the
way the program does could give the logged text: their difference is at most
half a unit of the last printed digit (darknet ``%f``: 5e-7; hank-ai: 5e-9;
Caffe, six significant digits: half a unit of the sixth digit of the larger
of the two). So ``0.000000`` in a darknet log agrees with any rate below
5e-7, and a printed 0 never proves the schedule reached 0. NaN agrees with
NaN and an infinity with the same infinity. For hank-ai, whose build rounds
some rates 1 float32 ulp away from AlexeyAB's, the computed rate may also be
1 ulp off.
"""

from __future__ import annotations

import numpy as np

from cfgtools.trainlog.model import Precision

#: Room for the decimal text's own rounding to binary and for exact ties.
SLACK = 1 + 1e-6


def half_unit(logged: np.ndarray, expected: np.ndarray, precision: Precision) -> np.ndarray:
    """Half a unit of the last digit the program prints, for each pair (the allowed difference),
    plus ``precision.float_ulps`` float32 ulps of the computed rate."""
    with np.errstate(all="ignore"):
        magnitude = np.maximum(np.abs(logged), np.abs(expected))
        if precision.kind == "decimals":
            allowed = np.full(np.shape(magnitude), 0.5 * 10.0 ** -precision.digits * SLACK)
        else:
            exponent = np.floor(np.log10(np.where(magnitude > 0, magnitude, 1.0)))
            allowed = np.where(magnitude > 0, 0.5 * 10.0 ** (exponent - (precision.digits - 1)) * SLACK, 0.0)
        if precision.float_ulps:
            allowed = allowed + precision.float_ulps * np.abs(np.asarray(expected, dtype=np.float64)) * 2.0**-23
    return allowed


def agree(logged, expected, precision: Precision) -> np.ndarray:
    """A boolean array: does each logged rate agree with each computed one at ``precision``?"""
    logged = np.asarray(logged, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    with np.errstate(all="ignore"):
        finite = np.isfinite(logged) & np.isfinite(expected)
        special = (np.isnan(logged) & np.isnan(expected)) | (np.isinf(logged) & (logged == expected))
        close = np.abs(logged - expected) <= half_unit(logged, expected, precision)
    return np.where(finite, close, special)
