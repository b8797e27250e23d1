"""Memoised readings keep short arguments only: a hostile file's long lines are computed, never kept."""

from __future__ import annotations

from cfgtools.darknet.memo import MAX_MEMOISED_CHARS, memoised


def test_short_calls_are_kept_and_long_ones_computed_each_time():
    calls = []

    @memoised(8)
    def reading(line: str, fork: str) -> int:
        calls.append(line)
        return len(line)

    short, long = "batch=64", "x" * (MAX_MEMOISED_CHARS + 1)
    assert [reading(short, "alexeyab") for _ in range(3)] == [8, 8, 8]
    assert [reading(long, "alexeyab") for _ in range(3)] == [len(long)] * 3
    assert calls == [short, long, long, long]
    assert reading.cache_info().currsize == 1  # the long line was never kept


def test_tuples_of_strings_count_by_their_characters():
    @memoised(8)
    def values(kind: str, written: tuple) -> tuple:
        return written

    values("yolo", ("1,2",) * 10)  # 30 characters: kept
    values("yolo", ("9" * MAX_MEMOISED_CHARS, None))  # too long: computed
    assert values.cache_info().currsize == 1
