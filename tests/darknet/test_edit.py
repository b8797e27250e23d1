"""Setting [net] values by editing a cfg's text (cfgtools.darknet.edit): only the changed values' text differs."""

from __future__ import annotations

import pytest

from cfgtools.darknet.document import read_cfg
from cfgtools.darknet.edit import edit_net
from cfgtools.darknet.hankai import read_hankai_cfg
from cfgtools.darknet.net import read_net
from cfgtools.errors import InputError

CFG = ("[net]\r\n# training\r\nbatch=64\r\n  learning_rate = 0.01   # base rate\r\nmax_batches=392480\r\n"
       "policy=steps\r\nsteps=400000,450000\r\nscales=.1,.1\r\n\r\n[convolutional]\r\nfilters=32\r\n")


def edited(text: str, changes: dict, dialect: str = "alexeyab") -> str:
    return edit_net(read_cfg(text, "a.cfg", dialect), changes)


def changed_lines(old: str, new: str) -> list[tuple[str, str]]:
    return [(a, b) for a, b in zip(old.split("\n"), new.split("\n")) if a != b]


def test_a_value_is_written_over_its_text_and_the_rest_of_the_line_stays():
    new = edited(CFG, {"learning_rate": 0.000518792, "max_batches": 592480})
    assert changed_lines(CFG, new) == [("  learning_rate = 0.01   # base rate\r", "  learning_rate = 0.000518792   # base rate\r"),
                                       ("max_batches=392480\r", "max_batches=592480\r")]
    net = read_net(read_cfg(new, "a.cfg", "alexeyab"))
    assert net.learning_rate.value == pytest.approx(0.000518792, rel=1e-7) and net.max_batches.value == 592480


def test_a_list_keeps_the_text_of_the_items_it_keeps():
    new = edited(CFG, {"steps": [400000, 450000, 500000], "scales": [0.1, 0.1, 0.5]})
    assert changed_lines(CFG, new) == [("steps=400000,450000\r", "steps=400000,450000,500000\r"),
                                       ("scales=.1,.1\r", "scales=.1,.1,0.5\r")]


def test_a_key_not_written_goes_after_the_schedule_keys_with_the_files_line_ends():
    new = edited(CFG, {"power": 2.5, "sgdr_cycle": 1000})
    assert new == CFG.replace("scales=.1,.1\r\n", "scales=.1,.1\r\npower=2.5\r\nsgdr_cycle=1000\r\n")


def test_a_key_in_the_last_line_without_a_line_end():
    new = edited("[net]\nlearning_rate=0.01\npolicy=poly", {"power": 2.0, "learning_rate": 0.02})
    assert new == "[net]\nlearning_rate=0.02\npolicy=poly\npower=2"


def test_the_first_of_duplicates_is_the_one_darknet_reads_and_the_one_edited():
    new = edited("[net]\nlearning_rate=0.01\nlearning_rate=0.02\n", {"learning_rate": 0.005})
    assert new == "[net]\nlearning_rate=0.005\nlearning_rate=0.02\n"


def test_a_dropped_or_valueless_line_gets_the_value():
    assert edited("[net]\nmax_batches=\npolicy=poly\n", {"max_batches": 100}) == "[net]\nmax_batches=100\npolicy=poly\n"
    # a line without '=' shadows later ones (darknet returns its NULL value): it is the one to complete
    assert edited("[net]\nmax_batches\nmax_batches=5\n", {"max_batches": 100}) == "[net]\nmax_batches=100\nmax_batches=5\n"


def test_floats_read_back_as_the_same_c_float():
    value = 0.00051879196  # a float32 that needs 8 digits
    new = edited("[net]\nlearning_rate=0.01\n", {"learning_rate": value})
    assert read_net(read_cfg(new, "a.cfg", "alexeyab")).learning_rate.value == pytest.approx(value, rel=1e-7)


def test_pjreddie_keeps_the_carriage_return_out_of_the_edit():
    text = "[net]\nlearning_rate=0.01\r\npolicy=poly\n"  # one CRLF line after an LF header
    assert edited(text, {"learning_rate": 0.02}, "pjreddie") == "[net]\nlearning_rate=0.02\r\npolicy=poly\n"


def test_hankai_reads_the_edit_back_with_its_own_reader():
    # hank-ai's reader ends a value at '#': the comment stays after the new value, and the edit reads back
    new = edit_net(read_hankai_cfg(CFG, "a.cfg"), {"learning_rate": 0.02, "max_batches": 6000})
    assert changed_lines(CFG, new) == [("  learning_rate = 0.01   # base rate\r", "  learning_rate = 0.02   # base rate\r"),
                                       ("max_batches=392480\r", "max_batches=6000\r")]
    net = read_net(read_hankai_cfg(new, "a.cfg"))
    assert net.learning_rate.value == pytest.approx(0.02, rel=1e-7) and net.max_batches.value == 6000


def test_no_net_section_first_is_refused():
    with pytest.raises(InputError, match="no \\[net\\]"):
        edited("[convolutional]\nfilters=3\n", {"max_batches": 10})
