"""Read a 1 GB training log of each framework: MB/s and peak RSS of each stage.

Generates (in a temporary directory, deleted afterwards; never stored) about
1 GB of each:

- darknet (AlexeyAB ``detector train``): per iteration the ``Loaded:`` line, a
  ``[yolo]`` stderr line, ``total_bbox``, the clear-screen/BEL title line and
  the iteration line; steps schedule with burn-in, 500,500 max_batches;
- Caffe (2017+ lines, display 1): the loss line, three train outputs, the lr
  line, a test pass every 1000 iterations; poly schedule, power 0.9.

The rates are the schedule's (computed with cfgtools' engine), so the
analysis needs one pass. Each stage runs in a fresh process so its peak RSS
is its own: ``lines`` (the reader), ``records`` (reader + format parser),
``analyse`` (:func:`cfgtools.trainlog.analyse.analyse_log`: segments, every rate
compared, findings), ``command`` (``cfgtools log`` as a user runs it: the
darknet log with a cfg of the same schedule, the Caffe log alone, read against
the solver it printed; imports and the report included). Targets: 50 MB/s or
more on one core, peak RSS under 100 MiB.

Run: python benchmarks/bench_log.py [size in MB, default 1024]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.caffe.schedule import caffe_schedule
from cfgtools.schedule.evaluate import evaluate
from cfgtools.schedule.model import BurnIn, Poly, Steps

DARKNET = darknet_schedule(
    dialect="alexeyab", base_lr=float(np.float32(0.001)),
    burn_in=BurnIn(iterations=1000, power=4.0),
    policy=Steps(steps=[400000, 450000], scales=[float(np.float32(0.1))] * 2), horizon=500_500,
)
CAFFE = caffe_schedule(base_lr=float(np.float32(0.01)),
                 policy=Poly(power=float(np.float32(0.9)), max_iter=10_000_000), horizon=10_000_000)
TARGET_MB_S = 50.0
TARGET_RSS_MIB = 100.0

STAGE = """
import resource, sys, time
from cfgtools.caffe.log import CAFFE_LOG
from cfgtools.darknet.log import DARKNET_LOG
from cfgtools.trainlog.analyse import analyse_log
from cfgtools.trainlog.source import open_log
sys.path.insert(0, sys.argv[3])
from bench_log import CAFFE, DARKNET

log = open_log(sys.argv[1], [DARKNET_LOG, CAFFE_LOG])
stage = sys.argv[2]
start, cpu = time.perf_counter(), time.process_time()
if stage == "lines":
    count = sum(1 for _ in log.lines)
elif stage == "records":
    count = sum(1 for _ in log.records())
else:
    report = analyse_log(log, DARKNET if log.framework == "darknet" else CAFFE)
    assert report.rates_agree, [f.message for f in report.findings]
    count = report.rows
print(count, time.perf_counter() - start, time.process_time() - cpu,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

COMMAND = """
import contextlib, io, resource, sys, time
from cfgtools.cli import main

start, cpu = time.perf_counter(), time.process_time()
with contextlib.redirect_stdout(io.StringIO()) as report:
    code = main(["log", *sys.argv[1:]])
first = report.getvalue().splitlines()[0]
assert code == 0 and "logged rates agree" in first, (code, report.getvalue())
print(first.split(", ")[1].split()[0], time.perf_counter() - start, time.process_time() - cpu,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
#: the darknet log's schedule as a cfg, for the command stage
DARKNET_CFG = """[net]
batch=64
subdivisions=1
width=416
height=416
channels=3
learning_rate=0.001
burn_in=1000
power=4
max_batches=500500
policy=steps
steps=400000,450000
scales=.1,.1
"""


def write_darknet(path: Path, size: int) -> int:
    iteration = 0
    with path.open("w") as out:
        written = 0
        while written < size:
            batches = np.arange(iteration + 1, iteration + 10_001)
            rates = evaluate(DARKNET, batches).tolist()
            block = []
            for b, rate in zip(batches.tolist(), rates):
                loss = 1.0 + 4.0 / (1 + b / 20000)
                block.append(
                    f"Loaded: 0.000071 seconds\n"
                    f"v3 (mse loss, Normalizer: (iou: 0.75, obj: 1.00, cls: 1.00) Region 30 Avg (IOU: 0.412311), "
                    f"count: 9, class_loss = 0.301002, iou_loss = {loss / 3:f}, total_loss = {loss:f} \n"
                    f" total_bbox = {9 * b}, rewritten_bbox = 0.000000 % \n"
                    f"\x1b[H\x1b[J{b}/500500: loss={loss:0.1f} hours left=12.3\x07\n"
                    f" {b}: {loss:f}, {loss:f} avg loss, {rate:f} rate, 3.210000 seconds, {b * 64} images, "
                    f"12.345678 hours left\n")
            text = "".join(block)
            out.write(text)
            written += len(text)
            iteration += 10_000
    return iteration


def write_caffe(path: Path, size: int) -> int:
    prefix = "I0515 14:43:38.669777  1279 "
    iteration = 0
    with path.open("w") as out:
        out.write(f"{prefix}solver.cpp:45] Initializing solver from parameters: \nbase_lr: 0.01\nmax_iter: 10000000\n"
                  'lr_policy: "poly"\npower: 0.9\ndisplay: 1\n')
        written = 0
        while written < size:
            iters = np.arange(iteration, iteration + 10_000)
            rates = evaluate(CAFFE, iters).tolist()
            block = []
            for i, rate in zip(iters.tolist(), rates):
                loss = 1.0 + 4.0 / (1 + i / 20000)
                if i % 1000 == 0:
                    block.append(f"{prefix}solver.cpp:347] Iteration {i}, Testing net (#0)\n"
                                 f"{prefix}solver.cpp:414]     Test net output #0: accuracy = 0.5012\n")
                block.append(
                    f"{prefix}solver.cpp:239] Iteration {i} (4.1 iter/s, 0.24s/1 iters), loss = {loss:g}\n"
                    f"{prefix}solver.cpp:258]     Train net output #0: loss1/loss1 = {loss:g} (* 0.3 = 1 loss)\n"
                    f"{prefix}solver.cpp:258]     Train net output #1: loss2/loss2 = {loss:g} (* 0.3 = 1 loss)\n"
                    f"{prefix}solver.cpp:258]     Train net output #2: loss3/loss3 = {loss:g} (* 1 = 1 loss)\n"
                    f"{prefix}sgd_solver.cpp:112] Iteration {i}, lr = {rate:g}\n")
            text = "".join(block)
            out.write(text)
            written += len(text)
            iteration += 10_000
    return iteration


def main() -> None:
    size = int(float(sys.argv[1]) * 1024 * 1024) if len(sys.argv) > 1 else 1024 * 1024 * 1024
    here = str(Path(__file__).resolve().parent)
    with tempfile.TemporaryDirectory() as folder:
        for name, writer in (("darknet", write_darknet), ("caffe", write_caffe)):
            path = Path(folder) / f"{name}.log"
            started = time.perf_counter()
            iterations = writer(path, size)
            megabytes = path.stat().st_size / 1e6
            print(f"{name}: {megabytes:.0f} MB, {iterations} iterations (generated in "
                  f"{time.perf_counter() - started:.1f} s)")
            config = Path(folder) / "yolo.cfg"
            config.write_text(DARKNET_CFG)
            for stage in ("lines", "records", "analyse", "command"):
                if stage == "command":
                    argv = [str(path), "--exit-zero"] + (["--config", str(config)] if name == "darknet" else [])
                    result = subprocess.run([sys.executable, "-c", COMMAND, *argv], capture_output=True, text=True,
                                            check=True)
                else:
                    result = subprocess.run([sys.executable, "-c", STAGE, str(path), stage, here],
                                            capture_output=True, text=True, check=True)
                count, wall, cpu, rss = result.stdout.split()
                rate = megabytes / float(cpu)
                print(f"  {stage:8s} {int(count):>10d} {'rows' if stage != 'lines' else 'lines'}  "
                      f"{megabytes / float(wall):6.1f} MB/s wall  {rate:6.1f} MB/s cpu "
                      f"({rate / TARGET_MB_S:.2f} x target)  peak RSS {float(rss):6.1f} MiB "
                      f"({float(rss) / TARGET_RSS_MIB:.2f} x limit)")
            path.unlink()


if __name__ == "__main__":
    main()
