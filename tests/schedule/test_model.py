"""The neutral schedule model's own rules."""

from __future__ import annotations

from cfgtools.schedule.model import MultiStep


def test_multistep_advances_at_most_once_per_iteration():
    # Caffe's current_step_ compares stepvalue[current_step_] only: 300,100,200,0 advance at 300, 301, 302, 303
    assert MultiStep(stepvalues=[300, 100, 200, 0], gamma=0.5).advances() == [300, 301, 302, 303]
    assert MultiStep(stepvalues=[0, 0, 5], gamma=0.5).advances() == [0, 1, 5]
    assert MultiStep(stepvalues=[-3, 10], gamma=0.5).advances() == [0, 10]
    assert MultiStep(stepvalues=[], gamma=0.5).advances() == []
