"""read_solver: values, presence, positions, fork fields, duplicates, errors."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from cfgtools.caffe.solver import CaffeSolver, read_solver
from cfgtools.errors import InputError
from cfgtools.positions import Span
from cfgtools.sources import SourceText, decode_source, read_source

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "caffe"


def f32(x: float) -> float:
    """x rounded to float32, as a proto ``float`` field stores it."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def solver_from(text: str, path: str = "s.prototxt") -> CaffeSolver:
    return read_solver(SourceText(path=path, text=text, has_bom=False))


def fixture(name: str) -> CaffeSolver:
    return read_solver(read_source(FIXTURES / name))


def span(line: int, column: int, end_column: int, end_line: int | None = None) -> Span:
    return Span(line=line, column=column, end_line=end_line or line, end_column=end_column)


# -- values and defaults ------------------------------------------------------


def test_plain_step_solver() -> None:
    s = fixture("step_sgd.prototxt")
    assert s.lr_policy == "step"
    assert s.base_lr == f32(0.01) == 0.009999999776482582
    assert s.gamma == f32(0.1)
    assert s.stepsize == 10000
    assert s.max_iter == 45000
    assert s.momentum == f32(0.9)
    assert s.weight_decay == f32(0.0005)
    assert s.value("solver_mode") == "CPU" and s.is_set("solver_mode")
    assert s.value("test_iter") == [100]
    assert s.value("net") == "train_val.prototxt"
    assert s.solver_type_name == "SGD" and not s.both_solver_type_and_type
    assert s.unknown_fields == [] and s.duplicate_fields == []
    assert s.path.endswith("step_sgd.prototxt")
    # positions: line 6 is 'lr_policy: "step"'
    lr = s.field("lr_policy")
    assert lr.key_span == span(6, 1, 10)
    assert lr.span == span(6, 12, 18)


def test_defaults_are_values_but_not_explicit() -> None:
    s = solver_from('base_lr: 0.5\nlr_policy: "fixed"\n')
    gamma = s.field("gamma")
    assert gamma.value == 0.0 and gamma.explicit is False and gamma.span is None and gamma.key_span is None
    assert s.value("solver_mode") == "GPU" and not s.is_set("solver_mode")
    assert s.regularization_type == "L2" and not s.is_set("regularization_type")
    assert s.delta == f32(1e-8)
    assert s.rms_decay == f32(0.99)
    assert s.momentum2 == f32(0.999)
    assert s.value("type") == "SGD" and s.solver_type_name == "SGD"
    assert s.value("random_seed") == -1
    assert s.clip_gradients == -1.0
    assert s.iter_size == 1
    assert s.value("average_loss") == 1
    assert s.value("snapshot_format") == "BINARYPROTO"
    assert s.value("snapshot_after_train") is True
    assert s.value("net_param") is None and not s.is_set("net_param")
    assert s.stepvalue == [] and not s.is_set("stepvalue")
    assert s.base_lr == 0.5 and s.is_set("base_lr")
    assert set(s.fields) == {f"{n}" for n in s.fields} and len(s.fields) == 42


def test_unknown_name_in_api_is_a_key_error() -> None:
    s = solver_from("base_lr: 1\n")
    with pytest.raises(KeyError):
        s.value("warmup_iter")


@pytest.mark.parametrize(
    "text, checks",
    [
        ('lr_policy: "fixed"\nbase_lr: 0.1\n', {"lr_policy": "fixed"}),
        ('lr_policy: "step"\ngamma: 0.5\nstepsize: 7\n', {"gamma": 0.5, "stepsize": 7}),
        ('lr_policy: "exp"\ngamma: 0.25\n', {"gamma": 0.25}),
        ('lr_policy: "inv"\ngamma: 0.0001\npower: 0.75\n', {"gamma": f32(0.0001), "power": 0.75}),
        ('lr_policy: "multistep"\ngamma: 0.5\nstepvalue: 10\nstepvalue: 30\nstepvalue: 20\n', {"stepvalue": [10, 30, 20]}),
        ('lr_policy: "poly"\npower: 2\nmax_iter: 1000\n', {"power": 2.0, "max_iter": 1000}),
        ('lr_policy: "sigmoid"\ngamma: -0.125\nstepsize: 50\n', {"gamma": -0.125, "stepsize": 50}),
        ('lr_policy: "cosine"\n', {"lr_policy": "cosine"}),  # not a parse error in Caffe
    ],
)
def test_each_policy(text: str, checks: dict) -> None:
    s = solver_from(text)
    for name, expected in checks.items():
        assert getattr(s, name) == expected, name
        assert s.is_set(name)


@pytest.mark.parametrize("name", ["SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam"])
def test_type_string(name: str) -> None:
    s = solver_from(f'type: "{name}"\n')
    assert s.solver_type_name == name
    assert not s.is_set("solver_type") and not s.both_solver_type_and_type


@pytest.mark.parametrize(
    "enum, name",
    [("SGD", "SGD"), ("NESTEROV", "Nesterov"), ("ADAGRAD", "AdaGrad"), ("RMSPROP", "RMSProp"), ("ADADELTA", "AdaDelta"), ("ADAM", "Adam")],
)
def test_deprecated_solver_type_enum(enum: str, name: str) -> None:
    s = solver_from(f"solver_type: {enum}\n")
    assert s.value("solver_type") == enum
    assert s.value("type") == "SGD" and not s.is_set("type")
    assert s.solver_type_name == name


def test_solver_type_by_number_and_both_fields() -> None:
    assert solver_from("solver_type: 3\n").solver_type_name == "RMSProp"
    s = solver_from('solver_type: NESTEROV\ntype: "Adam"\n')
    assert s.both_solver_type_and_type
    assert s.solver_type_name == "Adam"


def test_lowercase_type_is_kept_verbatim() -> None:
    assert solver_from('type: "sgd"\n').solver_type_name == "sgd"


def test_syntax_variants() -> None:
    s = fixture("syntax_variants.prototxt")
    assert s.value("net") == "single_quoted.prototxt"
    assert s.lr_policy == "multistep"
    assert s.base_lr == f32(1e-3)
    assert s.gamma == 0.5
    assert s.field("gamma").key_span == span(4, 16, 21)
    assert s.field("gamma").span == span(4, 23, 26)
    assert s.stepvalue == [100, 200, 300]
    assert len(s.field("stepvalue").spans) == 2
    assert s.value("solver_mode") == "GPU" and s.is_set("solver_mode")
    assert s.value("snapshot_format") == "HDF5"
    assert s.solver_type_name == "Adam"
    state = s.value("train_state")
    assert state.phase == 0 and state.level == 2 and list(state.stage) == ["a"]
    assert [list(t.stage) for t in s.value("test_state")] == [["b"]]
    assert s.value("random_seed") == -7
    assert s.clip_gradients == 10.0
    assert s.unknown_fields == [] and s.duplicate_fields == []


def test_bom_is_read_as_blank() -> None:
    s = read_solver(SourceText(path="b", text="\ufeffbase_lr: 2\n", has_bom=True))
    assert s.base_lr == 2.0
    assert s.field("base_lr").key_span == span(1, 2, 9)


# -- fork fields and typos -----------------------------------------------------


def test_unknown_fields_are_recorded_and_removed() -> None:
    s = fixture("unknown_fields.prototxt")
    found = [(u.name, u.span, u.text) for u in s.unknown_fields]
    assert found == [
        ("eval_type", span(8, 3, 25), 'eval_type: "detection"'),
        ("ap_version", span(9, 1, 22), 'ap_version: "11point"'),
        ("plateau_winsize", span(11, 1, 22), "plateau_winsize: 1000"),
        ("plateau_winsize", span(11, 23, 44), "plateau_winsize: 2000"),
        ("warmup_iter", span(12, 1, 17), "warmup_iter: 500"),
    ]
    # the rest of the file is read normally, on both sides of them
    assert s.lr_policy == "multistep"
    assert s.stepvalue == [80000, 100000]
    assert s.max_iter == 120000
    assert s.momentum == f32(0.9)
    assert s.weight_decay == f32(0.0005)
    assert s.field("momentum").key_span == span(10, 1, 9)


def test_unknown_block_field() -> None:
    s = solver_from("base_lr: 1\nwarmup { iters: 5 nested { a: 1 } }\nmax_iter: 9\n")
    [u] = s.unknown_fields
    assert u.name == "warmup" and u.span == span(2, 1, 36)
    assert s.max_iter == 9


def test_unknown_field_with_separator() -> None:
    s = solver_from("base_lr: 1; eval_type: 'x'; max_iter: 3\n")
    assert [u.name for u in s.unknown_fields] == ["eval_type"]
    assert s.unknown_fields[0].span == span(1, 13, 27)
    assert s.max_iter == 3


# -- duplicates --------------------------------------------------------------------


def test_duplicate_scalar_keeps_the_first() -> None:
    s = fixture("duplicate_base_lr.prototxt")
    [d] = s.duplicate_fields
    assert d.name == "base_lr"
    assert d.span == span(3, 1, 13)
    assert d.first_span == span(1, 1, 14)
    assert d.text == "base_lr: 0.1"
    assert s.base_lr == f32(0.01)
    assert s.field("base_lr").span == span(1, 10, 14)
    assert s.max_iter == 100


def test_duplicate_message_field() -> None:
    s = solver_from("train_state { level: 1 }\ntrain_state { level: 2 }\n")
    assert [d.name for d in s.duplicate_fields] == ["train_state"]
    assert s.value("train_state").level == 1


def test_repeated_fields_are_not_duplicates() -> None:
    s = solver_from("test_iter: 1\ntest_iter: 2\nweights: 'a.caffemodel'\nweights: 'b.caffemodel'\n")
    assert s.duplicate_fields == []
    assert s.value("test_iter") == [1, 2]
    assert s.value("weights") == ["a.caffemodel", "b.caffemodel"]


# -- inline nets -------------------------------------------------------------------


def test_inline_net_is_read_permissively() -> None:
    s = fixture("inline_net.prototxt")
    net = s.value("net_param")
    assert net.name == "tiny"
    assert [layer.name for layer in net.layer] == ["data"]
    assert net.layer[0].type == "Input"
    assert [layer.name for layer in net.layers] == ["old"]
    assert list(net.layers[0].blobs_lr) == [1.0, 2.0]
    assert s.field("net_param").span == span(3, 11, 2, end_line=20)
    assert s.max_iter == 10
    assert s.message.net_param.name == "tiny"


def test_inline_test_nets_repeat() -> None:
    s = solver_from("test_net_param { name: 'a' }\ntest_net_param { name: 'b' }\ntrain_net_param { name: 'c' }\n")
    assert [n.name for n in s.value("test_net_param")] == ["a", "b"]
    assert s.value("train_net_param").name == "c"


def test_malformed_inline_net_reports_its_position() -> None:
    with pytest.raises(InputError) as info:
        solver_from('base_lr: 1\nnet_param {\n  layer { name: "a" bottom: 3a }\n}\n')
    assert (info.value.line, info.value.column) == (3, 29)


# -- malformed input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, line, column",
    [
        ("bad_number.prototxt", 3, 8),  # 'gamma: abc': the value token
        ("unbalanced.prototxt", 2, 1),  # a stray '}'
        ("truncated.prototxt", 4, 10),  # ends inside train_state {, after '"a"'
    ],
)
def test_malformed_fixture(name: str, line: int, column: int) -> None:
    with pytest.raises(InputError) as info:
        fixture(name)
    error = info.value
    assert (error.line, error.column) == (line, column)
    assert error.path.endswith(name)
    assert str(error).startswith(f"{error.path}:{line}:{column}: ")


@pytest.mark.parametrize(
    "text, line, column",
    [
        ("base_lr: abc\n", 1, 10),
        ('base_lr: 0.1\nlr_policy: "st', 2, 12),  # string missing its closing quote
        ("base_lr 0.1\n", 1, 9),  # ':' is required before a scalar
        ("max_iter: 1.5\n", 1, 11),  # int32 field
        ("solver_mode: TPU\n", 1, 14),  # unknown enum name
        ("stepvalue: [1, 2\n", 2, 1),  # unclosed list: reported at the end of the file
        ("\x08d\x12\x03abc", 1, 1),  # binary (a solverstate) decoded as text
    ],
)
def test_malformed_text(text: str, line: int, column: int) -> None:
    with pytest.raises(InputError) as info:
        solver_from(text)
    assert (info.value.line, info.value.column) == (line, column)
    assert "\x08" not in str(info.value)


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.solverstate"
    path.write_bytes(b"\x08\x64\x12\x00\x20\x00")
    with pytest.raises(InputError):
        read_solver(read_source(path))


def test_empty_file_reads_as_all_defaults() -> None:
    s = solver_from("# nothing but a comment\n")
    assert not any(f.explicit for f in s.fields.values())


@pytest.mark.parametrize("opening, closing", [("x {", "}"), ("x: [{", "}]")])
def test_deep_nesting_is_refused_before_protobuf_recurses(opening, closing):
    # 2,000 levels would exhaust Python's recursion in protobuf's text parser
    text = 'base_lr: 0.1\nlr_policy: "fixed"\nnet_param {' + opening * 2000 + closing * 2000 + "}\n"
    with pytest.raises(InputError, match="nested more than 64 levels deep") as info:
        solver_from(text)
    assert info.value.line == 3



def test_a_line_longer_than_64_kib_is_refused_before_protobuf_tokenizes_it():
    # found by tests/test_fuzz.py: protobuf's blank-skipping regex took about 160 bytes a character of a line
    # (a 1.8 MB line: 285 MiB); 65,536 characters are read, one more is refused at that column
    at_limit = "base_lr: 0.1\n# " + "x" * (65536 - 2) + "\nmax_iter: 10\n"
    assert solver_from(at_limit).fields["max_iter"].value == 10
    over = 'base_lr: 0.1\nlr_policy: "fixed"' + " " * (65536 - 17) + "\n"
    with pytest.raises(InputError, match="line 2 is 65537 characters long") as info:
        solver_from(over)
    assert (info.value.line, info.value.column) == (2, 65537)


# -- bytes that are not UTF-8 (found by tests/test_fuzz.py) ---------------------------------------------


def decoded(data: bytes) -> SourceText:
    return decode_source(data, "s.prototxt")


def test_a_byte_that_is_not_utf8_in_an_enum_value_is_one_located_error():
    # protobuf's tokenizer rejects a byte >= 0x80 outside a string ("Interpreting non ascii codepoint 128.");
    # Python's text_format raised a SystemError on it here
    with pytest.raises(InputError) as caught:
        read_solver(decoded(b'base_lr: 0.01\nlr_policy: "step"\nsolver_mode: \x80GPU\n'))
    assert (caught.value.line, caught.value.column) == (3, 14)
    assert "byte 0x80 is not UTF-8" in caught.value.format()


def test_a_byte_that_is_not_utf8_in_a_string_is_located_and_a_comment_is_read_past():
    with pytest.raises(InputError) as caught:
        read_solver(decoded(b'base_lr: 0.01\nlr_policy: "st\xe9p"\n'))
    assert (caught.value.line, caught.value.column) == (2, 15)
    assert "a string value holds byte 0xe9" in caught.value.format()
    solver = read_solver(decoded(b'base_lr: 0.01  # caf\xe9\nlr_policy: "fixed"\n'))
    assert solver.base_lr == pytest.approx(0.01)
# -- the SSD fork (--caffe-fork ssd): its own schema


def ssd_fixture(name: str) -> CaffeSolver:
    return read_solver(read_source(FIXTURES / name), "ssd")


@pytest.mark.parametrize("name", ["ssd_pascal_solver.prototxt", "ssd_score_coco_solver.prototxt",
                                  "ssd_pascal_resnet_solver.prototxt", "ssd_plateau.prototxt"])
def test_ssd_solvers_read_as_ssd_have_no_unknown_field(name):
    solver = ssd_fixture(name)
    assert solver.dialect == "ssd" and solver.unknown_fields == []


def test_ssd_fields_are_read_with_values_and_positions():
    solver = ssd_fixture("ssd_plateau.prototxt")
    assert solver.value("eval_type") == "detection" and solver.value("ap_version") == "11point"
    assert solver.value("show_per_class_result") is True
    assert solver.value("plateau_winsize") == [10000, 20000, 20000]
    assert [s.line for s in solver.field("plateau_winsize").spans] == [8, 9, 10]
    assert solver.field("eval_type").span == Span(15, 12, 15, 23)


def test_ssd_defaults_are_the_forks():
    solver = read_solver(SourceText("s.prototxt", 'base_lr: 0.1\nlr_policy: "fixed"\n', False), "ssd")
    assert solver.value("eval_type") == "classification" and not solver.is_set("eval_type")
    assert solver.value("ap_version") == "Integral"
    assert "layer_wise_reduce" not in solver.fields and "weights" not in solver.fields


def test_the_same_file_read_as_bvlc_lists_the_ssd_fields_as_unknown():
    solver = fixture("ssd_pascal_solver.prototxt")
    assert solver.dialect == "bvlc"
    assert [(u.name, u.span.line) for u in solver.unknown_fields] == [("eval_type", 27), ("ap_version", 28)]
    assert solver.value("stepvalue") == [80000, 100000, 120000]  # the rest is read


def test_bvlc_weights_field_is_unknown_to_ssd():
    solver = read_solver(SourceText("s.prototxt", 'base_lr: 0.1\nweights: "a.caffemodel"\n', False), "ssd")
    assert [u.name for u in solver.unknown_fields] == ["weights"]


def test_ssd_errors_name_caffe_solver_parameter_as_the_fork_does():
    with pytest.raises(InputError) as raised:
        read_solver(SourceText("s.prototxt", "solver_mode: TPU\n", False), "ssd")
    assert '"caffe.SolverParameter.SolverMode"' in raised.value.format()
    assert "caffe.ssd" not in raised.value.format()
