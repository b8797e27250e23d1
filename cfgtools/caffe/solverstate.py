"""Read the iteration stored in a Caffe ``.solverstate`` snapshot.

A ``.solverstate`` is a binary ``caffe.SolverState`` message (see
``schemas/caffe.proto``): ``iter = 1`` (varint), ``learned_net = 2`` (string),
``history = 3`` (one length-delimited BlobProto per learnable parameter) and
``current_step = 4`` (varint). This module walks the protobuf wire format
itself (no protobuf import, the history blobs are skipped, never decoded), so
that every malformed or truncated file becomes an :class:`InputError` naming
the byte offset instead of a traceback. Fields it does not know (the SSD
fork's ``minimum_loss = 5`` and ``iter_last_event = 6``) are skipped.

HDF5 snapshots (``.solverstate.h5``, ``snapshot_format: HDF5``) are refused
with a clear message: they are not supported yet.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cfgtools.errors import InputError
from cfgtools.sources import read_bytes

#: Larger snapshots are refused (a solverstate holds one history blob per
#: parameter; this leaves room for very large nets).
MAX_BYTES = 4 * 1024 * 1024 * 1024
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"

_VARINT, _FIXED64, _LENGTH, _START_GROUP, _END_GROUP, _FIXED32 = range(6)


@dataclass(frozen=True)
class SolverStateInfo:
    """What a resumed Caffe run takes from a snapshot (besides the history)."""

    iter: int  # completed updates; training resumes at this iteration
    current_step: int  # multistep/step index restored by Caffe (0 when absent)
    learned_net: str  # the .caffemodel path as written at snapshot time
    history_blobs: int = 0  # number of history BlobProtos (2N for AdaDelta/Adam)
    has_current_step: bool = False  # BVLC always writes it; absent -> 0


class _Reader:
    def __init__(self, data: bytes, path: str):
        self.data = data
        self.pos = 0
        self.path = path

    def error(self, message: str, at: int | None = None) -> InputError:
        offset = self.pos if at is None else at
        return InputError(f"not a valid Caffe .solverstate: {message} at byte {offset}", self.path, 1, offset + 1)

    def varint(self) -> int:
        start = self.pos
        result = 0
        shift = 0
        while True:
            if self.pos >= len(self.data):
                raise self.error("truncated varint", start)
            byte = self.data[self.pos]
            self.pos += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7
            if shift >= 70:
                raise self.error("varint longer than 10 bytes", start)

    def take(self, size: int, what: str) -> bytes:
        start = self.pos
        if size > len(self.data) - self.pos:
            raise self.error(f"truncated {what} ({size} bytes announced, {len(self.data) - self.pos} left)", start)
        self.pos += size
        return self.data[start : self.pos]


def _int32(value: int) -> int:
    """A varint read into an int32 field (negatives are sign-extended to 64 bits)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def _read_bytes(path: str) -> bytes:
    data = read_bytes(path, ".solverstate file", MAX_BYTES)
    if len(data) > MAX_BYTES:
        raise InputError("file is too large for a .solverstate", path)
    return data


def read_solverstate(path: str | os.PathLike[str]) -> SolverStateInfo:
    """Read iter, current_step and learned_net from a binary ``.solverstate``."""
    name = str(path)
    data = _read_bytes(name)
    if data.startswith(HDF5_MAGIC) or name.lower().endswith(".h5"):
        raise InputError(
            "HDF5 solver snapshots (.solverstate.h5, snapshot_format: HDF5) are not supported yet; "
            "snapshot with snapshot_format: BINARYPROTO",
            name,
        )
    return parse_solverstate(data, name)


def parse_solverstate(data: bytes, path: str = "<solverstate>") -> SolverStateInfo:
    """Decode SolverState wire bytes (see :func:`read_solverstate`)."""
    if not data:
        raise InputError("empty file: not a Caffe .solverstate", path)
    reader = _Reader(data, path)
    iteration: int | None = None
    current_step = 0
    has_current_step = False
    learned_net = ""
    history = 0
    while reader.pos < len(data):
        tag_at = reader.pos
        tag = reader.varint()
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise reader.error("field number 0", tag_at)
        expected = {1: _VARINT, 2: _LENGTH, 3: _LENGTH, 4: _VARINT}.get(number)
        if expected is not None and wire != expected:
            raise reader.error(f"field {number} has wire type {wire}, expected {expected}", tag_at)
        if wire == _VARINT:
            value = reader.varint()
            if number == 1:
                iteration = _int32(value)
            elif number == 4:
                current_step = _int32(value)
                has_current_step = True
        elif wire == _LENGTH:
            size = reader.varint()
            payload = reader.take(size, f"field {number}")
            if number == 2:
                try:
                    learned_net = payload.decode("utf-8")
                except UnicodeDecodeError:
                    learned_net = payload.decode("utf-8", errors="surrogateescape")
            elif number == 3:
                history += 1
        elif wire == _FIXED64:
            reader.take(8, f"field {number}")
        elif wire == _FIXED32:
            reader.take(4, f"field {number}")
        else:
            raise reader.error(f"unsupported wire type {wire} (field {number})", tag_at)
    if iteration is None:
        raise InputError("not a Caffe .solverstate: it has no iter field", path)
    return SolverStateInfo(
        iter=iteration,
        current_step=current_step,
        learned_net=learned_net,
        history_blobs=history,
        has_current_step=has_current_step,
    )
