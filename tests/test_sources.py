"""Reading input files: only regular files, bounded size, one clean line for everything else."""

from __future__ import annotations

import os

import pytest

from cfgtools.errors import InputError
from cfgtools.sources import MAX_BYTES, read_source


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.cfg"
    os.mkfifo(fifo)  # opening it for reading would block until a writer comes
    with pytest.raises(InputError, match="is a FIFO, not a config file"):
        read_source(fifo)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero on this system")
def test_a_device_is_refused_before_reading():
    with pytest.raises(InputError, match="is a character device, not a config file"):
        read_source("/dev/zero")


def test_directory_missing_and_too_large(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        read_source(tmp_path)
    with pytest.raises(InputError, match="no such file"):
        read_source(tmp_path / "absent.cfg")
    big = tmp_path / "big.cfg"
    big.write_bytes(b"#" * (MAX_BYTES + 1))
    with pytest.raises(InputError, match="too large for a config file"):
        read_source(big)


def test_binary_file_names_the_nul_byte(tmp_path):
    path = tmp_path / "x.cfg"
    path.write_bytes(b"[net]\nbatch=6\x004\n")
    with pytest.raises(InputError) as info:
        read_source(path)
    assert (info.value.line, info.value.column) == (2, 8)
