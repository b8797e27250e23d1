"""Writing a command's report to a terminal or pipe whatever its encoding, and its figures to files."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from cfgtools.files import WriteRefused, atomic_write
from cfgtools.values import one_line, printable


def write_text(stream, text: str) -> None:
    """Write ``text`` whatever the stream's encoding (``PYTHONIOENCODING=ascii``): what it cannot encode is
    written as a backslash escape rather than ending the run."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = stream.encoding or "utf-8"
        stream.write(text.encode(encoding, errors="backslashreplace").decode(encoding))
    stream.flush()


def write_data(stream, text: str) -> None:
    """Write text that carries a file's own bytes (a diff to apply with ``patch``) as those bytes.

    The readers decode a byte that is not UTF-8 as a lone surrogate (``surrogateescape``); it goes out as
    that byte where the stream has a binary buffer, else as a backslash escape.
    """
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        write_text(stream, text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace"))
        return
    stream.flush()
    buffer.write(text.encode("utf-8", errors="surrogateescape"))
    buffer.flush()


def save_figure(figure, path: str, force: bool) -> int:
    """Write a matplotlib ``figure`` to ``path`` in the format its suffix names (atomically; over an existing
    file only with ``force``), close it and print the path: exit code 0, or 2 with one line when refused."""
    import matplotlib.pyplot as plt  # lazy: matplotlib is an optional extra, loaded by the caller already

    image = io.BytesIO()
    try:
        figure.savefig(image, format=Path(path).suffix.lower().lstrip("."))
        atomic_write(path, image.getvalue(), force=force)
    except WriteRefused as exc:
        print(f"cfgtools plot: {one_line(str(exc))}", file=sys.stderr)
        return 2
    finally:
        plt.close(figure)
    print(printable(path))
    return 0
