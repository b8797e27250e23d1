"""Shapes and BFLOPs through small networks, checked against arithmetic done by hand."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from cfgtools.darknet.document import read_cfg
from cfgtools.darknet.network import infer_network

NET = "[net]\nwidth={w}\nheight={h}\nchannels={c}\n"


def network(text: str, dialect: str = "alexeyab", **kw):
    return infer_network(read_cfg(text, "t.cfg", dialect), **kw)


def shapes_fixture(dialect="alexeyab"):
    path = FIXTURES / "darknet" / "net_shapes.cfg"
    return infer_network(read_cfg(path.read_text(), str(path), dialect))


# (index, output w x h x c, BFLOPs) for fixtures/darknet/net_shapes.cfg at 416x416x3:
HAND = [
    # 0 conv 16 3x3/1 pad=1: (416+2-3)/1+1 = 416;   2*3*16*9*416*416/1e9      = 0.149520384
    (0, (416, 416, 16), 0.149520384),
    # 1 max 2x2/2, padding = size-1 = 1: (416+1-2)/2+1 = 208;   2*2*16*208*208/1e9 = 0.002768896
    (1, (208, 208, 16), 0.002768896),
    # 2 [conv] alias, 32 3x3/2 pad=1: (208+2-3)/2+1 = 104;   2*16*32*9*104*104/1e9 = 0.099680256
    (2, (104, 104, 32), 0.099680256),
    # 3 conv 32 1x1 groups=2: nweights (32/2)*32*1*1 = 512;   2*512*104*104/1e9 = 0.011075584
    (3, (104, 104, 32), 0.011075584),
    # 4 route 3,2: 32+32 channels
    (4, (104, 104, 64), 0.0),
    # 5 route 4 groups=2 group_id=1: 64/2
    (5, (104, 104, 32), 0.0),
    # 6 shortcut from 3 onto 5: keeps the input;   104*104*32*1/1e9 = 0.000346112
    (6, (104, 104, 32), 0.000346112),
    # 7 upsample x2
    (7, (208, 208, 32), 0.0),
    # 8 conv 8 3x3 stride_x=2 stride_y=1 pad=1: w (208+2-3)/2+1 = 104, h 208;   2*32*8*9*104*208/1e9 = 0.099680256
    (8, (104, 208, 8), 0.099680256),
    # 9 reorg3d /2: 52 x 104 x 8*4
    (9, (52, 104, 32), 0.0),
    # 10 avgpool: global
    (10, (1, 1, 32), 0.0),
    # 11 connected 32 -> 10: 2*32*10/1e9 = 0.00000064
    (11, (1, 1, 10), 0.00000064),
    # 12 softmax keeps its input
    (12, (1, 1, 10), 0.0),
]


@pytest.mark.parametrize("index, output, bflops", HAND)
def test_hand_worked_shapes_and_bflops(index, output, bflops):
    row = shapes_fixture()[index]
    assert row.output == output
    assert row.bflops == pytest.approx(bflops, rel=1e-6, abs=1e-12)
    assert row.problems == []


def test_total_is_the_float_sum():
    # 0.149520384 + 0.002768896 + 0.099680256 + 0.011075584 + 0.000346112 + 0.099680256 + 0.00000064
    net = shapes_fixture()
    assert net.total_bflops == pytest.approx(0.363072128, rel=1e-6)
    assert f"{net.total_bflops:5.3f}" == "0.363"


def test_inputs_chain_and_sources():
    net = shapes_fixture()
    assert net[4].sources == [3, 2]
    assert net[6].sources == [3]
    assert net[1].input == (416, 416, 16)
    assert net[11].outputs == 10


def test_pjreddie_has_no_pool_or_shortcut_bflops():
    net = shapes_fixture("pjreddie")
    assert net[1].bflops == 0 and net[6].bflops == 0
    # pjreddie has no route groups: 64 channels stay 64
    assert net[5].output == (104, 104, 64)


def test_maxpool_size2_stride1_keeps_size():
    # padding = size-1 = 1: (13+1-2)/1+1 = 13;  2*2*512*13*13/1e9 = 0.000346112
    row = network(NET.format(w=13, h=13, c=512) + "[maxpool]\nsize=2\nstride=1\n")[0]
    assert row.output == (13, 13, 512)
    assert row.bflops == pytest.approx(0.000346112, rel=1e-6)


def test_maxpool_size_defaults_to_stride():
    # size = stride = 3, padding = 2: (10+2-3)/3+1 = 4
    assert network(NET.format(w=10, h=10, c=1) + "[max]\nstride=3\n")[0].output == (4, 4, 1)


def test_dilation_does_not_change_the_output_size_in_alexeyab():
    # AlexeyAB: out = (32 + 2*1 - 3)/1 + 1 = 32 whatever the dilation
    net = network(NET.format(w=32, h=32, c=3) + "[convolutional]\nfilters=4\nsize=3\npad=1\ndilation=2\n")
    assert net[0].output == (32, 32, 4)
    assert "(2)" in net[0].text


def test_padding_key_without_pad():
    # padding=0 (no pad): (32 - 3)/1 + 1 = 30;  padding=2: (32+4-5)/1+1 = 32
    text = NET.format(w=32, h=32, c=3)
    assert network(text + "[convolutional]\nfilters=4\nsize=3\n")[0].output == (30, 30, 4)
    assert network(text + "[convolutional]\nfilters=4\nsize=5\npadding=2\n")[0].output == (32, 32, 4)


def test_negative_upsample_stride_downsamples():
    assert network(NET.format(w=32, h=32, c=3) + "[upsample]\nstride=-2\n")[0].output == (16, 16, 3)


def test_reorg_reverse():
    net = network(NET.format(w=8, h=8, c=16) + "[reorg]\nstride=2\nreverse=1\n")
    assert net[0].output == (16, 16, 4)


def test_route_size_mismatch_gives_zero_in_alexeyab():
    text = (NET.format(w=32, h=32, c=3) + "[convolutional]\nfilters=4\nsize=1\n\n"
            "[maxpool]\nsize=2\nstride=2\n\n[route]\nlayers=-1,-2\n")
    ab = network(text)[2]
    pj = network(text, "pjreddie")[2]
    assert ab.output == (0, 0, 0) and ab.problems
    assert pj.output == (16, 16, 8) and pj.problems


def test_absolute_and_out_of_range_route():
    text = NET.format(w=8, h=8, c=3) + "[convolutional]\nfilters=4\nsize=1\n\n[route]\nlayers=0\n\n[route]\nlayers=7\n"
    net = network(text)
    assert net[1].output == (8, 8, 4)
    assert net[2].output == (0, 0, 0) and "does not exist" in net[2].problems[0]


def test_shortcut_with_several_from_in_alexeyab():
    # outputs 8x8x4, 2 inputs:  8*8*4*2/1e9
    text = (NET.format(w=8, h=8, c=3) + "[convolutional]\nfilters=4\nsize=1\n\n[convolutional]\nfilters=4\nsize=1\n\n"
            "[convolutional]\nfilters=4\nsize=1\n\n[shortcut]\nfrom=-2,-3\n")
    row = network(text)[3]
    assert row.sources == [1, 0]
    assert row.bflops == pytest.approx(8 * 8 * 4 * 2 / 1e9, rel=1e-6)
    assert network(text, "pjreddie")[3].sources == [1]


def test_unknown_layer_is_empty():
    net = network(NET.format(w=8, h=8, c=3) + "[Conv]\nfilters=4\n\n[convolutional]\nfilters=2\nsize=1\n")
    assert net[0].kind is None and net[0].output == (0, 0, 0)
    assert "Type not recognized" in net[0].problems[0]
    assert any("must output image" in p for p in net[1].problems)


def test_yolo_passes_its_input_through_and_checks_it():
    text = (NET.format(w=32, h=32, c=3) + "[convolutional]\nfilters=18\nsize=1\n\n"
            "[yolo]\nmask=0,1,2\nclasses=1\nnum=3\n")
    net = network(text)
    assert net[1].output == (32, 32, 18) and net[1].problems == []
    bad = network(text.replace("filters=18", "filters=20"))
    assert bad[1].problems


def test_width_height_override():
    net = network(NET.format(w=416, h=416, c=3) + "[convolutional]\nfilters=4\nsize=3\nstride=2\npad=1\n",
                  width=608, height=320)
    assert net[0].output == (304, 160, 4)
