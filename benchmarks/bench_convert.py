"""Time `cfgtools convert --to torch` and the emitted make_scheduler's resume.

(a) recipe + emitted module for a yolov4-like darknet cfg (500,500 updates,
    steps 400000,450000, burn_in 1000: a LambdaLR) and a Caffe step solver with
    10,000,000 iterations (a StepLR, checked against Caffe's arithmetic at every
    update);
(b) with torch (when importable): make_scheduler(opt, start_iter=s) for
    s = 0 and s = 450,000 (O(1): the ratio should be about 1), against stepping
    a scheduler from 0 to s, the O(s) way a resume would otherwise take.

Run: python benchmarks/bench_convert.py
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

from cfgtools.convert.torch_emitter import emit_torch
from cfgtools.loading import load
from cfgtools.plugin import RunOptions
from timing import best_of

YOLO_CFG = """[net]
batch=64
subdivisions=16
width=608
height=608
channels=3
momentum=0.949
decay=0.0005
learning_rate=0.0013
burn_in=1000
max_batches=500500
policy=steps
steps=400000,450000
scales=.1,.1
"""
CAFFE_SOLVER = """base_lr: 0.01
lr_policy: "step"
stepsize: 1000000
gamma: 0.5
max_iter: 10000000
momentum: 0.9
"""
RESUME_AT = 450_000



def emitted(path: Path) -> str:
    loaded = load(path)
    return emit_torch(loaded.framework.recipe(loaded, RunOptions()))


def import_module(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        directory = Path(work)
        yolo, solver = directory / "yolo.cfg", directory / "solver.prototxt"
        yolo.write_text(YOLO_CFG)
        solver.write_text(CAFFE_SOLVER)
        t_yolo = best_of(lambda: emitted(yolo), repeat=5)
        t_caffe = best_of(lambda: emitted(solver), repeat=5)
        print(f"(a) emit --to torch, yolov4-like (500,500 updates, LambdaLR): {t_yolo * 1e3:8.1f} ms")
        print(f"    emit --to torch, Caffe step (10,000,000 iterations, StepLR): {t_caffe * 1e3:8.1f} ms")
        try:
            import torch
        except ImportError:
            print("(b) torch is not importable: skipped")
            return
        module_path = directory / "yolo_recipe.py"
        module_path.write_text(emitted(yolo))
        module = import_module(module_path)

        def make(start_iter: int) -> None:
            optimizer = module.make_optimizer([torch.nn.Parameter(torch.zeros(1))])
            module.make_scheduler(optimizer, start_iter=start_iter)

        def step_from_zero() -> None:
            optimizer = module.make_optimizer([torch.nn.Parameter(torch.zeros(1))])
            scheduler = module.make_scheduler(optimizer)
            for _ in range(RESUME_AT):
                optimizer.step()
                scheduler.step()

        t_zero = best_of(lambda: make(0), repeat=20)
        t_resume = best_of(lambda: make(RESUME_AT), repeat=20)
        t_stepped = best_of(step_from_zero, repeat=1)
        print(f"(b) make_scheduler(start_iter=0):       {t_zero * 1e6:10.1f} us")
        print(f"    make_scheduler(start_iter={RESUME_AT}): {t_resume * 1e6:10.1f} us"
              f"   ratio to start_iter=0: {t_resume / t_zero:.2f}")
        print(f"    stepping from 0 to {RESUME_AT}:        {t_stepped * 1e6:10.1f} us"
              f"   ratio to make_scheduler(start_iter={RESUME_AT}): {t_stepped / t_resume:.0f}")


if __name__ == "__main__":
    main()
