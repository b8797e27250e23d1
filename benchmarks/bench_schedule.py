"""Time the vectorised schedule engine against stepping a torch scheduler once per iteration.

(a) a yolov4-like darknet schedule: 500,500 iterations, steps 400000,450000
    scales .1,.1, burn_in 1000 with power 4, learning_rate 0.0013;
(b) a Caffe poly schedule: 10,000,000 iterations, power 0.9, base_lr 0.01.

torch (when importable): (a) LambdaLR with the equivalent factor, stepped
500,500 times; (b) PolynomialLR stepped a smaller number of times and
extrapolated linearly to 10,000,000 (stated in the output).

Run: python benchmarks/bench_schedule.py
"""

from __future__ import annotations

import importlib.util

import numpy as np

from cfgtools.caffe.schedule import caffe_schedule
from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.schedule.analysis import dense_extremes
from cfgtools.schedule.evaluate import all_updates, iter_chunks
from cfgtools.schedule.model import BurnIn, Poly, Schedule, Steps
from timing import best_of

YOLO = darknet_schedule(
    "alexeyab", float(np.float32(0.0013)),
    Steps(steps=[400000, 450000], scales=[float(np.float32(0.1))] * 2), 500_500,
    burn_in=BurnIn(iterations=1000, power=4.0),
)
POLY = caffe_schedule(float(np.float32(0.01)), Poly(power=float(np.float32(0.9)), max_iter=10_000_000), 10_000_000)
TORCH_POLY_STEPS = 200_000



def chunked(schedule: Schedule) -> None:
    for _ in iter_chunks(schedule):
        pass


def torch_yolo() -> None:
    import torch

    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=0.0013)

    def factor(i: int) -> float:
        b = i + 1  # scheduler step i serves darknet update b = i + 1
        if b < 1000:
            return (b / 1000) ** 4
        return 1.0 if b < 400000 else 0.1 if b < 450000 else 0.01

    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    for _ in range(YOLO.horizon):
        opt.step()
        sched.step()


def torch_poly(steps: int) -> None:
    import torch

    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=0.01)
    sched = torch.optim.lr_scheduler.PolynomialLR(opt, total_iters=10_000_000, power=0.9)
    for _ in range(steps):
        opt.step()
        sched.step()


def main() -> None:
    rows = []
    t_a = best_of(lambda: all_updates(YOLO))
    t_a_chunks = best_of(lambda: chunked(YOLO))
    t_b = best_of(lambda: all_updates(POLY))
    t_b_chunks = best_of(lambda: chunked(POLY))
    t_b_ext = best_of(lambda: dense_extremes(POLY, POLY.first_update, POLY.last_update))
    rows.append(("(a) darknet steps+burn-in, 500,500 iters, one array", t_a))
    rows.append(("(a) same, 1 Mi-chunked", t_a_chunks))
    rows.append(("(b) Caffe poly, 10,000,000 iters, one array", t_b))
    rows.append(("(b) same, 1 Mi-chunked", t_b_chunks))
    rows.append(("(b) min/max over the horizon (chunked)", t_b_ext))
    for label, seconds in rows:
        print(f"{label:<56} {seconds * 1000:10.1f} ms")
    if importlib.util.find_spec("torch") is None:
        print("torch is not importable: skipping the torch comparison")
        return
    t_ta = best_of(torch_yolo, repeat=1)
    t_tb_part = best_of(lambda: torch_poly(TORCH_POLY_STEPS), repeat=1)
    t_tb = t_tb_part * (POLY.horizon / TORCH_POLY_STEPS)
    print(f"{'(a) torch LambdaLR, 500,500 optimizer+scheduler steps':<56} {t_ta * 1000:10.1f} ms"
          f"   ratio torch/cfgtools {t_ta / t_a:8.0f}x")
    print(f"{'(b) torch PolynomialLR, extrapolated to 10,000,000 steps':<56} {t_tb * 1000:10.1f} ms"
          f"   ratio torch/cfgtools {t_tb / t_b:8.0f}x")
    print(f"    ((b) torch measured {TORCH_POLY_STEPS:,} steps in {t_tb_part:.2f} s and scaled linearly "
          f"by {POLY.horizon // TORCH_POLY_STEPS})")


if __name__ == "__main__":
    main()
