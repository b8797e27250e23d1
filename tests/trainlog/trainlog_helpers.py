"""Shared by the training-log tests: the rate formulas of the reference, written here, and fault injection.

The formulas follow the shared reference (darknet.md section c, caffe.md section 2)
with numpy float32 for every C float: they are the tests' own closed forms, never
cfgtools' engine.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Callable

import numpy as np

from cfgtools.caffe.log import CAFFE_LOG
from cfgtools.darknet.log import DARKNET_LOG
from cfgtools.trainlog.analyse import LogReport, TrainingSetup, analyse_log
from cfgtools.trainlog.source import open_log

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "logs"
FORMATS = (DARKNET_LOG, CAFFE_LOG)
f32 = np.float32


def darknet_rate(b: int, lr: float, *, gpus: int = 1, burn_in: int = 0, power: float = 4.0, policy: str = "constant",
                 steps=(), scales=(), max_batches: int = 0) -> float:
    """get_current_rate(b) (darknet.md c): float parameters, double pow, float result; lr already x gpus."""
    rate = f32(f32(lr) * f32(gpus))
    if b < burn_in:
        return float(f32(float(rate) * math.pow(float(f32(f32(b) / f32(burn_in))), float(f32(power)))))
    if policy == "constant":
        return float(rate)
    if policy == "steps":
        for step, scale in zip(steps, scales):
            if step > b:
                break
            rate = f32(rate * f32(scale))
        return float(rate)
    if policy == "poly":
        base = f32(1.0 - float(f32(f32(b) / f32(max_batches))))
        return float(f32(float(rate) * math.pow(float(base), float(f32(power)))))
    raise ValueError(policy)


#: the schedules of the darknet fixtures, as the tests' own formulas
def ab_detector_rate(b: int, gpus: int = 1) -> float:
    return darknet_rate(b, 0.002, gpus=gpus, burn_in=8, policy="steps", steps=(24, 32), scales=(0.1, 0.5))


def pj_detector_rate(b: int, gpus: int = 1) -> float:
    return darknet_rate(b, 0.001, gpus=gpus, burn_in=10, power=2, policy="poly", max_batches=60)


def caffe_poly(i: int, base_lr: float, power: float, max_iter: int) -> float:
    """Caffe poly (caffe.md 2): x = 1.0f - (float)i / (float)max_iter; base_lr * powf(x, power), in float."""
    x = f32(1.0 - float(f32(f32(i) / f32(max_iter))))
    return float(f32(float(f32(base_lr)) * float(f32(math.pow(float(x), float(f32(power)))))))


#: a darknet iteration line of AlexeyAB, pjreddie or the classifiers, with its fields as groups
DARKNET_ROW = re.compile(
    r"(?m)^(?P<lead>\s*)(?P<iteration>\d+)(?P<epoch>, [\d.]+)?: (?P<loss>[^,]+), (?P<avg>[^,]+) (?P<avg_word>avg(?: loss)?), "
    r"(?P<rate>\S+) rate, (?P<seconds>\S+) seconds, (?P<images>\d+) images"
)


def edit_rows(text: str, change: Callable[[dict[str, str]], dict[str, str]]) -> str:
    """``text`` with every darknet iteration line's fields replaced by ``change(fields)``."""

    def rewrite(match: re.Match) -> str:
        fields = change(dict(match.groupdict(default="")))
        return (f"{fields['lead']}{fields['iteration']}{fields['epoch']}: {fields['loss']}, {fields['avg']} "
                f"{fields['avg_word']}, {fields['rate']} rate, {fields['seconds']} seconds, {fields['images']} images")

    return DARKNET_ROW.sub(rewrite, text)


def analyse_text(tmp_path: Path, text: str, schedule, setup: TrainingSetup | None = None,
                 name: str = "train.log") -> LogReport:
    path = tmp_path / name
    path.write_text(text)
    return analyse_log(open_log(path, FORMATS), schedule, setup=setup)


def kinds(report: LogReport) -> list[str]:
    return [finding.kind for finding in report.findings]


def finding(report: LogReport, kind: str):
    found = [f for f in report.findings if f.kind == kind]
    assert len(found) == 1, (kind, [(f.kind, f.message) for f in report.findings])
    return found[0]


def line_of(text: str, needle: str) -> int:
    """The 1-based number of the first line of ``text`` containing ``needle``."""
    for number, line in enumerate(text.split("\n"), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the text")


def write_big_log(path: Path, size: int) -> int:
    """A darknet log of about ``size`` bytes: 4 lines an iteration, as AlexeyAB writes them."""
    rows = 0
    with path.open("w") as out:
        written = 0
        while written < size:
            block = []
            for _ in range(1000):
                rows += 1
                block.append(
                    f"Loaded: 0.000066 seconds\nRegion Avg IOU: 0.3, Class: 0.4, Obj: 0.6, No Obj: 0.4, count: 8\n"
                    f"\x1b[H\x1b[J{rows}/900000: loss=5.3 hours left=1.0\x07\n"
                    f" {rows}: 4.2, 4.1 avg loss, 0.001000 rate, 0.06 seconds, {rows * 64} images, 1.0 hours left\n")
            text = "".join(block)
            out.write(text)
            written += len(text)
    return rows
