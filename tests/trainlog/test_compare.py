"""The chunked comparison: counts, the bounded sample, the images column, a restored multistep index."""

from __future__ import annotations

import numpy as np

from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.caffe.schedule import caffe_schedule
from cfgtools.schedule.model import Constant, MultiStep, Random, Schedule, Steps
from cfgtools.trainlog.compare import Anchors, ImagesColumn, RateComparator, RatePoint, multistep_resume
from cfgtools.trainlog.model import FIXED_6, MULTISTEP_STATUS, SIGNIFICANT_6, Event, Row
from cfgtools.trainlog.segments import Segment, Segmenter

f32 = np.float32


def darknet_constant(lr: float = 0.001) -> Schedule:
    return darknet_schedule(dialect="alexeyab", base_lr=float(f32(lr)), policy=Constant(), horizon=10**6)


def compare(rows: list[Row], schedule) -> RateComparator:
    segmenter = Segmenter()
    comparator = RateComparator(segmenter.segments, lambda segment: schedule)
    for r in segmenter.rows(rows):
        comparator.add(r)
    comparator.flush()
    return comparator


def test_counts_and_the_first_and_last_disagreement():
    rows = [Row(line=i, iteration=i, rate=0.001 if i % 1000 else 0.002, precision=FIXED_6) for i in range(1, 10001)]
    (check,) = compare(rows, darknet_constant()).checks.values()
    assert (check.compared, check.agreed, check.mismatched) == (10000, 9990, 10)
    assert (check.first_mismatch.iteration, check.last_mismatch.iteration) == (1000, 10000)
    assert check.first_mismatch.rate == 0.002 and check.first_mismatch.expected == float(f32(0.001))


def test_the_sample_stays_bounded_and_spread():
    anchors = Anchors()
    total = 0
    for start in range(0, 200_000, 4096):
        size = min(4096, 200_000 - start)
        iterations = np.arange(start, start + size)
        rates = (iterations % 7).astype(np.float64)  # the printed rate changes on every row
        anchors.add(lambda i, it=iterations, r=rates: _point(it[i], r[i]), rates, np.ones(size, dtype=bool))
        total += size
    points = anchors.points()
    assert len(points) <= Anchors.FIRST + Anchors.TRANSITIONS * 2 + Anchors.MISMATCHES + Anchors.SPREAD + 1
    assert points[-1].iteration == 199_999 and points[0].iteration == 0
    spread = [p.iteration for p in anchors.spread]
    assert max(spread) > 150_000 and len(spread) <= Anchors.SPREAD  # thinned evenly over the whole run


def _point(iteration, rate):

    return RatePoint(int(iteration), float(rate), int(iteration))


def test_images_column_wraps_like_a_c_int():
    column = ImagesColumn()
    iterations = np.array([1, 2, 40_000_000])
    column.add(iterations, np.array([64, 128, (40_000_000 * 64 + 2**31) % 2**32 - 2**31]))
    assert column.consistent and column.per_iteration == 64
    column.add(np.array([40_000_001]), np.array([123]))
    assert not column.consistent


def test_classifier_rows_do_not_feed_the_images_column():
    rows = [Row(line=i, iteration=i, rate=0.001, images=8 * i, epoch=i / 2, precision=FIXED_6) for i in range(1, 5)]
    (check,) = compare(rows, darknet_constant()).checks.values()
    assert check.images.per_iteration is None


def test_random_policy_and_no_schedule_are_skipped_with_a_reason():
    rows = [Row(line=1, iteration=1, rate=0.5, precision=FIXED_6)]
    random_schedule = darknet_schedule(dialect="alexeyab", base_lr=1.0, policy=Random(power=1.0),
                               horizon=10)
    (check,) = compare(rows, random_schedule).checks.values()
    assert check.skipped.startswith("policy=random") and check.compared == 0
    (check,) = compare(rows, None).checks.values()
    assert check.skipped == "no schedule to compare with"


def test_a_resumed_caffe_multistep_run_keeps_the_logged_step():
    earlier = Segment(index=0, kind="start", line=1, first_iteration=0, last_iteration=99, last_line=9,
                      step_status=[Event(MULTISTEP_STATUS, 5, iteration=50, values=(("step", 1.0),))])
    resumed = Segment(index=1, kind="resume", line=20, first_iteration=100, last_iteration=200, last_line=40)
    assert multistep_resume(resumed, [earlier]) == (100, 1)
    assert multistep_resume(earlier, []) is None


def test_caffe_multistep_resume_is_applied():
    # caffe.md 4: A = {50, 150} snapshotted at 100 (step 1), resumed with B = {120, 130, 180}: 0.05 until 130
    gamma = float(f32(0.5))
    schedule_b = caffe_schedule(base_lr=float(f32(0.1)), policy=MultiStep(stepvalues=[120, 130, 180],
                          gamma=gamma), horizon=200)
    records = [Event(MULTISTEP_STATUS, 1, iteration=50, values=(("step", 1.0),)), Row(line=2, iteration=99,
               rate=0.05, precision=SIGNIFICANT_6), Event("resuming-from", 3),
               Row(line=4, iteration=100, rate=0.05, precision=SIGNIFICANT_6),
               Row(line=5, iteration=125, rate=0.05, precision=SIGNIFICANT_6),
               Row(line=6, iteration=130, rate=0.025, precision=SIGNIFICANT_6)]
    segmenter = Segmenter()
    comparator = RateComparator(segmenter.segments, lambda s: schedule_b)
    for r in segmenter.rows(records):
        comparator.add(r)
    comparator.flush()
    assert comparator.checks[1].resume == (100, 1)
    assert (comparator.checks[1].compared, comparator.checks[1].agreed) == (3, 3)


def test_on_chunk_gets_every_row_in_order_with_its_expected_rate():
    seen = []
    schedule = darknet_schedule(dialect="alexeyab", base_lr=float(f32(0.01)),
                        policy=Steps(steps=[3], scales=[float(f32(0.1))]), horizon=10)
    segmenter = Segmenter()
    comparator = RateComparator(segmenter.segments, lambda s: schedule, on_chunk=lambda rows, expected: seen.extend(
        (r.iteration, e) for r, e in zip(rows, expected)))
    for r in segmenter.rows([Row(line=i, iteration=i, rate=0.01, precision=FIXED_6) for i in (1, 2, 3)]
                            + [Row(line=9, iteration=4)]):
        comparator.add(r)
    comparator.flush()
    assert seen == [(1, float(f32(0.01))), (2, float(f32(0.01))), (3, float(f32(f32(0.01) * f32(0.1)))), (4, None)]
