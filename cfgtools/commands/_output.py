"""Writing a command's report to a terminal or pipe whatever its encoding."""

from __future__ import annotations


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
