"""hank-ai's reader (darknet/hankai.py), one test per reading rule of the reference (darknet-hankai.md, A and B).

Each input is written from the rule; the expected verdict and hank-ai's own message come from the reference
and from src-lib/darknet_cfg.cpp.
"""

from __future__ import annotations

import numpy as np
import pytest

from cfgtools.darknet import cnum
from cfgtools.darknet.hankai import read_hankai_cfg
from cfgtools.darknet.net import read_net

NET = "[net]\nwidth=416\nheight=416\nchannels=3\n"
LAYER = "\n[convolutional]\nfilters=16\n"
f32 = np.float32


def problems(text: str) -> list[tuple[str, int, str]]:
    return [(p.kind, p.span.line, p.message) for p in read_hankai_cfg(text).problems]


def net_of(text: str):
    return read_net(read_hankai_cfg(text))


def test_a1_a_layer_section_is_required():
    assert problems(NET) == [("empty-network", 1,
                              'hank-ai stops with "cannot create a network from empty configuration file"')]
    assert problems(NET + LAYER) == []


def test_a2_unused_keys_are_what_it_never_looks_up():
    net = net_of(NET + "policy=poly\nsteps=10,20\ngamma=0.5\nsgdr_cycle=100\n" + LAYER)
    assert {"steps", "gamma"} & net.lookups == set()  # never looked up under poly: fatal lines
    assert "sgdr_cycle" in net.lookups  # always looked up
    assert "max_crop" not in net_of(NET + LAYER).lookups  # commented out of parse_net_section


def test_a3_duplicate_keys_are_fatal():
    assert problems(NET + "batch=64\nbatch=32\n" + LAYER) == [
        ("duplicate-key", 6, 'hank-ai stops with "duplicate key "batch" in [net] at lines #5 and #6"')]


def test_a4_lines_are_read_with_its_regex():
    document = read_hankai_cfg("[net] # main\nlearning_rate=0.01 # x\npolicy=steps # c\nlearning _rate = 0.02\n"
                               "burn_in=\nmomentum\n" + LAYER)
    net = document.sections[0]
    assert net.header == "[net]"  # no end anchor: the comment after ] is dropped
    assert net.value("learning_rate") == "0.01" and net.value("policy") == "steps"
    ignored = [(o.key, o.value) for o in net.options if not o.stored]
    assert ignored == [("learning _rate", "0.02"), ("burn_in", ""), ("momentum", None)]  # skipped silently
    assert read_net(document).learning_rate.value == f32(0.01)


def test_a4_a_key_without_equals_does_not_shadow():
    assert net_of(NET + "learning_rate\nlearning_rate=0.5\n" + LAYER).learning_rate.value == f32(0.5)


def test_a4_a_blank_inside_a_value_is_not_a_number():
    net = net_of(NET + "batch=6 4\n" + LAYER)
    assert net.fatal_keys == (("batch", 'hank-ai stops with "key "batch" on line #5 should be numeric, but found "6 4""'),)


def test_a4_semicolon_starts_a_key():
    document = read_hankai_cfg(NET + ";momentum=0.8\n" + LAYER)
    assert document.sections[0].value(";momentum") == "0.8"
    assert ";momentum" not in read_net(document).lookups


def test_a5_numbers_only_from_minus_dot_digits():
    assert cnum.hankai_numeric("-.5") and not cnum.hankai_numeric("5e5") and not cnum.hankai_numeric("+5")
    assert [cnum.stof(t) for t in ("1-2", "-.5", "-", ".", "1" + "0" * 40)] == [1.0, -0.5, None, None, None]
    net = net_of(NET + "max_batches=5e5\nburn_in=3.7\n" + LAYER)
    assert net.fatal_keys[0][1] == 'hank-ai stops with "key "max_batches" on line #5 should be numeric, but found "5e5""'
    assert net.burn_in.value == 3  # an int is the float's integer part, with a note
    assert net.notes[0][1].startswith('hank-ai prints "-> expected an integer for "burn_in" on line #6 but found '
                                      '"3.700000""')
    assert problems(NET + "momentum=-\n" + LAYER) == [
        ("bad-number", 5, 'hank-ai stops with "line #5: failed to parse numeric value from "momentum=-""')]


def test_a6_arrays_are_runs_of_digits():
    net = net_of(NET + "policy=steps\nsteps=10,15,\nscales=.1\n" + LAYER)
    assert net.steps.value == [10, 15]  # a trailing comma adds nothing
    assert net.scales.value == [f32(0.1), 0.0]  # scales.resize(n): padded with 0
    assert cnum.hankai_int_list("5.9") == [5, 9] and cnum.hankai_float_list("10,13, 16,30  33") == [10, 13, 16, 30, 33]
    assert net_of(NET + "policy=steps\nsteps=10\nscales=.1,.5,.2\n" + LAYER).scales.value == [f32(0.1)]


@pytest.mark.parametrize("header", ["[NET]", "[Net]", "[ net ]"])
def test_a7_section_names_are_exact(header):
    name = header[1:-1]
    assert problems(header + "\nwidth=416\n" + LAYER) == [
        ("unsupported-section", 1, f'hank-ai stops with "layer name "{name}" is not supported"')]


def test_a7_the_first_section_must_be_the_network():
    assert problems("[convolutional]\nfilters=16\n[maxpool]\n") == [
        ("first-section-not-net", 1, 'hank-ai stops with "expected to find [net] or [network], but instead found '
                                     '[convolutional] on line #1"')]
    assert problems(NET + "\n[empty]\n") == [("layer-not-recognized", 6,
                                              'hank-ai stops with "layer type "empty" not recognized on line #6"')]


def test_a8_a_key_before_any_section_is_fatal():
    assert problems("batch=64\n" + NET + LAYER) == [
        ("option-before-section", 1, 'hank-ai stops with "cannot add a configuration line without a section at '
                                     'line #1"')]


def test_a9_a_byte_order_mark_drops_the_first_line():
    found = problems("\ufeff" + NET + LAYER)
    # hank-ai stops at line 2; what follows (more orphans, [convolutional] taken as the network) never runs
    assert [(kind, line) for kind, line, _ in found[:2]] == [("bom", 1), ("option-before-section", 2)]
    assert found[0][2].endswith('then stops with "cannot add a configuration line without a section at line #2"')


def test_a10_a11_crlf_and_blanks_at_the_ends_read_as_lf():
    crlf = read_hankai_cfg(("  [net]  \r\n  width = 416 \r\nheight=416\r\nchannels=3" + LAYER).replace("\n", "\r\n"))
    assert crlf.problems == () and crlf.sections[0].value("width") == "416"


def test_b1_an_unknown_policy_is_fatal():
    assert dict(net_of(NET + "policy=STEPS\n" + LAYER).fatal_keys)["policy"] == (
        'hank-ai stops with "learning rate policy "STEPS" is not supported"')


def test_b2_steps_needs_steps_and_scales():
    assert dict(net_of(NET + "policy=steps\nsteps=100\n" + LAYER).fatal_keys)["steps"] == (
        'hank-ai stops with "STEPS policy must have steps and scales in cfg file"')
