"""Time the LR rules' questions answered densely (every update) and piece by piece.

For each schedule: the dense pass (``dense_profile`` + ``dense_extremes``)
against the piecewise one (the framework's ``pieces`` + ``piecewise_profile``
+ ``piecewise_extremes``), with the linter's default thresholds. The answers
of both are compared before timing.

(a) yolov4-like: 500,500 batches, burn_in 1000 (power 4), steps 400000,450000;
(b) Caffe poly (power 0.9) over 10,000,000 iterations, and over 1,000;
(c) darknet steps with 2,000 steps over 2,000,000 batches;
(d) darknet SGDR, sgdr_cycle 1, sgdr_mult 1, over 2^31 - 1 batches: piecewise
    only (the dense pass would take hours, and darknet/rate.py lists every
    cycle up to the batch it evaluates);
(e) Caffe step with stepsize 1 over 2^31 - 1 iterations: piecewise only.

Run: python benchmarks/bench_analysis.py
"""

from __future__ import annotations

import time

import numpy as np

from cfgtools.caffe.schedule import caffe_schedule
from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.caffe.pieces import pieces as caffe_pieces
from cfgtools.darknet.pieces import pieces as darknet_pieces
from cfgtools.schedule.analysis import dense_extremes, dense_profile, piecewise_extremes, piecewise_profile
from cfgtools.schedule.model import BurnIn, Poly, Schedule, Sgdr, Step, Steps

FLOOR, RISE = 1e-3, 2.0  # the linter's defaults (lr_floor_fraction, rise_factor)
H31 = 2**31 - 1


def f32(x: float) -> float:
    return float(np.float32(x))


def many_steps(count: int, horizon: int) -> Schedule:
    rng = np.random.default_rng(15)
    values = sorted(rng.choice(np.arange(1, horizon), size=count, replace=False).tolist())
    scales = [f32(s) for s in rng.choice([0.5, 0.9, 1.1, 2.0], size=count)]
    return darknet_schedule(dialect="alexeyab", base_lr=f32(0.001),
                            policy=Steps(steps=values, scales=scales), horizon=horizon)


SCHEDULES = {
    "(a) yolov4-like steps, 500,500 batches": darknet_schedule(
        dialect="alexeyab", base_lr=f32(0.0013), burn_in=BurnIn(iterations=1000, power=4.0),
        policy=Steps(steps=[400000, 450000], scales=[f32(0.1)] * 2), horizon=500_500),
    "(b) Caffe poly, 10,000,000 iterations": caffe_schedule(
        base_lr=f32(0.01), policy=Poly(power=f32(0.9), max_iter=10_000_000), horizon=10_000_000),
    "(b') Caffe poly, 1,000 iterations": caffe_schedule(
        base_lr=f32(0.01), policy=Poly(power=f32(0.9), max_iter=1000), horizon=1000),
    "(c) darknet, 2,000 steps, 2,000,000 batches": many_steps(2000, 2_000_000),
    "(d) SGDR cycle 1 mult 1, 2^31-1 batches": darknet_schedule(
        dialect="alexeyab", base_lr=f32(0.01), policy=Sgdr(cycle=1, mult=1, lr_min=f32(1e-5)),
        horizon=H31),
    "(e) Caffe step, stepsize 1, 2^31-1 iterations": caffe_schedule(
        base_lr=f32(0.01), policy=Step(step=1, gamma=f32(0.9999)), horizon=H31),
}
PIECEWISE_ONLY = {"(d) SGDR cycle 1 mult 1, 2^31-1 batches", "(e) Caffe step, stepsize 1, 2^31-1 iterations"}


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def dense_answers(schedule: Schedule):
    first, last = schedule.first_update, schedule.last_update
    return (dense_profile(schedule, first, last, warm(schedule), FLOOR, RISE), dense_extremes(schedule, first, last))


def piecewise_answers(schedule: Schedule):
    first, last = schedule.first_update, schedule.last_update
    cut = darknet_pieces if schedule.framework == "darknet" else caffe_pieces
    found = cut(schedule, first, last)
    return (piecewise_profile(schedule, found, first, last, warm(schedule), FLOOR, RISE),
            piecewise_extremes(schedule, found, first, last), len(found))


def warm(schedule: Schedule) -> int:
    first = schedule.first_update
    return max(first, schedule.burn_in.iterations) if schedule.burn_in is not None else first


def main() -> None:
    print(f"{'schedule':<48} {'pieces':>7} {'dense':>11} {'piecewise':>11} {'dense/piecewise':>16}")
    for label, schedule in SCHEDULES.items():
        t_piece, (profile, extremes, count) = best_of(lambda: piecewise_answers(schedule), repeat=5)
        if label in PIECEWISE_ONLY:
            print(f"{label:<48} {count:>7} {'-':>11} {t_piece * 1e3:>8.2f} ms {'-':>16}")
            continue
        t_dense, (dense_profile_, dense_extremes_) = best_of(lambda: dense_answers(schedule), repeat=3)
        assert (profile, extremes) == (dense_profile_, dense_extremes_), label
        print(f"{label:<48} {count:>7} {t_dense * 1e3:>8.1f} ms {t_piece * 1e3:>8.2f} ms "
              f"{t_dense / t_piece:>15.0f}x")


if __name__ == "__main__":
    main()
