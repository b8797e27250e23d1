"""Run ``cfgtools`` in process as the command line runs it, and check the promises every run keeps.

Shared by the fuzz test and the acceptance sweep: the exit status is 0, 1 or
2, stderr holds only lines of a promised form, stdout is text a UTF-8
terminal can show, and a run stays under a hang guard and a memory
high-water mark (tracemalloc, which sees numpy's arrays too; measured when
the caller has started tracemalloc).
"""

from __future__ import annotations

import io
import re
import signal
import time
import tracemalloc
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

from cfgtools.cli import main

#: seconds one command may take before it counts as a hang (a guard, not a performance test)
HANG_GUARD = 60
#: bytes Python (and numpy) may hold at once in one run
MEMORY_LIMIT = 512 * 1024 * 1024

_STDERR_FORMS = (
    re.compile(r".+:\d+:\d+: \S.*"),  # PATH:LINE:COL: message
    re.compile(r"cfgtools [a-z]+: \S.*"),  # a command's own error or warning
    re.compile(r"note: \S.*"),  # schedule and plot notes about the rates shown
    # convert's documented lines (PATH: cannot convert / express / approximate ...)
    re.compile(r".+: (cannot convert|cannot express in|no exact|approximate|the framework would not train).*"),
    # lint --fix / --diff's count (as ruff's), after the findings or beside the diff
    re.compile(r"(Would fix|Fixed) \d+ problems? \(.*\)\.( \d+ more fix(es)? with --unsafe-fixes\.)?"),
    re.compile(r"No fixes (available|to apply)\.( \d+ more fix(es)? with --unsafe-fixes\.)?"),
)


class Hang(BaseException):
    """Raised by the hang guard; a BaseException, so the command's own error handling does not swallow it."""


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    seconds: float
    peak: int


def run_cli(argv: list[str]) -> Outcome:
    """``cfgtools ARGV`` in process, with stdout that refuses what UTF-8 cannot hold, under the hang guard."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", newline="")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace", newline="")

    def hang(signum, frame):
        raise Hang(f"cfgtools {' '.join(argv)} took more than {HANG_GUARD} s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.setitimer(signal.ITIMER_REAL, HANG_GUARD)
    tracemalloc.reset_peak()
    start = time.perf_counter()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(argv)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else 0
    out.flush()
    err.flush()
    # a diff carries the file's own bytes (write_data): kept as surrogates here, checked in check()
    return Outcome(code, out.buffer.getvalue().decode("utf-8", errors="surrogateescape"),
                   err.buffer.getvalue().decode("utf-8"), seconds, peak)


def check(outcome: Outcome, argv: list[str]) -> None:
    where = f"cfgtools {' '.join(argv)}"
    assert outcome.code in (0, 1, 2), (where, outcome.code, outcome.err)
    assert "internal error" not in outcome.err and "Traceback" not in outcome.err, (where, outcome.err)
    assert outcome.peak < MEMORY_LIMIT, (where, f"{outcome.peak / 2**20:.0f} MiB")
    diff = argv[0] == "extend" or "--diff" in argv
    if not diff:  # stdout is text a UTF-8 terminal shows; a diff is the file's own bytes, to apply with patch
        outcome.out.encode("utf-8")
    if argv[0] == "extend" and outcome.code == 0:
        return  # a plan's summary goes to stderr (as ruff --diff's): free text, its diff on stdout
    for line in outcome.err.splitlines():
        assert any(form.fullmatch(line) for form in _STDERR_FORMS), (where, line)


