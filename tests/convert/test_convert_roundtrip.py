"""darknet <-> Caffe translations: where exactness is claimed, re-reading the output gives the same lrs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import FIXTURES, corpus_files
from tests.convert.convert_contract import assert_close, load_recipe
from cfgtools.convert.plan import RefuseError
from cfgtools.convert.translate import translate
from cfgtools.errors import InputError
from cfgtools import frameworks
from cfgtools.loading import load_schedule
from cfgtools.schedule.evaluate import evaluate
from cfgtools.schedule.model import ScheduleError


def _per_update(schedule, horizon):
    first = schedule.first_update
    return evaluate(schedule, np.arange(first, first + horizon))


def _roundtrip(path: Path, tmp_path: Path) -> str:
    try:
        recipe = load_recipe(str(path))
    except (InputError, ScheduleError):
        return "unreadable"
    target = "caffe" if recipe.framework == "darknet" else "darknet"
    try:
        result = translate(recipe, frameworks.get(target))
    except RefuseError:
        return "refused"
    if not result.exact:
        assert result.problems
        return "inexact"
    out = tmp_path / ("out.prototxt" if target == "caffe" else "out.cfg")
    out.write_text(result.text)
    back = load_schedule(str(out))
    horizon = recipe.schedule.horizon
    assert back.horizon == horizon
    assert_close(_per_update(back, horizon), _per_update(recipe.schedule, horizon), f"{path.name} -> {target}")
    if target == "caffe":  # and back again
        again = translate(load_recipe(str(out)), frameworks.get("darknet"))
        if again.exact:
            out2 = tmp_path / "again.cfg"
            out2.write_text(again.text)
            assert_close(_per_update(load_schedule(str(out2)), horizon),
                         _per_update(recipe.schedule, horizon), f"{path.name} -> caffe -> darknet")
    return "exact"


FIXTURE_FILES = sorted((FIXTURES / "convert").glob("*")) + sorted((FIXTURES / "darknet").glob("*.cfg")) \
    + sorted((FIXTURES / "caffe").glob("*.prototxt"))

EXPECT_EXACT = ["dn_constant.cfg", "dn_step.cfg", "dn_steps_equal.cfg", "dn_exp.cfg", "dn_adam.cfg",
                "ca_fixed.prototxt", "ca_step.prototxt", "ca_multistep_sorted.prototxt"]


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_roundtrip(path, tmp_path):
    status = _roundtrip(path, tmp_path)
    if path.name in EXPECT_EXACT and path.parent.name == "convert":
        assert status == "exact"


@pytest.mark.corpus
def test_corpus_roundtrip(tmp_path):
    files = corpus_files("darknet") + corpus_files("caffe")
    if not files:
        pytest.skip("shared corpus is absent")
    counts: dict[str, int] = {}
    for path in files:
        status = _roundtrip(path, tmp_path)
        counts[status] = counts.get(status, 0) + 1
    assert counts.get("exact", 0) > 0
