"""read_solverstate on bytes written by hand from the SolverState wire layout."""

from __future__ import annotations

import os
import struct
import tracemalloc
from pathlib import Path

import pytest

from cfgtools.caffe.solverstate import parse_solverstate, read_solverstate
from cfgtools.errors import InputError

CHECKPOINTS = Path(__file__).resolve().parents[2] / "fixtures" / "checkpoints"

# BlobProto { shape { dim: 2 } data: [1.0, 2.0] }, written by hand:
#   0x3a = field 7 (shape), length-delimited; BlobShape: 0x0a = field 1 packed, 1 byte, dim 2
#   0x2a = field 5 (data), packed, 8 bytes of float32
BLOB = b"\x3a\x03\x0a\x01\x02" + b"\x2a\x08" + struct.pack("<2f", 1.0, 2.0)
HISTORY = b"\x1a" + bytes([len(BLOB)]) + BLOB  # 0x1a = field 3, length-delimited


def varint(value: int) -> bytes:
    """Protobuf's base-128 varint: 7 bits a byte, low bits first, high bit set on all but the last."""
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def write(tmp_path: Path, data: bytes, name: str = "x_iter_1.solverstate") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_iter_only(tmp_path: Path) -> None:
    info = read_solverstate(write(tmp_path, b"\x08\x64"))  # field 1 varint = 100
    assert info.iter == 100
    assert info.current_step == 0 and not info.has_current_step
    assert info.learned_net == "" and info.history_blobs == 0


def test_fixture_with_multibyte_varint() -> None:
    # 45000 = 72 + 95*128 + 2*128**2 -> varint c8 df 02; current_step 2 -> 20 02
    info = read_solverstate(CHECKPOINTS / "lenet_iter_45000.solverstate")
    assert info.iter == 45000
    assert info.learned_net == "lenet_iter_45000.caffemodel"
    assert info.current_step == 2 and info.has_current_step


def test_history_blobs_are_skipped(tmp_path: Path) -> None:
    net = b"snap/x_iter_300.caffemodel"
    data = b"\x08\xac\x02" + b"\x12" + bytes([len(net)]) + net + HISTORY * 4 + b"\x20\x00"  # 300 = 44 + 2*128
    info = read_solverstate(write(tmp_path, data))
    assert info.iter == 300
    assert info.learned_net == net.decode()
    assert info.history_blobs == 4
    assert info.current_step == 0 and info.has_current_step


def test_negative_int32_is_a_ten_byte_varint() -> None:
    info = parse_solverstate(b"\x08" + b"\xff" * 9 + b"\x01")
    assert info.iter == -1


def test_ssd_extra_fields_are_skipped() -> None:
    # field 5 fixed32 (tag 0x2d) minimum_loss, field 6 varint (tag 0x30) iter_last_event
    data = b"\x08\x0a" + b"\x2d" + struct.pack("<f", 1e38) + b"\x30\x07" + b"\x20\x01"
    info = parse_solverstate(data)
    assert (info.iter, info.current_step) == (10, 1)


def test_agrees_with_protobuf() -> None:
    from cfgtools.caffe import caffe_pb2

    state = caffe_pb2.SolverState(iter=123456, learned_net="a.caffemodel", current_step=3)
    state.history.add().data.extend([0.5, 0.25])
    info = parse_solverstate(state.SerializeToString())
    assert (info.iter, info.learned_net, info.current_step, info.history_blobs) == (123456, "a.caffemodel", 3, 1)


@pytest.mark.parametrize(
    "data, column",
    [
        (b"\x08", 2),  # tag, then nothing: the varint starts at byte 1
        (b"\x08\xc8\xdf", 2),  # varint cut after two continuation bytes
        (b"\x08\x64\x12\x05ab", 5),  # learned_net announces 5 bytes, 2 left (payload starts at byte 4)
        (b"\x08\x64" + HISTORY[:-3], 5),  # history blob cut short (tag at 2, length at 3, payload at 4)
        (b"\x0a\x00", 1),  # field 1 with wire type 2
        (b"\x08\x64\x0b", 3),  # wire type 3 (group) is not used by Caffe
    ],
)
def test_malformed(tmp_path: Path, data: bytes, column: int) -> None:
    with pytest.raises(InputError) as info:
        read_solverstate(write(tmp_path, data))
    assert info.value.line == 1 and info.value.column == column
    assert f"byte {column - 1}" in info.value.message


def test_empty_and_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        read_solverstate(write(tmp_path, b""))
    with pytest.raises(InputError, match="no such file"):
        read_solverstate(tmp_path / "absent.solverstate")
    with pytest.raises(InputError, match="no iter"):
        read_solverstate(write(tmp_path, b"\x20\x01"))


def test_hdf5_is_refused_clearly(tmp_path: Path) -> None:
    path = write(tmp_path, b"\x89HDF\r\n\x1a\n" + b"\0" * 16, "x_iter_1.solverstate.h5")
    with pytest.raises(InputError, match="HDF5 solver snapshots .* not supported yet"):
        read_solverstate(path)
    # the magic alone is enough, whatever the name
    with pytest.raises(InputError, match="HDF5"):
        read_solverstate(write(tmp_path, b"\x89HDF\r\n\x1a\n", "renamed.solverstate"))


def test_no_protobuf_import_until_a_solver_is_read() -> None:
    import subprocess
    import sys

    code = (
        "import sys, cfgtools.caffe, cfgtools.caffe.solverstate, cfgtools.caffe.solver;"
        "print('google.protobuf' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_huge_sparse_snapshot_is_read_by_seeking_past_the_history(tmp_path: Path) -> None:
    # iter 45000, one 3 GiB history blob that is a hole in the file, then current_step 3:
    # reading it must not load the blob (tracemalloc sees the reader's own allocations)
    path = tmp_path / "big.solverstate"
    blob = 3 * 1024**3
    with open(path, "wb") as handle:
        handle.write(b"\x08" + varint(45000) + b"\x1a" + varint(blob))
        handle.seek(blob, 1)
        handle.write(b"\x20" + varint(3))
    tracemalloc.start()
    state = read_solverstate(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert (state.iter, state.current_step, state.history_blobs) == (45000, 3, 1)
    assert peak < 1024 * 1024


def test_devices_and_fifos_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "x.solverstate"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is a FIFO"):
        read_solverstate(fifo)


def test_ssd_fields_minimum_loss_and_iter_last_event():
    # SSD's SolverState: minimum_loss = 5 (float, wire type 5: tag 0x2d) and iter_last_event = 6 (varint: 0x30)
    data = (b"\x08" + varint(3000) + b"\x12\x03m.c" + HISTORY + b"\x20\x02"
            + b"\x2d" + struct.pack("<f", 1.25) + b"\x30" + varint(2500))
    info = parse_solverstate(data)
    assert (info.iter, info.current_step, info.history_blobs) == (3000, 2, 1)
    assert info.minimum_loss == 1.25  # exact in float32
    assert info.iter_last_event == 2500


def test_bvlc_snapshot_has_no_ssd_fields():
    info = parse_solverstate(b"\x08\x64\x20\x00")
    assert info.minimum_loss is None and info.iter_last_event is None


def test_minimum_loss_with_the_wrong_wire_type_is_refused():
    with pytest.raises(InputError, match="field 5 has wire type 0"):
        parse_solverstate(b"\x08\x01\x28\x01")  # 0x28 = field 5 as a varint
