"""The schedule command logic over every upstream darknet cfg and Caffe solver of the shared corpus."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import corpus_files
from cfgtools.frameworks import recognise
from cfgtools.loading import load_schedule
from cfgtools.schedule.analysis import extremes
from cfgtools.schedule.evaluate import iter_chunks
from cfgtools.sources import read_source

pytestmark = pytest.mark.corpus


def _files(framework):
    files = corpus_files(framework)
    if not files:
        pytest.skip("shared corpus (next to the repository) is absent")
    return files


@pytest.mark.parametrize("dialect", ["alexeyab", "pjreddie"])
def test_every_darknet_cfg_builds_and_evaluates(dialect):
    seen = 0
    for path in _files("darknet"):
        if getattr(recognise(read_source(path)), "name", None) != "darknet":
            continue
        schedule = load_schedule(path, dialect=dialect)
        e = extremes(schedule)
        assert e.count == max(schedule.horizon, 0)
        if schedule.horizon > 0:
            assert e.first_nan is None and e.first_inf is None, path.name
            assert 0 <= e.min <= e.max, path.name
        seen += 1
    assert seen > 100


def test_every_caffe_solver_builds_and_evaluates(capsys):
    from cfgtools.cli import main

    zero = 0
    for path in _files("caffe"):
        if getattr(recognise(read_source(path)), "name", None) != "caffe":
            continue
        schedule = load_schedule(path)
        for iters, lrs in iter_chunks(schedule):
            assert np.all(np.isfinite(lrs)), path.name
        if schedule.horizon == 0:  # py-faster-rcnn solvers: no max_iter (the scripts pass it)
            zero += 1
            assert main(["schedule", str(path)]) == 0
            captured = capsys.readouterr()
            assert captured.out == "" and "max_iter is 0" in captured.err
    assert zero > 0
