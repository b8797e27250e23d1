"""Runs in a log: starts, resumes, restarts, gaps, and the events each row carries."""

from __future__ import annotations

from cfgtools.trainlog.model import (
    FINETUNING_FROM,
    ITERATION_JUMP,
    LOADING_WEIGHTS,
    MULTISTEP_STATUS,
    RATE_HEADER,
    RESTART,
    RESUME,
    RESUMING_FROM,
    SOLVER,
    STOPPED_EARLY,
    TRAINING_DONE,
    Event,
    Row,
)
from cfgtools.trainlog.segments import MAX_EVENTS, MAX_SEGMENTS, Segmenter


def row(iteration: int, rate: float | None = 0.001, line: int | None = None) -> Row:
    return Row(line=line if line is not None else 1000 + iteration, iteration=iteration, rate=rate)


def split(records):
    segmenter = Segmenter()
    out = list(segmenter.rows(records))
    return segmenter, out


def test_one_run():
    segmenter, rows = split([Event(RATE_HEADER, 1), row(1), row(2), row(3), Event(TRAINING_DONE, 9)])
    (segment,) = segmenter.segments
    assert (segment.kind, segment.first_iteration, segment.last_iteration, segment.rows, segment.done) == (
        "start", 1, 3, 3, True)
    assert [r.segment for r in rows] == [0, 0, 0]
    assert [e.kind for e in rows[0].events] == [RATE_HEADER] and rows[1].events == ()
    assert [e.kind for e in segmenter.trailing] == [TRAINING_DONE]
    assert segment.rate_header is not None and segment.step == 1


def test_resume_after_loading_weights_keeps_the_rate_before():
    records = [Event(RATE_HEADER, 1), row(1, 0.01), row(2, 0.02),
               Event(LOADING_WEIGHTS, 10, detail="backup/x_2.weights"), Event(RATE_HEADER, 11), row(3, 0.06)]
    segmenter, rows = split(records)
    first, second = segmenter.segments
    assert (second.kind, second.first_iteration, second.previous_last_iteration) == ("resume", 3, 2)
    assert second.previous_rate == (2, 0.02, 1002) and second.first_rate == (3, 0.06, 1003)
    assert second.weights.detail == "backup/x_2.weights"
    assert [e.kind for e in rows[2].events] == [LOADING_WEIGHTS, RATE_HEADER, RESUME]


def test_restart_with_and_without_start_lines():
    segmenter, rows = split([row(1), row(2), Event(RATE_HEADER, 5), row(1), row(2), row(1)])
    assert [s.kind for s in segmenter.segments] == ["start", "restart", "restart"]
    assert [e.kind for e in rows[2].events] == [RATE_HEADER, RESTART]


def test_resume_from_an_earlier_checkpoint_is_a_resume():
    segmenter, _ = split([row(1), row(2), row(3), row(4), row(2)])
    assert [(s.kind, s.previous_last_iteration) for s in segmenter.segments] == [("start", None), ("resume", 4)]


def test_caffe_markers_decide():
    segmenter, _ = split([Event(SOLVER, 1, detail="base_lr: 0.1\n"), Event(FINETUNING_FROM, 2), row(0), row(20),
                          Event(SOLVER, 5), Event(RESUMING_FROM, 6), row(20), row(40),
                          Event(SOLVER, 9), Event(FINETUNING_FROM, 10), row(0)])
    assert [s.kind for s in segmenter.segments] == ["start", "resume", "restart"]
    assert segmenter.segments[0].solver_text == "base_lr: 0.1\n"


def test_a_log_that_starts_later_is_a_resume():
    segmenter, rows = split([row(101), row(102)])
    assert segmenter.segments[0].kind == "resume" and [e.kind for e in rows[0].events] == [RESUME]


def test_darknet_on_k_gpus_starts_at_k():
    segmenter, rows = split([Event(RATE_HEADER, 1), row(4), row(8), row(12)])
    assert segmenter.segments[0].kind == "start" and segmenter.segments[0].step == 4
    assert [r.iteration for r in rows] == [4, 8, 12] and [e.kind for e in rows[0].events] == [RATE_HEADER]


def test_forward_jumps_are_gaps_not_runs():
    segmenter, rows = split([row(0), row(40), row(80), row(118160), row(118200)])
    (segment,) = segmenter.segments
    assert (segment.step, segment.jumps) == (40, 1)
    assert [e.kind for e in rows[3].events] == [ITERATION_JUMP]


def test_flags_and_bounds():
    records = [row(0), *(Event(MULTISTEP_STATUS, 2, iteration=i) for i in range(MAX_EVENTS + 10)),
               Event(STOPPED_EARLY, 3), row(1)]
    segmenter, rows = split(records)
    (segment,) = segmenter.segments
    assert segment.stopped and len(segment.step_status) == MAX_EVENTS
    assert len(rows[1].events) == MAX_EVENTS


def test_a_log_restarting_on_every_row_keeps_a_bounded_number_of_segments():

    segmenter, rows = split([row(i % 2 + 1, line=i) for i in range(3 * MAX_SEGMENTS)])
    assert len(segmenter.segments) == MAX_SEGMENTS and len(rows) == 3 * MAX_SEGMENTS
    assert segmenter.segments[-1].merged_runs > 0


def test_the_preamble_keeps_the_start_lines_after_many_events():
    records = [row(1), *(Event("checkpoint-saved", 2) for _ in range(1000)), Event(LOADING_WEIGHTS, 3, detail="w"),
               Event(RATE_HEADER, 4), row(2)]
    segmenter, _ = split(records)
    assert segmenter.segments[1].weights.detail == "w" and segmenter.segments[1].rate_header is not None
