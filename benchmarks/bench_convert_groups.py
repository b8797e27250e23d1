"""Time `convert --to torch` for an ultralytics run and the emitted per-iteration scheduler.

A 300-epoch ultralytics-8.3 run with 1,000 batches per epoch (300,000
iterations), batch 2 (accumulate ramps 1 -> 32 during the warm-up):

- emitting the module (schedule, recipe, hook source, compile);
- the emitted scheduler per iteration (optimizer_steps() and step(): the 3
  groups' lr and momentum set in closed form);
- make_scheduler(start_iter=s) for s near the end: O(1), not O(s).

Run: python benchmarks/bench_convert_groups.py (the scheduler timings need torch)
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path

from cfgtools.convert.torch_emitter import emit_torch
from cfgtools.ultralytics.rate import schedule_for_run
from cfgtools.ultralytics.recipe import build_recipe
from cfgtools.ultralytics.schedule import TrainingConfig
from cfgtools.ultralytics.versions import VERSIONS

CONFIG = TrainingConfig(lr0=0.01, lrf=0.01, momentum=0.937, warmup_epochs=3.0, warmup_momentum=0.8,
                        warmup_bias_lr=0.1, epochs=300, batch=2, nbs=64)
NB = 1000
STEPPED = 100_000


def emit() -> str:
    schedule = schedule_for_run(CONFIG, VERSIONS["ultralytics-8.3"], NB, "args.yaml")
    return emit_torch(build_recipe(schedule, 0.0005, (), [], "args.yaml"))


def main() -> None:
    start = time.perf_counter()
    source = emit()
    emit_seconds = time.perf_counter() - start
    print(f"emit the module ({CONFIG.epochs * NB:,} iterations): {emit_seconds * 1e3:.1f} ms")
    if importlib.util.find_spec("torch") is None:
        print("torch is not installed: scheduler timings skipped")
        return
    import torch

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "emitted.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location("emitted", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 1), torch.nn.BatchNorm2d(2))
        optimizer = module.make_optimizer(model)
        scheduler = module.make_scheduler(optimizer)
        start = time.perf_counter()
        for _ in range(STEPPED):
            scheduler.optimizer_steps()
            scheduler.step()
        per_step = (time.perf_counter() - start) / STEPPED
        print(f"emitted scheduler: {per_step * 1e6:.2f} us per iteration ({STEPPED:,} iterations)")
        start = time.perf_counter()
        for _ in range(100):
            module.make_scheduler(optimizer, start_iter=CONFIG.epochs * NB - 1)
        resume = (time.perf_counter() - start) / 100
        print(f"make_scheduler(start_iter={CONFIG.epochs * NB - 1:,}): {resume * 1e6:.1f} us "
              f"({resume / per_step:.1f} iterations' worth: O(1))")


if __name__ == "__main__":
    sys.exit(main())
