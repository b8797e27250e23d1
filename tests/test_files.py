"""atomic_write, atomic_output: the mode a plain open() gives, no temporary file left, no overwrite without force."""

from __future__ import annotations

import os
import stat

import pytest

from cfgtools.files import WriteRefused, atomic_output, atomic_write


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def leftovers(directory) -> list[str]:
    return [name for name in os.listdir(directory) if name.startswith(".cfgtools-")]


def test_new_file_gets_0666_less_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write(str(tmp_path / "a.json"), "{}\n")
    finally:
        os.umask(old)
    assert mode(tmp_path / "a.json") == 0o640  # 0666 & ~0027


def test_force_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    target = tmp_path / "run.sh"
    target.write_text("old\n")
    target.chmod(0o755)
    with pytest.raises(WriteRefused, match="already exists"):
        atomic_write(str(target), "new\n")
    atomic_write(str(target), "new\n", force=True)
    assert target.read_text() == "new\n" and mode(target) == 0o755
    assert leftovers(tmp_path) == []


def test_undecodable_bytes_of_an_input_are_written_back_as_they_were(tmp_path):
    text = b"policy=st\xc3eps\n".decode("utf-8", errors="surrogateescape")
    atomic_write(str(tmp_path / "x.cfg"), text)
    assert (tmp_path / "x.cfg").read_bytes() == b"policy=st\xc3eps\n"


def test_a_failed_or_interrupted_write_leaves_nothing(tmp_path, monkeypatch):
    def fail_fsync(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", fail_fsync)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(str(tmp_path / "a.txt"), "x")
    assert leftovers(tmp_path) == [] and not (tmp_path / "a.txt").exists()
    with pytest.raises(WriteRefused, match="cannot write"):
        atomic_write(str(tmp_path / "missing-dir" / "a.txt"), "x")


def test_atomic_output_appears_whole_or_not_at_all(tmp_path):
    target = tmp_path / "rows.csv"
    with atomic_output(str(target)) as handle:
        handle.write(b"a,b\n")
        assert not target.exists() and len(leftovers(tmp_path)) == 1  # written beside it, renamed at the end
        handle.write(b"1,2\n")
    assert target.read_bytes() == b"a,b\n1,2\n" and leftovers(tmp_path) == []
    with pytest.raises(ValueError):
        with atomic_output(str(tmp_path / "broken.csv")) as handle:
            handle.write(b"a,b\n")
            raise ValueError("the input broke halfway")
    assert not (tmp_path / "broken.csv").exists() and leftovers(tmp_path) == []
    with pytest.raises(WriteRefused, match="already exists"):
        with atomic_output(str(target)):
            pass
