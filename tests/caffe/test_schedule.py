"""schedule_from_solver for each Caffe fork (the arithmetic itself is tested in test_rate.py)."""

from __future__ import annotations

import pytest

from cfgtools.caffe.schedule import PLATEAU_NOTE, schedule_from_solver
from cfgtools.caffe.solver import read_solver
from cfgtools.schedule.model import ScheduleError
from cfgtools.sources import SourceText

PLATEAU = 'base_lr: 0.01\nlr_policy: "plateau"\ngamma: 0.1\nplateau_winsize: 1000\nmax_iter: 5000\n'


def solver(text: str, fork: str):
    return read_solver(SourceText("s.prototxt", text, False), fork)


def test_plateau_depends_on_the_loss():
    with pytest.raises(ScheduleError) as raised:
        schedule_from_solver(solver(PLATEAU, "ssd"))
    assert raised.value.format() == f"s.prototxt:2:12: {PLATEAU_NOTE}"
    assert "can only be computed from a training log" in PLATEAU_NOTE


def test_plateau_is_an_unknown_policy_for_bvlc():
    text = 'base_lr: 0.01\nlr_policy: "plateau"\ngamma: 0.1\nmax_iter: 5000\n'
    with pytest.raises(ScheduleError, match="BVLC Caffe aborts at the first update with 'Unknown learning rate "
                                            "policy: plateau'"):
        schedule_from_solver(solver(text, "bvlc"))


def test_ssd_schedule_carries_its_fork():
    text = 'base_lr: 0.001\nlr_policy: "multistep"\ngamma: 0.1\nstepvalue: 80000\nmax_iter: 120000\n'
    schedule = schedule_from_solver(solver(text, "ssd"))
    assert (schedule.framework, schedule.dialect, schedule.policy.kind) == ("caffe", "ssd", "multistep")


def test_ssd_stepsize_zero_divides():
    text = 'base_lr: 0.01\nlr_policy: "step"\ngamma: 0.1\nmax_iter: 100\n'
    with pytest.raises(ScheduleError, match=r"SSD Caffe divides by zero at the first update"):
        schedule_from_solver(solver(text, "ssd"))
