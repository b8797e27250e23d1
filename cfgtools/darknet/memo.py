"""Memoised readings for the darknet readers, bounded in entries and in what each entry keeps.

A cfg repeats the same few lines (the corpus: 1,039 distinct lines among
87,616), so its readers memoise a line's reading and a layer's values. A
hostile file's lines can be megabytes long; such a reading is computed each
time rather than kept, so that a process reading many files (a lint run, a
library user) keeps at most ``entries`` short readings, never gigabytes.
"""

from __future__ import annotations

import functools

#: arguments longer than this (characters, summed over strings and tuples of strings) are not memoised
MAX_MEMOISED_CHARS = 512


def _chars(value) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, tuple):
        return sum(_chars(item) for item in value)
    return 0


def memoised(entries: int):
    """``functools.lru_cache(entries)`` for calls whose arguments are short; longer ones are computed."""

    def decorate(function):
        cached = functools.lru_cache(maxsize=entries)(function)

        @functools.wraps(function)
        def call(*args):
            if sum(_chars(arg) for arg in args) > MAX_MEMOISED_CHARS:
                return function(*args)
            return cached(*args)

        call.cache_clear = cached.cache_clear
        call.cache_info = cached.cache_info
        return call

    return decorate
