"""Time the ultralytics commands on a COCO-sized run: schedule, plot, lint, show.

A YOLOv5 v7.0 opt.yaml, 300 epochs of 118,287 images at batch 16 (7,393
batches per epoch: 2.2 million iterations, three groups):

(a) ``cfgtools schedule --format tsv``: every iteration (ten columns), against
    computing the same rows without printing them (the formatting's share);
    ``--per epoch`` (300 rows);
(b) ``cfgtools plot`` (text, three curves over 2.2 million iterations);
(c) ``cfgtools lint`` of the 300 -> 600 resume from a last.pt (UL009 and its
    plan), against reading the file alone;
(d) recognising a YAML that is not a settings file (a CI workflow), which every
    directory walk does for each .yaml it meets.

Output goes to a writer that discards it. Run: python benchmarks/bench_ultralytics_cli.py
"""

from __future__ import annotations

import contextlib
import io
import pickle
import tempfile
import zipfile
from pathlib import Path

from cfgtools.cli import main
from cfgtools.loading import load
from cfgtools.sources import SourceText
from cfgtools.ultralytics.plugin import ULTRALYTICS
from cfgtools.ultralytics.schedule import TrainingConfig, YoloSchedule
from cfgtools.ultralytics.versions import get_version
from timing import best_of

IMAGES = 118_287
HYP = ("  lr0: 0.01\n  lrf: 0.01\n  momentum: 0.937\n  weight_decay: 0.0005\n  warmup_epochs: 3.0\n"
       "  warmup_momentum: 0.8\n  warmup_bias_lr: 0.1\n")
WORKFLOW = "name: CI\non:\n  push:\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n"


class Discard(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)



def quiet(argv: list[str]) -> int:
    with contextlib.redirect_stdout(Discard()), contextlib.redirect_stderr(Discard()):
        return main(argv)


def main_bench() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        opt = work / "opt.yaml"
        opt.write_text(f"weights: yolov5s.pt\nepochs: 600\nbatch_size: 16\nseed: 0\nhyp:\n{HYP}")
        old = work / "old.yaml"
        old.write_text(opt.read_text().replace("epochs: 600", "epochs: 300"))
        last = work / "last.pt"
        with zipfile.ZipFile(last, "w") as archive:
            archive.writestr("archive/data.pkl", pickle.dumps({"epoch": 299, "opt": {"epochs": 300}}, protocol=2))
        run = work / "run.yaml"
        run.write_text(old.read_text())

        config = TrainingConfig(lr0=0.01, lrf=0.01, momentum=0.937, warmup_epochs=3.0, warmup_momentum=0.8,
                                warmup_bias_lr=0.1, epochs=300, batch=16)
        nb = -(-IMAGES // 16)
        rows_only = best_of(lambda: sum(len(r) for r in YoloSchedule(config, get_version("yolov5-7.0"), nb)
                                      .iter_rows(chunk=1 << 16)), repeat=1)
        every = best_of(lambda: quiet(["schedule", str(run), "--images", str(IMAGES)]), repeat=1)
        per_epoch = best_of(lambda: quiet(["schedule", str(run), "--images", str(IMAGES), "--per", "epoch"]))
        print(f"(a) schedule, {300 * nb:,} iterations x 10 columns: {every:.2f} s "
              f"({every / (300 * nb) * 1e6:.2f} us per row); the rows alone {rows_only:.2f} s: "
              f"printing is x{every / rows_only:.1f} the computation")
        print(f"    --per epoch (300 rows): {per_epoch * 1e3:.1f} ms")

        plot = best_of(lambda: quiet(["plot", str(run), "--images", str(IMAGES)]), repeat=1)
        print(f"(b) plot (text, 3 groups over {300 * nb:,} iterations): {plot:.2f} s")

        args = ["lint", "--no-cache", str(opt), "--resume-from", str(last), "--previous", str(old), "--images",
                str(IMAGES)]
        lint = best_of(lambda: quiet(args))
        read = best_of(lambda: load(opt))
        print(f"(c) lint of the 300 -> 600 resume (with the plan): {lint * 1e3:.1f} ms; reading the file "
              f"alone {read * 1e3:.2f} ms (x{lint / read:.0f})")

        source = SourceText("ci.yml", WORKFLOW, False)
        count = 10_000
        recognise = best_of(lambda: [ULTRALYTICS.recognise(source) for _ in range(count)]) / count
        print(f"(d) recognising a CI workflow as not ours: {recognise * 1e6:.1f} us")


if __name__ == "__main__":
    main_bench()
