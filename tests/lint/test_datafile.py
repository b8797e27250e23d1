"""darknet .data files and the lists they name, read as read_data_cfg and get_paths read them."""

from __future__ import annotations

import os

import pytest

from cfgtools.errors import InputError
from cfgtools.lint.datafile import count_lines, read_data_file


def test_options_as_read_data_cfg_reads_them(tmp_path):
    data = tmp_path / "obj.data"
    data.write_text(
        "# comment\n; also\nclasses = 2\r\n"
        "names = data/obj names.txt\n"  # strip() removes the blank inside the path too
        "classes=80\n"  # option_find returns the first: 2
        "valid=\n"  # nothing after '=': dropped
        "backup\n"  # no '=': a key without a value
        "eval=coco=x\n"  # split at the first '='
    )
    options = read_data_file(str(data))
    assert options.classes == 2 and options.line("classes") == 3
    assert options.get("names") == "data/objnames.txt"
    assert options.get("valid") is None and "valid" not in options.options
    assert options.options["backup"] == (None, 7)
    assert options.get("eval") == "coco=x"


def test_classes_is_read_with_atoi(tmp_path):
    data = tmp_path / "obj.data"
    data.write_text("classes=2e1\n")
    assert read_data_file(str(data)).classes == 2


@pytest.mark.parametrize("text, lines, filled", [
    (b"", 0, 0),
    (b"cat\ndog\n", 2, 2),
    (b"cat\ndog", 2, 2),  # a last line without a newline counts
    (b"cat\ndog\n\n", 3, 2),  # fgetl returns the empty line: darknet counts it
    (b"cat\n  \ndog\r\n", 3, 2),
    (b"\n" * 5, 5, 0),
])
def test_count_lines_as_get_paths_counts_them(tmp_path, text, lines, filled):
    path = tmp_path / "obj.names"
    path.write_bytes(text)
    counted = count_lines(str(path), "names file")
    assert (counted.lines, counted.filled) == (lines, filled)


def test_count_lines_across_chunks(tmp_path):
    path = tmp_path / "train.txt"
    line = b"data/img/" + b"x" * 1000 + b".jpg\n"
    path.write_bytes(line * 3000)  # about 3 MB: several 1 MiB chunks, lines split between them
    assert count_lines(str(path), "list").lines == 3000


def test_special_files_are_refused(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):
        read_data_file(str(fifo))
    with pytest.raises(InputError, match="character device"):
        count_lines("/dev/zero", "list of training images")
    binary = tmp_path / "obj.data"
    binary.write_bytes(b"classes=2\0")
    with pytest.raises(InputError, match="binary"):
        read_data_file(str(binary))
