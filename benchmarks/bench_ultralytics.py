"""Time the ultralytics schedule and checkpoint reader against doing the same with torch.

(a) every iteration of a COCO-sized YOLOv5 run (118,287 images, batch 16: 7,393
    batches per epoch, 300 epochs, 2.2 million rows of three groups), chunk by
    chunk, and the per-epoch summary; torch (when importable): the training
    loop's lr bookkeeping (warm-up with np.interp, LambdaLR, SGD with three
    groups) stepped for 100,000 iterations and extrapolated linearly (stated);
(b) the 300 -> 600 epochs extension plan;
(c) reading epoch and optimizer groups from a checkpoint of a 60-layer model
    with its optimizer state, against ``torch.load`` of the same file.

Run: python benchmarks/bench_ultralytics.py
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np

from cfgtools.ultralytics.checkpoint import read_checkpoint
from cfgtools.ultralytics.extend import plan_extension
from cfgtools.ultralytics.schedule import TrainingConfig, YoloSchedule, batches_per_epoch
from cfgtools.ultralytics.versions import get_version
from timing import best_of

CONFIG = TrainingConfig(lr0=0.01, lrf=0.01, momentum=0.937, warmup_epochs=3.0, warmup_momentum=0.8,
                        warmup_bias_lr=0.1, epochs=300, batch=16)
VERSION = get_version("yolov5-7.0")
NB = batches_per_epoch(118_287, 16)
TORCH_ITERATIONS = 100_000



def all_rows() -> int:
    return sum(len(rows) for rows in YoloSchedule(CONFIG, VERSION, NB).iter_rows())


def torch_loop(torch, iterations: int) -> None:
    """The lr bookkeeping of YOLOv5 v7.0's loop, without the model."""
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))]} for _ in range(3)]
    optimizer = torch.optim.SGD(groups, lr=CONFIG.lr0, momentum=CONFIG.momentum, nesterov=True)
    epochs = CONFIG.epochs
    lf = lambda x: (1 - x / epochs) * (1.0 - CONFIG.lrf) + CONFIG.lrf  # noqa: E731 (as upstream)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=lf)
    nw = max(round(CONFIG.warmup_epochs * NB), 100)
    last_opt_step, accumulate = -1, max(round(CONFIG.nbs / CONFIG.batch), 1)
    for ni in range(iterations):
        epoch = ni // NB
        if ni <= nw:
            accumulate = max(1, np.interp(ni, [0, nw], [1, CONFIG.nbs / CONFIG.batch]).round())
            for j, x in enumerate(optimizer.param_groups):
                start = CONFIG.warmup_bias_lr if j == 0 else 0.0
                x["lr"] = np.interp(ni, [0, nw], [start, x["initial_lr"] * lf(epoch)])
                x["momentum"] = np.interp(ni, [0, nw], [CONFIG.warmup_momentum, CONFIG.momentum])
        if ni - last_opt_step >= accumulate:
            last_opt_step = ni
        if ni % NB == NB - 1:
            with warnings.catch_warnings():  # upstream too: no optimizer.step() before scheduler.step()
                warnings.simplefilter("ignore")
                scheduler.step()


def checkpoint_file(torch, directory: Path) -> Path:
    layers = []
    for _ in range(30):
        layers += [torch.nn.Conv2d(64, 64, 3, bias=False), torch.nn.BatchNorm2d(64)]
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.937)
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    optimizer.step()
    path = directory / "last.pt"
    torch.save({"epoch": 99, "model": model.half(), "ema": model.half(), "optimizer": optimizer.state_dict(),
                "opt": {"epochs": 300}}, path)
    return path


def main() -> None:
    rows = all_rows()
    seconds = best_of(all_rows)
    epoch_seconds = best_of(lambda: YoloSchedule(CONFIG, VERSION, NB).epoch_rows())
    print(f"(a) {rows:,} iterations x 3 groups: {seconds:.3f} s ({rows / seconds / 1e6:.1f} M rows/s); "
          f"per-epoch summary of 300 epochs: {epoch_seconds * 1e3:.2f} ms")
    try:
        import torch
    except ImportError:
        torch = None
        print("    torch is not importable: no comparison")
    if torch is not None:
        torch_seconds = best_of(lambda: torch_loop(torch, TORCH_ITERATIONS), repeat=1)
        extrapolated = torch_seconds * rows / TORCH_ITERATIONS
        print(f"    torch loop: {TORCH_ITERATIONS:,} iterations in {torch_seconds:.2f} s, extrapolated to {rows:,}: "
              f"{extrapolated:.1f} s; ratio {extrapolated / seconds:.0f}x")
    old = CONFIG
    plan_seconds = best_of(lambda: plan_extension(old, VERSION, NB, 300, 600))
    plan = plan_extension(old, VERSION, NB, 300, 600)
    print(f"(b) 300 -> 600 plan: {plan_seconds * 1e3:.1f} ms; jump without the edit {plan.jump_without_edit:.1f}x, "
          f"lr0 {plan.edits['lr0']:.6g}, lrf {plan.edits['lrf']:.6g}, largest ratio {plan.largest_ratio:.6f}")
    if torch is not None:
        with tempfile.TemporaryDirectory() as directory:
            path = checkpoint_file(torch, Path(directory))
            ours = best_of(lambda: read_checkpoint(path))
            theirs = best_of(lambda: torch.load(path, map_location="cpu", weights_only=False))
            print(f"(c) checkpoint of {path.stat().st_size / 1e6:.1f} MB: read_checkpoint {ours * 1e3:.1f} ms, "
                  f"torch.load {theirs * 1e3:.1f} ms; ratio {theirs / ours:.1f}x")


if __name__ == "__main__":
    main()
