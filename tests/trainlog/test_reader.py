"""The line reader: plain and gzip files, terminal bytes, hostile files, constant memory."""

from __future__ import annotations

import gzip
import random
import tracemalloc
from pathlib import Path

import pytest

from cfgtools.errors import InputError
from cfgtools.trainlog import reader
from cfgtools.trainlog.reader import LogLines, clean_line, lines_of
from tests.trainlog.trainlog_helpers import write_big_log


def write(tmp_path: Path, data: bytes, name: str = "train.log") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_lines_are_split_on_newlines_only(tmp_path):
    path = write(tmp_path, b"a\r\nb\rc\n\nlast")
    assert list(LogLines(path)) == [b"a\r", b"b\rc", b"", b"last"]


def test_a_file_with_carriage_returns_only_is_split_on_them(tmp_path):
    path = write(tmp_path, b"first\rsecond\r\rlast")
    assert LogLines(path).carriage_returns and list(LogLines(path)) == [b"first", b"second", b"", b"last"]
    assert LogLines(path).head(100) == [b"first", b"second", b"", b"last"]


def test_chunks_hold_whole_lines_and_know_their_first_line(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "BLOCK_SIZE", 7)
    data = b"".join(b"line %d\n" % i for i in range(1, 30))
    chunks = list(LogLines(write(tmp_path, data)).chunks())
    assert b"".join(chunk for _, chunk in chunks) == data
    for first, chunk in chunks:
        assert chunk.endswith(b"\n")
        assert chunk.split(b"\n")[0] == b"line %d" % first


def test_a_line_longer_than_the_limit_keeps_its_end(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "BLOCK_SIZE", 64)
    monkeypatch.setattr(reader, "MAX_LINE", 100)
    data = b"x" * 1000 + b" 7: 1.0, 1.0 avg, 0.1 rate\nnext\n"
    lines = list(LogLines(write(tmp_path, data)))
    assert lines[0].endswith(b" 7: 1.0, 1.0 avg, 0.1 rate") and len(lines[0]) <= 100 + 64
    assert lines[1:] == [b"next"]


def test_gzip_reads_like_the_plain_file(tmp_path):
    data = b"".join(b"%d: 1.0, 1.0 avg, 0.001000 rate, 1.0 seconds, 8 images\n" % i for i in range(5000))
    plain = write(tmp_path, data)
    packed = write(tmp_path, gzip.compress(data), "train.log.gz")
    assert LogLines(packed).compressed and not LogLines(plain).compressed
    assert list(LogLines(packed)) == list(LogLines(plain))
    assert list(lines_of(LogLines(packed).chunks())) == data.split(b"\n")[:-1]


def test_a_truncated_gzip_says_where_it_breaks(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "BLOCK_SIZE", 4096)
    data = b"".join(b"%d: 1.0, 1.0 avg, 0.001000 rate, 1.0 seconds, %d images\n" % (i, 8 * i) for i in range(20000))
    packed = gzip.compress(data)
    path = write(tmp_path, packed[: len(packed) // 2], "cut.log.gz")
    lines = LogLines(path)
    with pytest.raises(InputError) as caught:
        list(lines)
    message = str(caught.value)
    assert message.startswith(f"{path}:") and "gzip stream broken after line" in message and "\n" not in message
    assert caught.value.line > 1000


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty file"),
        (random.Random(12).randbytes(5000), "binary data"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 4000, "binary data"),
        (b"\x00" * 100, "binary data"),
        (gzip.compress(random.Random(3).randbytes(5000)), "binary compressed data"),
        (b"\x1f\x8b\x08\x00garbage that is not deflate", "not a readable gzip file"),
    ],
)
def test_files_that_are_not_text_logs_give_one_line(tmp_path, data, words):
    path = write(tmp_path, data)
    with pytest.raises(InputError) as caught:
        LogLines(path)
    assert str(caught.value) == f"{path}:1:1: {caught.value.message}" and words in caught.value.message


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        LogLines(tmp_path / "absent.log")
    with pytest.raises(InputError, match="is a directory"):
        LogLines(tmp_path)


def test_a_log_with_some_control_bytes_and_latin1_is_still_text(tmp_path):
    data = b"\x1b[H\x1b[J1/100: loss=5.3\x07\n" + b"caf\xe9 \x00\n" + b"ok\n" * 50
    assert len(list(LogLines(write(tmp_path, data)))) == 52


@pytest.mark.parametrize(
    "raw, clean",
    [
        (b"\x1b[H\x1b[J40/100: loss=4.7 hours left=0.0\x07", b"40/100: loss=4.7 hours left=0.0 "),
        (b"\x1b]2;5989/6000: loss=0.4 time=7\x07\x1b[1;37m5989\x1b[0m: loss=", b"5989: loss="),
        (b"\x1b]0;title\x1b\\text", b"text"),
        (b"a\rb\x00c\td", b"a b c\td"),
    ],
)
def test_clean_line(raw, clean):
    assert clean_line(raw) == clean


def test_reading_100_mb_needs_a_few_blocks_of_memory(tmp_path):
    path = tmp_path / "big.log"
    write_big_log(path, 100 * 1024 * 1024)
    lines = LogLines(path)
    tracemalloc.start()
    try:
        count = sum(1 for _ in lines)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count > 1_000_000
    assert peak < 8 * reader.BLOCK_SIZE  # a block, its split lines, the carry: not the file
