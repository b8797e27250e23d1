"""schemas/caffe.proto against the committed caffe_pb2 and the reference table."""

from __future__ import annotations

import ast
import csv
import math
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from cfgtools.caffe import caffe_pb2

REPO = Path(__file__).resolve().parents[2]
GENERATED = REPO / "cfgtools" / "caffe" / "caffe_pb2.py"


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


def test_committed_module_matches_schema(tmp_path: Path) -> None:
    pytest.importorskip("grpc_tools", reason="grpcio-tools (test extra) is not installed")
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", "-Ischemas", f"--python_out={tmp_path}", "schemas/caffe.proto"],
        cwd=REPO,
        check=True,
    )
    fresh = _serialized_descriptor(tmp_path / "caffe_pb2.py")
    committed = _serialized_descriptor(GENERATED)
    assert committed == fresh, (
        "cfgtools/caffe/caffe_pb2.py is stale; regenerate it with: "
        "python -m grpc_tools.protoc -Ischemas --python_out=cfgtools/caffe schemas/caffe.proto"
    )


def test_schema_header_documents_regeneration() -> None:
    command = "python -m grpc_tools.protoc -Ischemas --python_out=cfgtools/caffe schemas/caffe.proto"
    assert command in (REPO / "schemas" / "caffe.proto").read_text()
    assert command in (REPO / "cfgtools" / "caffe" / "__init__.py").read_text()


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
