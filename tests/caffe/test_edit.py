"""Setting solver fields by editing a prototxt's text (cfgtools.caffe.edit): only the changed values' text differs."""

from __future__ import annotations

import pytest

from cfgtools.caffe.edit import edit_solver
from cfgtools.loading import load_text

SOLVER = ('net: "train_val.prototxt"\r\nbase_lr: 0.01  # the base\r\nlr_policy: "multistep"\r\ngamma: 0.1\r\n'
          "stepvalue: 300\r\nstepvalue: 600\r\nstepvalue: 800\r\nmax_iter: 1000\r\nmomentum: 0.9\r\n")


def edited(text: str, changes: dict) -> str:
    return edit_solver(load_text(text, "solver.prototxt").model, text, changes)


def test_scalars_are_written_over_their_values_and_comments_stay():
    new = edited(SOLVER, {"base_lr": 0.0005, "max_iter": 1500})
    assert new == SOLVER.replace("base_lr: 0.01  #", "base_lr: 0.0005  #").replace("max_iter: 1000", "max_iter: 1500")


def test_stepvalues_are_rewritten_occurrence_by_occurrence():
    fewer = edited(SOLVER, {"stepvalue": [300, 700]})
    assert fewer == SOLVER.replace("stepvalue: 600\r\nstepvalue: 800\r\n", "stepvalue: 700\r\n")
    more = edited(SOLVER, {"stepvalue": [300, 700, 900, 1200]})
    assert more == SOLVER.replace("stepvalue: 600\r\nstepvalue: 800\r\n",
                                  "stepvalue: 700\r\nstepvalue: 900\r\nstepvalue: 1200\r\n")


def test_a_list_written_in_brackets_stays_one():
    text = 'base_lr: 0.01\nlr_policy: "multistep"\nstepvalue: [300, 600]\nmax_iter: 1000\n'
    assert edited(text, {"stepvalue": [300, 700, 900]}) == text.replace("[300, 600]", "[300, 700, 900]")


def test_a_field_not_written_goes_after_the_schedule_fields_indented_as_they_are():
    text = '  base_lr: 0.01\n  lr_policy: "poly"\n  max_iter: 1000\n  momentum: 0.9\n'
    assert edited(text, {"power": 2.5}) == text.replace("max_iter: 1000\n", "max_iter: 1000\n  power: 2.5\n")


def test_an_occurrence_sharing_its_line_is_removed_alone():
    text = 'base_lr: 0.01\nlr_policy: "multistep"\nstepvalue: 1 stepvalue: 2\nmax_iter: 10\n'
    assert edited(text, {"stepvalue": [1]}) == 'base_lr: 0.01\nlr_policy: "multistep"\nstepvalue: 1\nmax_iter: 10\n'


def test_a_byte_order_mark_stays():
    text = '\ufeffbase_lr: 0.01\nlr_policy: "fixed"\nmax_iter: 10\n'
    assert edited(text, {"max_iter": 20}) == text.replace("10", "20")


def test_floats_read_back_as_the_same_c_float():
    value = 0.020000268  # a float32 that needs 8 digits
    new = edited(SOLVER, {"base_lr": value})
    assert load_text(new, "solver.prototxt").model.base_lr == pytest.approx(value, rel=1e-7)
