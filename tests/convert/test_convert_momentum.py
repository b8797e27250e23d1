"""Optimizer semantics: Caffe's momentum rule vs PyTorch's, and darknet's update rule.

Hand-computed references (numpy, float64) on a toy quadratic problem with an lr
that changes every few updates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import require_torch
from tests.convert.convert_contract import import_emitted, load_recipe
from cfgtools.convert.torch_emitter import emit_torch

SOLVER = """base_lr: 0.1
lr_policy: "step"
stepsize: 3
gamma: 0.5
max_iter: 12
momentum: 0.9
weight_decay: 0.01
type: "{type}"
"""

TARGET = np.array([1.0, -2.0, 0.5])
W0 = np.array([0.3, 0.1, -0.4])


def _grad(w):
    return 2.0 * (w - TARGET) * np.array([1.0, 0.5, 2.0])


def _caffe_reference(lrs, momentum, decay, nesterov):
    w = W0.copy()
    h = np.zeros_like(w)
    out = []
    for lr in lrs:
        g = _grad(w) + decay * w
        h_old = h.copy()
        h = momentum * h + lr * g
        w = w - ((1 + momentum) * h - momentum * h_old if nesterov else h)
        out.append(w.copy())
    return np.array(out)


def _run(module, torch, steps):
    p = torch.nn.Parameter(torch.tensor(W0, dtype=torch.float64))
    opt = module.make_optimizer([p])
    sched = module.make_scheduler(opt)
    lrs, ws = [], []
    for _ in range(steps):
        opt.zero_grad()
        p.grad = torch.tensor(_grad(p.detach().numpy()), dtype=torch.float64)
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
        ws.append(p.detach().numpy().copy())
    return np.array(lrs), np.array(ws)


def _module(tmp_path: Path, text: str, exact: bool, suffix: str, name: str = "solver.prototxt"):
    cfg = tmp_path / name
    cfg.write_text(text)
    out = tmp_path / f"m_{suffix}.py"
    out.write_text(emit_torch(load_recipe(str(cfg)), exact_momentum=exact))
    return import_emitted(out)


@pytest.mark.torch
@pytest.mark.parametrize("solver_type,nesterov", [("SGD", False), ("Nesterov", True)])
def test_caffe_momentum_exact_vs_torch(solver_type, nesterov, tmp_path):
    torch = require_torch()
    text = SOLVER.format(type=solver_type)
    exact = _module(tmp_path, text, True, "exact")
    plain = _module(tmp_path, text, False, "plain")
    assert "lr INSIDE the momentum history" in Path(plain.__file__).read_text()
    lrs, w_exact = _run(exact, torch, 12)
    np.testing.assert_allclose(lrs, [0.1] * 3 + [0.05] * 3 + [0.025] * 3 + [0.0125] * 3, rtol=1e-7)
    reference = _caffe_reference(lrs, exact.MOMENTUM, exact.WEIGHT_DECAY, nesterov)
    np.testing.assert_allclose(w_exact, reference, rtol=1e-9, atol=1e-12)
    lrs2, w_plain = _run(plain, torch, 12)
    np.testing.assert_allclose(lrs2, lrs)
    # identical while the lr is constant (first 3 updates), different after the first change
    np.testing.assert_allclose(w_plain[:3], reference[:3], rtol=1e-6, atol=1e-9)
    assert np.abs(w_plain[4:] - reference[4:]).max() > 1e-4


DARKNET = """[net]
batch=4
subdivisions=2
width=8
height=8
channels=1
learning_rate=0.1
momentum=0.9
decay=0.01
max_batches=12
policy=steps
steps=4,8
scales=0.5,0.2
burn_in=2
"""


def _darknet_reference(rates, momentum, decay, batch, per_image_grads):
    """darknet's update_convolutional_layer with weight_updates = -(sum of per-image gradients)."""
    w = W0.copy()
    updates = np.zeros_like(w)
    out = []
    for rate in rates:
        updates += -sum(per_image_grads(w))  # backward: accumulate the negative summed gradient
        updates += -decay * batch * w
        w = w + (rate / batch) * updates
        updates *= momentum
        out.append(w.copy())
    return np.array(out)


@pytest.mark.torch
def test_darknet_update_is_torch_sgd(tmp_path):
    torch = require_torch()
    module = _module(tmp_path, DARKNET, False, "dn", name="net.cfg")
    batch = module.UPDATE_BATCH
    assert batch == 4 and module.BACKWARD_PASSES_PER_STEP == 2
    scales = np.array([1.0, 0.8, 1.1, 1.3])  # per-image gradient scales

    def per_image(w):
        return [s * _grad(w) for s in scales]

    p = torch.nn.Parameter(torch.tensor(W0, dtype=torch.float64))
    opt = module.make_optimizer([p])
    sched = module.make_scheduler(opt)
    rates, ws = [], []
    for _ in range(12):
        opt.zero_grad()
        # BACKWARD_PASSES_PER_STEP micro-batches of 2 images; loss = summed image losses / UPDATE_BATCH
        w = p.detach().numpy()
        grads = per_image(w)
        p.grad = torch.tensor(sum(grads) / batch, dtype=torch.float64)
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
        ws.append(p.detach().numpy().copy())
    reference = _darknet_reference(rates, module.MOMENTUM, module.WEIGHT_DECAY, batch, per_image)
    np.testing.assert_allclose(np.array(ws), reference, rtol=1e-9, atol=1e-12)
    assert len(set(np.round(rates, 9))) > 3  # the lr did change (burn-in, two steps)
