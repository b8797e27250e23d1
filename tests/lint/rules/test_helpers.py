"""The helpers rule modules share (cfgtools.lint.rules._helpers): did-you-mean must be genuinely close."""

from __future__ import annotations

import pytest

from cfgtools.lint.rules._helpers import did_you_mean, edit_distance

POLICIES = ["constant", "step", "exp", "poly", "steps", "sig", "random", "sgdr", "sigmoid"]


@pytest.mark.parametrize("word, candidates, expected", [
    ("STEPS", POLICIES, "steps"),  # case
    ("polly", POLICIES, "poly"),  # one letter added
    ("sigmoi", ["sigmoid", "steps"], "sigmoid"),  # cut short
    ("stide", ["stride", "size", "pad"], "stride"),
    ("lerning_rate", ["learning_rate", "momentum"], "learning_rate"),
    ("momemtum", ["learning_rate", "momentum"], "momentum"),  # two letters swapped
    # issue 10: nonsense the old difflib cutoff proposed
    ("beta1", ["beta_nms", "iou_normalizer", "nms_kind"], None),
    ("uc_normalizer", ["iou_normalizer", "cls_normalizer", "obj_normalizer"], None),
    ("[PEP]", ["[empty]", "[convolutional]", "[route]"], None),
])
def test_did_you_mean(word, candidates, expected):
    assert did_you_mean(word, candidates) == expected


def test_edit_distance_counts_adds_drops_changes_and_swaps():
    assert edit_distance("kitten", "sitting", 5) == 3  # k->s, e->i, +g
    assert edit_distance("ab", "ba", 2) == 1  # one swap
    assert edit_distance("abc", "abc", 0) == 0
    assert edit_distance("beta1", "beta_nms", 2) == 3  # beyond the limit: limit + 1
