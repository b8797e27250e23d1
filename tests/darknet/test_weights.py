"""read_weights_header / iteration_from_seen on headers packed by hand."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from cfgtools.darknet.weights import iteration_from_seen, parse_weights_header, read_weights_header
from cfgtools.errors import InputError

CHECKPOINTS = Path(__file__).resolve().parents[2] / "fixtures" / "checkpoints"
BODY = struct.pack("<4f", 0.1, 0.2, 0.3, 0.4)


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "x.weights"
    path.write_bytes(data)
    return path


def test_current_header_has_64_bit_seen(tmp_path: Path) -> None:
    # version 0.2.5 (AlexeyAB): 0*10 + 2 >= 2 -> 8-byte seen
    header = read_weights_header(write(tmp_path, struct.pack("<iiiQ", 0, 2, 5, 320000) + BODY))
    assert (header.major, header.minor, header.revision) == (0, 2, 5)
    assert header.seen == 320000 and header.seen_bytes == 8 and not header.transposed
    assert header.header_bytes == 20
    # batch 64, subdivisions 16: 64//16 * 16 = 64 images per iteration -> 5000
    assert iteration_from_seen(header.seen, 64) == 5000


def test_seen_above_32_bits(tmp_path: Path) -> None:
    seen = 5 * 2**32 + 64
    header = read_weights_header(write(tmp_path, struct.pack("<iiiQ", 0, 2, 0, seen)), dialect="pjreddie")
    assert header.seen == 21474836544
    assert iteration_from_seen(header.seen, 64) == 335544321  # 21474836544 / 64


def test_fixture_files() -> None:
    new = read_weights_header(CHECKPOINTS / "tiny_final.weights")
    assert (new.seen, new.seen_bytes) == (6400, 8)
    old = read_weights_header(CHECKPOINTS / "old_v01.weights")
    assert (old.major, old.minor, old.seen, old.seen_bytes) == (0, 1, 12800, 4)


@pytest.mark.parametrize("dialect", ["alexeyab", "pjreddie"])
def test_old_header_has_32_bit_seen(tmp_path: Path, dialect: str) -> None:
    # version 0.1: 0*10 + 1 < 2 -> 4-byte seen, weights start at byte 16
    header = read_weights_header(write(tmp_path, struct.pack("<iiiI", 0, 1, 0, 12800) + BODY), dialect)
    assert header.seen == 12800 and header.seen_bytes == 4 and header.header_bytes == 16
    assert iteration_from_seen(header.seen, 128) == 100


def test_forks_differ_on_huge_minor(tmp_path: Path) -> None:
    # minor 1001: 0*10 + 1001 >= 2, so AlexeyAB reads 8 bytes; pjreddie also
    # requires minor < 1000 and reads 4. Both call it transposed.
    data = struct.pack("<iiiI", 0, 1001, 0, 640) + struct.pack("<I", 7)
    pj = parse_weights_header(data, dialect="pjreddie")
    assert (pj.seen, pj.seen_bytes, pj.transposed) == (640, 4, True)
    ab = parse_weights_header(data, dialect="alexeyab")
    assert (ab.seen, ab.seen_bytes, ab.transposed) == (30064771712, 8, True)  # 7 * 2**32 + 640


def test_old_seen_signedness() -> None:
    data = struct.pack("<iii", 0, 0, 0) + b"\xff\xff\xff\xff"
    assert parse_weights_header(data, dialect="alexeyab").seen == 4294967295  # uint32
    assert parse_weights_header(data, dialect="pjreddie").seen == -1  # int


@pytest.mark.parametrize(
    "seen, per_iteration, expected",
    [
        (48047, 48, 1000),  # batch 64, subdivisions 24: 64//24 = 2 -> 2*24 = 48 per iteration; 48047 // 48
        (24000, 96, 250),  # batch 32, subdivisions 4, time_steps 3: 8 * 3 * 4 = 96 per iteration
        (63, 64, 0),
        (1000, 0, 0),  # pjreddie, batch < subdivisions: 4//8 = 0 per iteration, guarded
        (1000, -5, 0),
    ],
)
def test_iteration_from_seen(seen: int, per_iteration: int, expected: int) -> None:
    assert iteration_from_seen(seen, per_iteration) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"",
        struct.pack("<ii", 0, 2),  # 8 bytes: version cut
        struct.pack("<iii", 0, 2, 5) + b"\x00" * 4,  # 8-byte seen cut after 4
        struct.pack("<iii", 0, 1, 0) + b"\x00\x00",  # 4-byte seen cut after 2
    ],
)
def test_short_files(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(InputError):
        read_weights_header(write(tmp_path, data))


def test_missing_file_and_bad_dialect(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_weights_header(tmp_path / "absent.weights")
    with pytest.raises(ValueError):
        parse_weights_header(struct.pack("<iiiQ", 0, 2, 5, 0), dialect="hank")
