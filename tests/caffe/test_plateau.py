"""The SSD fork's plateau policy from smoothed losses, worked out by hand from sgd_solver.cpp (branch ssd)."""

from __future__ import annotations

import numpy as np

from cfgtools.caffe.plateau import FLT_MAX, PlateauState, plateau_rates

f32 = np.float32


def rate(base_lr: float, gamma: float, k: int) -> np.float32:
    """(float)(base_lr * pow(gamma, k)) with float parameters and the double pow."""
    return f32(float(f32(base_lr)) * float(f32(gamma)) ** k)


def test_steps_after_a_window_without_a_new_minimum():
    # windows 2 then 3. iter 0: loss 5 < FLT_MAX -> min 5, event 0; 0 >= 0+2? no.
    # iter 1: 4 -> min 4, event 1. iter 2: 4.5 no; 2 >= 1+2? no. iter 3: 4.5; 3 >= 3 -> step 1, event 3.
    # iter 4: 3.9 -> min, event 4. iter 5, 6: no; 6 >= 4+3? no. iter 7: 7 >= 7 -> step 2, event 7.
    # iter 8: step 2 == number of windows: no more steps.
    losses = [5, 4, 4.5, 4.5, 3.9, 4, 4, 4, 4]
    rates, state = plateau_rates(0.01, 0.1, [2, 3], losses)
    steps = [0, 0, 0, 1, 1, 1, 1, 2, 2]
    assert rates.dtype == np.float32
    assert rates.tolist() == [rate(0.01, 0.1, k) for k in steps]
    assert state == PlateauState(current_step=2, minimum_loss=float(f32(3.9)), iter_last_event=7)


def test_resume_continues_from_the_restored_state():
    # restored at iter 100 with step 1, minimum 2.0 set at iter 95: window 10 -> step 2 at iter 105
    before = PlateauState(current_step=1, minimum_loss=2.0, iter_last_event=95)
    rates, state = plateau_rates(0.1, 0.5, [10, 10, 10], [3.0] * 8, start=100, state=before)
    assert rates.tolist() == [rate(0.1, 0.5, 1)] * 5 + [rate(0.1, 0.5, 2)] * 3
    assert state.iter_last_event == 105 and state.minimum_loss == 2.0


def test_nan_losses_never_set_the_minimum():
    # NaN < x is false: from scratch no event is ever recorded, so the step never advances
    rates, state = plateau_rates(0.01, 0.1, [1], [float("nan")] * 4)
    assert rates.tolist() == [f32(0.01)] * 4
    assert state.iter_last_event is None and state.minimum_loss == float(f32(FLT_MAX))
