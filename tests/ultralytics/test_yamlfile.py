"""The YAML reader gives what PyYAML's safe_load gives (YAML 1.1), with positions, and edits minimally."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfgtools.errors import InputError
from cfgtools.positions import Span
from cfgtools.ultralytics.yamlfile import parse_yaml, plain_text, read_yaml, replace_scalar, resolve_plain, set_scalar

yaml = pytest.importorskip("yaml", reason="PyYAML (the frameworks' own loader) is the oracle of these tests")


def safe_load(text):
    return yaml.safe_load(text)


@pytest.mark.parametrize(
    "scalar",
    ["0.01", "1e-3", "1.0e-3", "1.0e3", "1.e-3", ".5", "-.5", "+1", "010", "0x1F", "0b101", "1_000", "1:30",
     "1:30.5", "yes", "No", "on", "OFF", "y", "n", "~", "null", "NULL", "", ".inf", "-.Inf", ".nan", "2001-12-14",
     "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10", "3.2", "True", "tRue", "0", "-0", "00", "0.",
     "1e3", "+.inf", "0o17", "<<x", "0.000_1"],
)
def test_plain_scalars_resolve_as_pyyaml(scalar):
    ours = parse_yaml(f"k: {scalar}\n").value()["k"]
    theirs = safe_load(f"k: {scalar}\n")["k"]
    assert type(ours) is type(theirs)
    assert ours == theirs or (isinstance(ours, float) and math.isnan(ours) and math.isnan(theirs))


_SCALAR_CHARS = st.sampled_from(list("0123456789._-+:eExXbBoO ~ntrueyfalsFNT"))


@settings(max_examples=400, deadline=None)
@given(st.text(_SCALAR_CHARS, min_size=1, max_size=10))
def test_any_plain_scalar_resolves_as_pyyaml(scalar):
    text = f"k: {scalar}\n"
    try:
        theirs = safe_load(text)
    except (yaml.YAMLError, ValueError):
        with pytest.raises(InputError):
            parse_yaml(text)
        return
    ours = parse_yaml(text).value()
    assert ours.keys() == theirs.keys()
    a, b = ours["k"], theirs["k"]
    assert type(a) is type(b), scalar
    assert a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))


def test_positions_of_keys_and_values():
    text = "# header\nlr0: 0.01  # initial\nhyp:\n  lrf: 'x'\n  momentum: [1, 2]\n"
    doc = parse_yaml(text, "f.yaml")
    lr0 = doc.find("lr0")
    assert lr0.key_span == Span(2, 1, 2, 4)
    assert lr0.node.span == Span(2, 6, 2, 10)  # '0.01' ends before the comment
    assert text[lr0.node.start:lr0.node.end] == "0.01"
    lrf = doc.find("hyp", "lrf")
    assert lrf.key_span == Span(4, 3, 4, 6) and lrf.node.value == "x"
    assert text[lrf.node.start:lrf.node.end] == "'x'"
    assert doc.find("hyp", "momentum").node.value == [1, 2]
    assert doc.find("nope") is None


def test_duplicates_keep_the_last_like_pyyaml():
    text = "lr0: 0.01\nlr0: 0.02\n"
    doc = parse_yaml(text)
    assert doc.value() == safe_load(text) == {"lr0": 0.02}
    assert [d.key_span.line for d in doc.duplicates] == [1]


def test_merge_keys_like_pyyaml():
    text = "base: &b {lr0: 0.01, lrf: 0.1}\nrun:\n  <<: *b\n  lrf: 0.2\n"
    assert parse_yaml(text).value() == safe_load(text)
    assert parse_yaml(text).find("run", "lr0").node.value == 0.01


def test_aliases_do_not_blow_up():
    # a billion-laughs shape: 9 levels of 9 references; values are shared, never copied
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    doc = parse_yaml("\n".join(lines) + "\n")
    assert len(doc.value()["a8"]) == 9


@pytest.mark.parametrize(
    "text, message",
    [
        ("a: !!python/object/apply:os.system ['echo hi']\n", "no safe constructor"),
        ("a: [1, 2\nb: 3\n", "expected"),
        ("- 1\n- 2\n", "not a mapping"),
        ("a: 1\n---\nb: 2\n", "more than one"),
        ("", "empty"),
        ("a: *nope\n", "undefined alias"),
        ("? [1, 2]\n: 3\n", "unhashable"),
        ("a: !!int abc\n", "cannot read"),
        ("a: =\n", "no constructor"),
        ("a: <<\n", "merge"),
        ("a:\x07 1\n", ""),
        ("a: " + "[" * 200 + "]" * 200 + "\n", "deeper"),
    ],
)
def test_bad_yaml_is_one_input_error(text, message):
    with pytest.raises(InputError) as info:
        parse_yaml(text, "bad.yaml")
    line = info.value.format()
    assert line.startswith("bad.yaml:") and "\n" not in line
    assert message in line


def test_read_yaml_refuses_binary_and_huge(tmp_path):
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"lr0: 0.01\n\x00\x01")
    with pytest.raises(InputError, match="NUL"):
        read_yaml(binary)
    huge = tmp_path / "h.yaml"
    huge.write_bytes(b"a: 1\n" * 300_000)
    with pytest.raises(InputError, match="larger than"):
        read_yaml(huge)


@pytest.mark.parametrize("value", [0.01, 1e-05, 0.0033333333333333335, 100.0, 1e16, 3, True, None, "SGD"])
def test_plain_text_reads_back_under_pyyaml(value):
    assert safe_load(f"k: {plain_text(value)}\n")["k"] == value


def test_replace_scalar_changes_only_that_scalar():
    text = "# run\nlr0: 0.01  # initial lr\nhyp:\n  lrf: 0.01 # final\n  momentum: 0.937\n"
    doc = parse_yaml(text)
    edited = replace_scalar(doc, ("hyp", "lrf"), 1e-05)
    assert edited == "# run\nlr0: 0.01  # initial lr\nhyp:\n  lrf: 1.0e-05 # final\n  momentum: 0.937\n"
    assert safe_load(edited)["hyp"]["lrf"] == 1e-05
    with pytest.raises(ValueError):
        replace_scalar(doc, ("hyp",), 1.0)
    with pytest.raises(ValueError):
        replace_scalar(doc, ("absent",), 1.0)


def test_bom_and_crlf():
    text = "\ufefflr0: 0.01\r\nlrf: 0.2\r\n"
    doc = parse_yaml(text)
    assert doc.value() == {"lr0": 0.01, "lrf": 0.2}
    assert replace_scalar(doc, ("lrf",), 0.5) == "\ufefflr0: 0.01\r\nlrf: 0.5\r\n"


def test_resolve_plain_order():
    assert resolve_plain("1e-3") == "str"
    assert resolve_plain("1.0e-3") == "float"
    assert resolve_plain("on") == "bool"


def test_mapping_text_reads_back():
    from cfgtools.ultralytics.yamlfile import mapping_text

    mapping = {"lr0": 1e-05, "name": "exp: 2 # x", "flag": "yes", "none": None, "imgsz": [640, 480],
               "hyp": {"lrf": 0.01, "anchors": 3}, "empty": {}, "path": "runs/train/exp", "n": 3, "on": True}
    text = mapping_text(mapping) + "\n"
    assert safe_load(text) == mapping
    assert parse_yaml(text).value() == mapping


def test_set_scalar_replaces_or_adds_a_last_line():
    document = parse_yaml("# run\nepochs: 300  # keep\nhyp:\n  lr0: 0.01\n", "opt.yaml")
    assert set_scalar(document, ("epochs",), 600) == "# run\nepochs: 600  # keep\nhyp:\n  lr0: 0.01\n"
    assert set_scalar(document, ("hyp", "lr0"), 1e-05) == "# run\nepochs: 300  # keep\nhyp:\n  lr0: 1.0e-05\n"
    assert set_scalar(document, ("lrf",), 0.5) == "# run\nepochs: 300  # keep\nhyp:\n  lr0: 0.01\nlrf: 0.5\n"
    no_newline = parse_yaml("epochs: 300", "a.yaml")
    assert set_scalar(no_newline, ("optimizer",), "SGD") == "epochs: 300\noptimizer: SGD\n"
    with pytest.raises(ValueError):
        set_scalar(document, ("hyp", "lrf"), 0.5)  # a nested key that is not there
    with pytest.raises(ValueError):
        set_scalar(parse_yaml("{epochs: 300}", "flow.yaml"), ("lrf",), 0.5)  # a line after a flow mapping
