"""The SSD fork's plateau policy from smoothed losses, worked out by hand from sgd_solver.cpp (branch ssd)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from cfgtools.caffe.plateau import FLT_MAX, PlateauState, plateau_rates
from tests.cli_run import run_cli
from tests.conftest import require_torch

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


def _losses(count: int, seed: int) -> list[float]:
    """A noisy falling loss with long flat stretches, where plateaus happen."""
    rng = random.Random(seed)
    level, out = 3.0, []
    for i in range(count):
        if rng.random() < 0.02:
            level *= 0.97
        out.append(level + rng.choice([0.0, 0.01, 0.02, 0.05]))
    return out


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(5))
def test_reduce_lr_on_plateau_as_convert_describes_it_steps_where_the_fork_does(seed):
    """convert's refusal names the nearest PyTorch; with equal windows its reductions come at the fork's iterations."""
    torch = require_torch()
    base_lr, gamma, window, steps = 0.01, 0.1, 30, 3
    losses = [float(f32(x)) for x in _losses(2000, seed)]
    expected, _ = plateau_rates(base_lr, gamma, [window] * steps, losses)
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=base_lr)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode="min", factor=gamma, patience=window - 1, threshold=0, cooldown=0,
        min_lr=base_lr * gamma**steps, eps=0)
    rates = []
    for loss in losses:  # the fork sets the rate from this iteration's smoothed loss before the update
        scheduler.step(loss)
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
    assert len(set(expected.tolist())) == steps + 1  # the losses do reach every step
    assert rates == pytest.approx(expected.tolist(), rel=1e-6)  # same steps; the last bits differ (float)


def test_convert_says_how_the_nearest_pytorch_differs(tmp_path):
    solver = tmp_path / "plateau.prototxt"
    solver.write_text('base_lr: 0.01\nlr_policy: "plateau"\ngamma: 0.5\nplateau_winsize: 100\n'
                      "plateau_winsize: 200\naverage_loss: 20\nmax_iter: 1000\n")
    outcome = run_cli(["convert", "--caffe-fork", "ssd", "--to", "torch", str(solver)])
    assert outcome.code == 2 and outcome.out == ""
    (line,) = outcome.err.splitlines()
    assert line.startswith(f"{solver}:2:12: lr_policy plateau (SSD Caffe)")
    # patience = first window - 1; min_lr = 0.01 * 0.5^2; 20 losses averaged
    assert ("ReduceLROnPlateau(optimizer, mode='min', factor=0.5, patience=99, threshold=0, cooldown=0, "
            "min_lr=0.0025, eps=0)") in line
    assert "the mean of the last 20 losses" in line
    assert "plateau_winsize[k] = 100, 200 iterations" in line
