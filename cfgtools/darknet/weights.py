"""The header of a darknet ``.weights`` file, and the iteration it implies.

Layout (little-endian, C ``int`` = 4 bytes), written by ``save_weights_upto``
in both forks::

    offset 0   int32 major
    offset 4   int32 minor
    offset 8   int32 revision
    offset 12  seen: 8 bytes (uint64 / size_t) or, in old files, 4 bytes
    then       the layer weights (float32)

How ``load_weights_upto`` decides the size of ``seen``:

* AlexeyAB: 8 bytes iff ``major*10 + minor >= 2``, else a 4-byte unsigned int;
* pjreddie: 8 bytes iff ``major*10 + minor >= 2 and major < 1000 and
  minor < 1000``, else a 4-byte (signed) int.

``major > 1000 or minor > 1000`` marks transposed fully-connected weights.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from cfgtools.errors import InputError
from cfgtools.sources import read_bytes

_VERSION = struct.Struct("<iii")


@dataclass(frozen=True)
class WeightsHeader:
    """The version and ``seen`` counter at the start of a ``.weights`` file."""

    major: int
    minor: int
    revision: int
    seen: int  # images seen: iteration * batch * subdivisions (* time_steps)
    seen_bytes: int  # 8, or 4 in old headers
    transposed: bool  # major > 1000 or minor > 1000

    @property
    def header_bytes(self) -> int:
        return 12 + self.seen_bytes


def seen_size(major: int, minor: int, dialect: str = "alexeyab") -> int:
    """How many bytes ``seen`` takes for this version, in ``dialect``."""
    wide = major * 10 + minor >= 2
    if dialect == "pjreddie":
        wide = wide and major < 1000 and minor < 1000
    elif dialect not in ("alexeyab", "hankai"):  # hank-ai's load_weights_upto is AlexeyAB's (src-lib/weights.cpp)
        raise ValueError(f"unknown darknet dialect {dialect!r}")
    return 8 if wide else 4


def parse_weights_header(data: bytes, path: str = "<weights>", dialect: str = "alexeyab") -> WeightsHeader:
    """Decode the header at the start of ``data`` (the rest is ignored)."""
    if len(data) < _VERSION.size:
        raise InputError(
            f"not a darknet .weights file: {len(data)} bytes, the version header alone takes 12",
            path,
        )
    major, minor, revision = _VERSION.unpack_from(data)
    size = seen_size(major, minor, dialect)
    if len(data) < 12 + size:
        raise InputError(
            f"truncated .weights header: version {major}.{minor}.{revision} needs a {size}-byte "
            f"'seen' counter at byte 12, the file has {len(data)} bytes",
            path,
        )
    if size == 8:
        (seen,) = struct.unpack_from("<Q", data, 12)
    elif dialect == "pjreddie":
        (seen,) = struct.unpack_from("<i", data, 12)
    else:
        (seen,) = struct.unpack_from("<I", data, 12)
    return WeightsHeader(
        major=major,
        minor=minor,
        revision=revision,
        seen=seen,
        seen_bytes=size,
        transposed=major > 1000 or minor > 1000,
    )


def read_weights_header(path: str | os.PathLike[str], dialect: str = "alexeyab") -> WeightsHeader:
    """Read the header of a ``.weights`` file, or raise :class:`InputError`."""
    data = read_bytes(path, ".weights file", 20)[:20]
    return parse_weights_header(data, str(path), dialect)


def iteration_from_seen(seen: int, images_per_iteration: int) -> int:
    """The training iteration darknet resumes at: ``seen // images_per_iteration``.

    darknet divides by the *current* cfg's stored mini-batch times
    subdivisions (``get_current_batch``); a zero or negative divisor, e.g.
    pjreddie's ``batch < subdivisions``, gives 0 instead of a division by zero.
    """
    if images_per_iteration <= 0:
        return 0
    return seen // images_per_iteration
