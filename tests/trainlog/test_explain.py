"""The pieces of the explanation search: decimals, intervals, inverting a schedule."""

from __future__ import annotations

import numpy as np
import pytest

from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.loading import load_schedule
from cfgtools.schedule.model import BurnIn, Constant, Poly, Random, Schedule, Sgdr, Steps
from cfgtools.trainlog.explain import (
    BASE_LR,
    GPU_COUNT,
    Hypothesis,
    choose,
    intersect,
    monotone_pieces,
    preimage,
    shortest_decimal,
)
from cfgtools.trainlog.analyse import analyse_log
from cfgtools.trainlog.model import FIXED_6
from cfgtools.trainlog.segments import MAX_SEGMENTS
from cfgtools.trainlog.source import open_log
from tests.trainlog.trainlog_helpers import FIXTURES, FORMATS, darknet_rate

f32 = np.float32


@pytest.mark.parametrize(
    "low, high, value",
    [(0.00099, 0.00101, 0.001), (1.95, 2.04, 2.0), (0.41, 0.4105, 0.41), (59.5, 60.6, 60.0), (0.12345, 0.12345, 0.12345)],
)
def test_shortest_decimal(low, high, value):
    assert shortest_decimal(low, high) == value


def test_intersect():
    assert intersect([(0, 10), (20, 30)], [(5, 25)]) == [(5, 10), (20, 25)]
    assert intersect([(0, 3)], [(4, 9)]) == []


def pj_poly() -> Schedule:
    return darknet_schedule(dialect="pjreddie", base_lr=float(f32(0.001)),
                    burn_in=BurnIn(iterations=10, power=2.0), policy=Poly(power=2.0, max_iter=60), horizon=60)


def test_monotone_pieces():
    assert monotone_pieces(pj_poly(), 0, 60) == [(0, 9), (10, 60)]
    steps = darknet_schedule(dialect="alexeyab", base_lr=0.01, policy=Steps(steps=[15, 5], scales=[2.0, 0.5]),
                     horizon=30)
    assert monotone_pieces(steps, 1, 30) == [(1, 4), (5, 14), (15, 30)]
    sgdr = darknet_schedule(dialect="alexeyab", base_lr=0.01, policy=Sgdr(cycle=8, mult=2, lr_min=0.0),
                    horizon=100)
    assert monotone_pieces(sgdr, 0, 100) == [(0, 8), (9, 24), (25, 56), (57, 100)]  # darknet.md c, SGDR minima
    random = darknet_schedule(dialect="alexeyab", base_lr=0.01, policy=Random(power=1.0), horizon=10)
    assert monotone_pieces(random, 0, 10) is None


@pytest.mark.parametrize("printed", [0.00041, 0.000249, 0.000001, 0.0])
def test_preimage_finds_every_iteration_that_prints_the_value(printed):
    schedule = pj_poly()
    want = [b for b in range(0, 61) if f"{darknet_rate(b, 0.001, burn_in=10, power=2, policy='poly', max_batches=60):f}"
            == f"{printed:f}"]
    found = preimage(schedule, printed, FIXED_6, monotone_pieces(schedule, 0, 60))
    assert [b for a, z in found for b in range(a, z + 1)] == want


def test_choose_takes_the_first_that_fits_every_rate():
    schedule = darknet_schedule(dialect="alexeyab", base_lr=0.001, policy=Constant(), horizon=10)
    gpu = Hypothesis(GPU_COUNT, schedule.model_copy(update={"gpus": 2}))
    lr = Hypothesis(BASE_LR, schedule.model_copy(update={"base_lr": 0.002}))
    assert choose([gpu, lr], [True, True]).hypothesis is gpu
    assert choose([gpu, lr], [True, True]).also == (lr,)
    assert choose([gpu, lr], [False, True]).hypothesis is lr
    none = choose([gpu, lr], [False, False])
    assert none.hypothesis is None and none.tried == (GPU_COUNT, BASE_LR)


def test_runs_merged_past_the_segment_cap_do_not_break_the_steps_fit(tmp_path):
    """Past MAX_SEGMENTS the runs are merged into the last one, whose counter then goes back (30, 31, 30, ...)."""
    rows = "".join(f"{k}: 1.0, 1.0 avg, {0.5 if k == 30 else 0.25:f} rate, 0.1 seconds, {16 * k} images\n"
                   for _ in range(MAX_SEGMENTS + 20) for k in (30, 31))
    path = tmp_path / "train.log"
    path.write_text(rows)
    report = analyse_log(open_log(path, FORMATS), load_schedule(FIXTURES / "ab_detector.cfg"))
    assert len(report.segments) == MAX_SEGMENTS and report.segments[-1].merged_runs == 20
    assert not report.rates_agree and report.findings
