"""Every upstream Caffe solver in the shared corpus reads without error."""

from __future__ import annotations

from pathlib import Path

import pytest

from cfgtools.caffe.solver import read_solver
from cfgtools.frameworks import recognise
from cfgtools.sources import read_source
from tests.conftest import corpus_files

FILES = corpus_files("caffe")

pytestmark = pytest.mark.corpus


def _skip_without_corpus() -> None:
    if not FILES:
        pytest.skip("shared corpus of Caffe solvers is absent")


@pytest.mark.parametrize("path", FILES or [None], ids=lambda p: p.name if p else "absent")
def test_corpus_solver_reads(path: Path | None) -> None:
    _skip_without_corpus()
    assert path is not None
    source = read_source(path)
    assert recognise(source).name == "caffe"
    solver = read_solver(source)
    # upstream BVLC and py-faster-rcnn solvers use only BVLC fields, once each
    assert solver.unknown_fields == []
    assert solver.duplicate_fields == []
    assert solver.is_set("base_lr")
    assert solver.lr_policy in {"fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid"}


def test_consolidated_lenet_inline_net() -> None:
    _skip_without_corpus()
    [path] = [p for p in FILES if p.name.endswith("lenet_consolidated_solver.prototxt")] or [None]
    if path is None:
        pytest.skip("lenet_consolidated_solver.prototxt is not in the corpus")
    solver = read_solver(read_source(path))
    net = solver.value("net_param")
    # mnist x3, conv1, pool1, conv2, pool2, ip1, relu1, ip2, accuracy, loss
    assert len(net.layers) == 12
    assert [list(s.stage) for s in solver.value("test_state")] == [["test-on-test-set"], ["test-on-train-set"]]
    assert solver.value("test_iter") == [100, 600]
    assert solver.value("random_seed") == 1701
