"""Typed layers: header aliases, defaults, dependent defaults, keys read per fork."""

from __future__ import annotations

import pytest

from cfgtools.darknet.document import read_cfg
from cfgtools.darknet.layers import COMMON_KEYS, LAYER_KEYS, UnknownLayer, all_models, parse_layers, yolo_mask


def layers(body: str, dialect: str = "alexeyab"):
    return parse_layers(read_cfg("[net]\nwidth=32\nheight=32\nchannels=3\n" + body, "t.cfg", dialect))


@pytest.mark.parametrize(
    "header, kind",
    [("[conv]", "convolutional"), ("[max]", "maxpool"), ("[avg]", "avgpool"), ("[soft]", "softmax"),
     ("[conn]", "connected"), ("[lrn]", "normalization"), ("[local_avg]", "local_avgpool"),
     ("[silence]", "empty"), ("[reorg3d]", "reorg3d")],
)
def test_aliases(header, kind):
    (layer,) = layers(f"{header}\n")
    assert layer.kind == kind


def test_unknown_and_fork_only_types():
    (layer,) = layers("[Yolo]\n")
    assert isinstance(layer, UnknownLayer) and layer.kind is None
    assert layers("[sam]\nfrom=-1\n", "pjreddie")[0].kind is None
    assert layers("[deconvolutional]\n", "alexeyab")[0].kind is None
    assert layers("[deconvolutional]\n", "pjreddie")[0].kind == "deconvolutional"


def test_convolutional_defaults_and_values():
    (conv,) = layers("[convolutional]\nfilters=64\nsize=3\nstride=2\npad=1\nactivation=mish\n")
    assert (conv.filters, conv.size, conv.stride, conv.pad, conv.groups) == (64, 3, 2, 1, 1)
    assert conv.activation == "mish" and conv.batch_normalize == 0
    (bare,) = layers("[convolutional]\n")
    assert (bare.filters, bare.size, bare.stride, bare.activation) == (1, 1, 1, "logistic")


def test_numbers_are_read_like_c():
    (conv,) = layers("[convolutional]\nfilters=32#x\nsize=3.9\n")
    assert conv.filters == 32 and conv.size == 3


def test_maxpool_dependent_defaults():
    (pool,) = layers("[maxpool]\nstride=2\n")
    assert (pool.size, pool.padding, pool.stride_x, pool.stride_y) == (2, 1, 2, 2)


def test_yolo_mask_counts_like_each_fork():
    text = "[yolo]\nmask=0,1#,2\nnum=3\nanchors=1,2,3,4,5,6\n"
    assert layers(text)[0].mask == [0, 1]
    assert layers(text, "pjreddie")[0].mask == [0, 1, 2]
    (no_mask,) = layers("[yolo]\nnum=4\n")
    assert yolo_mask(no_mask) == [0, 1, 2, 3]


def test_route_and_shortcut_lists():
    body = "[convolutional]\n\n[convolutional]\n\n[route]\nlayers=-1, 0\n\n[shortcut]\nfrom=-2,-3\n"
    route, shortcut = layers(body)[2:]
    assert route.layers == [-1, 0]
    assert shortcut.from_ == [-2, -3]


def test_reads_include_common_keys_per_fork():
    (ab,) = layers("[route]\nlayers=-1\n")
    (pj,) = layers("[route]\nlayers=-1\n", "pjreddie")
    assert {"stopbackward", "learning_rate", "dontload"} <= ab.reads
    assert "train_only_bn" in ab.reads and "train_only_bn" not in pj.reads
    assert "groups" in ab.reads and "groups" not in pj.reads
    assert "smooth" in pj.reads


def test_unused_options():
    (conv,) = layers("[convolutional]\nfilters=8\nstide=2\nfilters=9\n")
    assert [o.key for o in conv.unused_options()] == ["stide"]


def test_positions_are_kept():
    (conv,) = layers("[convolutional]\nfilters=8\n")
    assert conv.span("filters").line == 6 and conv.span("filters").column == 9
    assert conv.span("size") == conv.section.span
    assert conv.index == 0


def test_every_type_has_a_model():
    models = all_models()
    assert set(models) == set(LAYER_KEYS)
    for kind, model in models.items():
        assert model.KIND == kind
    assert COMMON_KEYS["alexeyab"] != COMMON_KEYS["pjreddie"]
