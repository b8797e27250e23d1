"""Time ``cfgtools plot`` (text, log axis) as max_batches grows: the work stops growing at MAX_POINTS.

A darknet steps schedule with a burn-in, max_batches from 10^5 to 2^31 - 1
(darknet's largest), plotted in process as the command line does. Up to
``MAX_POINTS`` iterations per curve every iteration is evaluated (twice on a log
axis: once for the peak, once for the envelope); beyond it the curve is drawn
from every k-th iteration, so the time levels off instead of growing with
max_batches (2^31 iterations evaluated one by one would take minutes).

Run: python benchmarks/bench_plot.py
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import time
from pathlib import Path

from cfgtools.cli import main
from cfgtools.schedule.textplot import MAX_POINTS

SIZES = [100_000, 1_000_000, 4_194_304, 10_000_000, 100_000_000, 2**31 - 1]


def cfg(max_batches: int) -> str:
    steps = f"{int(max_batches * 0.8)},{int(max_batches * 0.9)}"
    return ("[net]\nbatch=64\nsubdivisions=16\nwidth=416\nheight=416\nchannels=3\nlearning_rate=0.001\n"
            f"burn_in=1000\nmax_batches={max_batches}\npolicy=steps\nsteps={steps}\nscales=.1,.1\n")


def plot_seconds(path: Path) -> float:
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["plot", "--log-y", str(path)]) == 0
    return time.perf_counter() - start


def main_bench() -> None:
    print(f"cfgtools plot --log-y, MAX_POINTS = {MAX_POINTS}")
    print(f"{'max_batches':>12} {'seconds':>8} {'s per 1e6 iterations':>21}")
    with tempfile.TemporaryDirectory() as folder:
        first = None
        for size in SIZES:
            path = Path(folder) / f"b{size}.cfg"
            path.write_text(cfg(size))
            seconds = min(plot_seconds(path) for _ in range(2))
            first = first or seconds
            print(f"{size:>12} {seconds:>8.2f} {seconds / size * 1e6:>21.4f}   (x{seconds / first:.1f} the smallest)")


if __name__ == "__main__":
    main_bench()
