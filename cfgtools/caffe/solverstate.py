"""Read the iteration stored in a Caffe ``.solverstate`` snapshot.

A ``.solverstate`` is a binary ``caffe.SolverState`` message (see
``schemas/caffe.proto``): ``iter = 1`` (varint), ``learned_net = 2`` (string),
``history = 3`` (one length-delimited BlobProto per learnable parameter) and
``current_step = 4`` (varint). This module walks the protobuf wire format
itself (no protobuf import, the history blobs are skipped, never decoded), so
that every malformed or truncated file becomes an :class:`InputError` naming
the byte offset instead of a traceback. The SSD fork's ``minimum_loss = 5``
(float) and ``iter_last_event = 6`` (int32), which its ``plateau`` policy
restores, are read when present; other fields are skipped.

HDF5 snapshots (``.solverstate.h5``, ``snapshot_format: HDF5``) are refused
with a clear message: they are not supported yet.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass
from typing import BinaryIO

from cfgtools.errors import InputError
from cfgtools.sources import open_regular

#: More top-level fields than this are refused (a snapshot has a few per parameter blob).
MAX_FIELDS = 1_000_000
#: learned_net is a path; a longer one is skipped, not read
MAX_PATH_BYTES = 64 * 1024
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
    minimum_loss: float | None = None  # SSD fork: the smallest smoothed loss so far (None: not in the file)
    iter_last_event: int | None = None  # SSD fork: the iteration of the last plateau event


class _Reader:
    """Walks the wire format of a file, reading only tags, varints and the fields it keeps."""

    def __init__(self, handle: BinaryIO, size: int, path: str):
        self.handle = handle
        self.size = size
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
            byte = self.handle.read(1)
            if not byte:
                raise self.error("truncated varint", start)
            self.pos += 1
            result |= (byte[0] & 0x7F) << shift
            if not byte[0] & 0x80:
                return result
            shift += 7
            if shift >= 70:
                raise self.error("varint longer than 10 bytes", start)

    def _check(self, size: int, what: str) -> None:
        if size > self.size - self.pos:
            raise self.error(f"truncated {what} ({size} bytes announced, {self.size - self.pos} left)", self.pos)

    def take(self, size: int, what: str) -> bytes:
        self._check(size, what)
        data = self.handle.read(size)
        self.pos += size
        return data

    def skip(self, size: int, what: str) -> None:
        """Move past ``size`` bytes without reading them (history blobs can be gigabytes)."""
        self._check(size, what)
        self.handle.seek(size, 1)
        self.pos += size


def _int32(value: int) -> int:
    """A varint read into an int32 field (negatives are sign-extended to 64 bits)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def read_solverstate(path: str | os.PathLike[str]) -> SolverStateInfo:
    """Read iter, current_step and learned_net from a binary ``.solverstate``, skipping the history."""
    name = str(path)
    with open_regular(name, ".solverstate file") as handle:
        if handle.read(len(HDF5_MAGIC)) == HDF5_MAGIC or name.lower().endswith(".h5"):
            raise InputError(
                "HDF5 solver snapshots (.solverstate.h5, snapshot_format: HDF5) are not supported yet; "
                "snapshot with snapshot_format: BINARYPROTO",
                name,
            )
        handle.seek(0)
        return _parse(handle, os.fstat(handle.fileno()).st_size, name)


def parse_solverstate(data: bytes, path: str = "<solverstate>") -> SolverStateInfo:
    """Decode SolverState wire bytes (see :func:`read_solverstate`)."""
    return _parse(io.BytesIO(data), len(data), path)


def _parse(handle: BinaryIO, size: int, path: str) -> SolverStateInfo:
    if not size:
        raise InputError("empty file: not a Caffe .solverstate", path)
    reader = _Reader(handle, size, path)
    fields = 0
    iteration: int | None = None
    current_step = 0
    has_current_step = False
    learned_net = ""
    history = 0
    minimum_loss: float | None = None
    iter_last_event: int | None = None
    while reader.pos < size:
        fields += 1
        if fields > MAX_FIELDS:
            raise reader.error(f"more than {MAX_FIELDS} fields (a snapshot has one per parameter blob)")
        tag_at = reader.pos
        tag = reader.varint()
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise reader.error("field number 0", tag_at)
        expected = {1: _VARINT, 2: _LENGTH, 3: _LENGTH, 4: _VARINT, 5: _FIXED32, 6: _VARINT}.get(number)
        if expected is not None and wire != expected:
            raise reader.error(f"field {number} has wire type {wire}, expected {expected}", tag_at)
        if wire == _VARINT:
            value = reader.varint()
            if number == 1:
                iteration = _int32(value)
            elif number == 4:
                current_step = _int32(value)
                has_current_step = True
            elif number == 6:
                iter_last_event = _int32(value)
        elif wire == _LENGTH:
            length = reader.varint()
            if number == 2 and length <= MAX_PATH_BYTES:
                learned_net = reader.take(length, "learned_net").decode("utf-8", errors="surrogateescape")
            else:
                reader.skip(length, f"field {number}")
                history += number == 3
        elif wire == _FIXED64:
            reader.skip(8, f"field {number}")
        elif wire == _FIXED32 and number == 5:
            (minimum_loss,) = struct.unpack("<f", reader.take(4, "minimum_loss"))
        elif wire == _FIXED32:
            reader.skip(4, f"field {number}")
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
        minimum_loss=minimum_loss,
        iter_last_event=iter_last_event,
    )
