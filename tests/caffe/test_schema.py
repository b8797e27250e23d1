"""schemas/caffe.proto and schemas/caffe_ssd.proto against the committed modules, the reference table and each other."""

from __future__ import annotations

import ast
import csv
import math
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from cfgtools.caffe import caffe_pb2, caffe_ssd_pb2
from cfgtools.caffe.schema import fork_fields, forks_with_field, solver_fields

REPO = Path(__file__).resolve().parents[2]
#: schema -> the module generated from it
GENERATED = {
    "caffe.proto": REPO / "cfgtools" / "caffe" / "caffe_pb2.py",
    "caffe_ssd.proto": REPO / "cfgtools" / "caffe" / "caffe_ssd_pb2.py",
}
REGENERATE = ("python -m grpc_tools.protoc -Ischemas --python_out=cfgtools/caffe schemas/caffe.proto "
              "schemas/caffe_ssd.proto")


def _serialized_descriptor(module_path: Path) -> bytes:
    """The FileDescriptorProto bytes a generated module registers."""
    tree = ast.parse(module_path.read_text())
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "AddSerializedFile"
        ):
            return ast.literal_eval(node.args[0])
    raise AssertionError(f"no AddSerializedFile call in {module_path.name}")


def test_committed_modules_match_schemas(tmp_path: Path) -> None:
    pytest.importorskip("grpc_tools", reason="grpcio-tools (test extra) is not installed")
    # exactly the documented command, into a scratch folder
    arguments = REGENERATE.split()[1:]
    arguments[arguments.index("--python_out=cfgtools/caffe")] = f"--python_out={tmp_path}"
    subprocess.run([sys.executable, *arguments], cwd=REPO, check=True)
    for schema, committed in GENERATED.items():
        fresh = _serialized_descriptor(tmp_path / committed.name)
        assert _serialized_descriptor(committed) == fresh, (
            f"cfgtools/caffe/{committed.name} is stale against schemas/{schema}; regenerate both with: {REGENERATE}"
        )


def test_schema_headers_document_regeneration() -> None:
    for schema in GENERATED:
        assert REGENERATE in (REPO / "schemas" / schema).read_text(), schema
    assert REGENERATE in (REPO / "cfgtools" / "caffe" / "__init__.py").read_text()
    assert REGENERATE in (REPO / "README.md").read_text()


def test_solver_parameter_uses_every_number_1_to_42() -> None:
    numbers = sorted(f.number for f in caffe_pb2.SolverParameter.DESCRIPTOR.fields)
    assert numbers == list(range(1, 43))


_SCALAR_TYPES = {
    "string": "TYPE_STRING",
    "int32": "TYPE_INT32",
    "int64": "TYPE_INT64",
    "float": "TYPE_FLOAT",
    "double": "TYPE_DOUBLE",
    "bool": "TYPE_BOOL",
}


def _float32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _check_row(row: dict[str, str]) -> None:
    from google.protobuf.descriptor import FieldDescriptor as FD

    message = getattr(caffe_pb2, row["message"]).DESCRIPTOR
    fd = message.fields_by_name.get(row["field"])
    where = f"{row['message']}.{row['field']}"
    assert fd is not None, f"{where} missing"
    assert fd.number == int(row["number"]), where
    assert ("repeated" if fd.is_repeated else "optional") == row["label"], where

    kind = row["type"]
    if kind.startswith("enum "):
        assert fd.type == FD.TYPE_ENUM, where
        name, _, values = kind[len("enum ") :].partition("{")
        assert fd.enum_type.name == name, where
        expected = {k: int(v) for k, v in (item.split("=") for item in values.rstrip("}").split(","))}
        assert {v.name: v.number for v in fd.enum_type.values} == expected, where
    elif kind.startswith("message "):
        assert fd.type == FD.TYPE_MESSAGE, where
        assert fd.message_type.name == kind[len("message ") :], where
    else:
        assert fd.type == getattr(FD, _SCALAR_TYPES[kind]), where

    default = row["default"].strip()
    if not default:
        assert fd.is_repeated, where
        return
    value, _, how = default.rpartition(" ")
    assert how in ("(explicit)", "(implicit)"), where
    assert fd.has_default_value == (how == "(explicit)"), where
    if value == "(unset message)":
        assert fd.type == FD.TYPE_MESSAGE, where
    elif fd.type == FD.TYPE_ENUM:
        assert fd.enum_type.values_by_number[fd.default_value].name == value, where
    elif fd.type == FD.TYPE_STRING:
        assert fd.default_value == value.strip('"'), where
    elif fd.type == FD.TYPE_BOOL:
        assert fd.default_value is {"true": True, "false": False}[value], where
    elif fd.type == FD.TYPE_FLOAT:
        assert math.isclose(fd.default_value, _float32(float(value)), rel_tol=1e-7), where
    else:
        assert fd.default_value == int(value), where


def test_every_reference_row_matches(reference_dir: Path) -> None:
    table = reference_dir / "caffe_solver_fields.tsv"
    if not table.is_file():
        pytest.skip("caffe_solver_fields.tsv is absent")
    with table.open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    checked = {row["message"] for row in rows}
    assert {"SolverParameter", "SolverState"} <= checked
    assert sum(row["message"] == "SolverParameter" for row in rows) == 42
    for row in rows:
        _check_row(row)


def test_key_defaults_without_the_table() -> None:
    """The defaults most easily got wrong, stated independently of the table."""
    fields = caffe_pb2.SolverParameter.DESCRIPTOR.fields_by_name
    assert not fields["base_lr"].has_default_value
    assert fields["solver_mode"].default_value == 1  # GPU
    assert fields["regularization_type"].default_value == "L2"
    assert fields["type"].default_value == "SGD"
    assert fields["random_seed"].default_value == -1
    assert fields["random_seed"].type == fields["random_seed"].TYPE_INT64
    assert fields["iter_size"].default_value == 1
    assert fields["average_loss"].default_value == 1
    assert fields["clip_gradients"].default_value == -1.0
    state = caffe_pb2.SolverState.DESCRIPTOR.fields_by_name
    assert [state[n].number for n in ("iter", "learned_net", "history", "current_step")] == [1, 2, 3, 4]
    assert state["current_step"].has_default_value


# -- the SSD fork's schema (weiliu89/caffe, branch ssd, src/caffe/proto/caffe.proto)


def _numbers(message) -> dict[str, int]:
    return {f.name: f.number for f in message.DESCRIPTOR.fields}


def test_ssd_solver_parameter_is_bvlc_with_its_own_fields_41_to_44() -> None:
    bvlc, ssd = _numbers(caffe_pb2.SolverParameter), _numbers(caffe_ssd_pb2.SolverParameter)
    assert {k: v for k, v in bvlc.items() if v <= 40} == {k: v for k, v in ssd.items() if v <= 40}
    assert {k: v for k, v in ssd.items() if v > 40} == {
        "eval_type": 41, "ap_version": 42, "plateau_winsize": 43, "show_per_class_result": 44,
    }
    fields = caffe_ssd_pb2.SolverParameter.DESCRIPTOR.fields_by_name
    assert fields["eval_type"].default_value == "classification"
    assert fields["ap_version"].default_value == "Integral"
    assert fields["show_per_class_result"].default_value is False
    assert fields["plateau_winsize"].is_repeated and fields["plateau_winsize"].type == fields["stepvalue"].type


def test_ssd_solver_state_adds_minimum_loss_and_iter_last_event() -> None:
    state = caffe_ssd_pb2.SolverState.DESCRIPTOR.fields_by_name
    assert _numbers(caffe_ssd_pb2.SolverState) == {**_numbers(caffe_pb2.SolverState),
                                                   "minimum_loss": 5, "iter_last_event": 6}
    assert state["minimum_loss"].default_value == pytest.approx(1e38, rel=1e-7)
    assert state["iter_last_event"].default_value == 0


def test_fork_fields_come_from_the_schemas() -> None:
    assert fork_fields() == {
        "ap_version": ("ssd",), "eval_type": ("ssd",), "plateau_winsize": ("ssd",),
        "show_per_class_result": ("ssd",), "layer_wise_reduce": ("bvlc",), "weights": ("bvlc",),
    }
    assert forks_with_field("base_lr") == ("bvlc", "ssd")
    assert forks_with_field("warmup_iter") == ()
    assert "eval_type" in solver_fields("ssd") and "eval_type" not in solver_fields("bvlc")
