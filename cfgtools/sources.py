"""Read a config file from disk and tell which framework it belongs to.

Everything that touches raw bytes lives here: size and binary checks, the
UTF-8 decoding (undecodable bytes survive as surrogates so a rewrite gives the
same bytes back), and the recognition of darknet cfgs versus Caffe solvers.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cfgtools.errors import InputError

#: Larger inputs are refused: real configs are a few hundred KiB at most.
MAX_BYTES = 64 * 1024 * 1024
UTF8_BOM = "\ufeff"

Kind = Literal["darknet", "caffe-solver"]


@dataclass(frozen=True)
class SourceText:
    path: str
    text: str  # decoded with surrogateescape; a BOM stays as U+FEFF
    has_bom: bool


def read_bytes(path: str | os.PathLike[str], what: str = "config file", limit: int = MAX_BYTES) -> bytes:
    """The first ``limit`` bytes of ``path`` (one more, to tell a larger file), or :class:`InputError`."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            return handle.read(limit + 1)
    except IsADirectoryError:
        raise InputError(f"is a directory, not a {what}", name) from None
    except FileNotFoundError:
        raise InputError("no such file", name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", name) from None


def read_source(path: str | os.PathLike[str]) -> SourceText:
    """Read ``path`` as text, or raise :class:`InputError` (one clean line)."""
    return decode_source(read_bytes(path), str(path))


def decode_source(data: bytes, path: str) -> SourceText:
    if len(data) > MAX_BYTES:
        raise InputError(f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB; not a config file", path)
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        column = nul - (data.rfind(b"\n", 0, nul) + 1) + 1
        raise InputError("binary file (NUL byte); not a text config", path, line, column)
    text = data.decode("utf-8", errors="surrogateescape")
    return SourceText(path=path, text=text, has_bom=text.startswith(UTF8_BOM))


_DARKNET_FIRST = re.compile(r"\[[ \t\r]*(net|network)[ \t\r]*\]")
_SECTION = re.compile(r"\[[^\]\n]*\]")
_PROTO_FIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(:|\{)")
#: Fields that only a Caffe SolverParameter has (a NetParameter has name/layer/input...).
_SOLVER_MARKERS = frozenset(
    {
        "base_lr", "lr_policy", "max_iter", "train_net", "test_net", "net", "solver_mode",
        "snapshot_prefix", "stepsize", "stepvalue", "test_iter", "test_interval", "momentum",
        "weight_decay", "solver_type", "iter_size", "display", "gamma", "power", "type",
    }
)


def _first_content_line(text: str) -> str | None:
    for raw in text.lstrip(UTF8_BOM).split("\n"):
        line = raw.strip(" \t\r")
        if line and line[0] not in "#;":
            return line
    return None


def detect_kind(source: SourceText) -> Kind | None:
    """Recognise the framework from the content, not the file name.

    A darknet cfg starts (after comments and blank lines) with ``[net]`` or
    ``[network]``; any other first ``[section]`` is not darknet. A Caffe
    solver is protobuf text whose first field is one a SolverParameter has.
    """
    first = _first_content_line(source.text)
    if first is None:
        return None
    match = _PROTO_FIELD.match(first)
    if match and match.group(1) in _SOLVER_MARKERS:
        return "caffe-solver"
    # darknet: the first [section] is [net]/[network], possibly after stray options
    # (which make darknet crash: the linter must still see such a file)
    header = _first_section(source.text)
    if header is not None and _DARKNET_FIRST.match(header.replace(" ", "")):
        return "darknet"
    return None


def _first_section(text: str) -> str | None:
    for raw in text.lstrip(UTF8_BOM).split("\n"):
        line = raw.strip(" \t\r")
        if line.startswith("["):
            return line
    return None


def describe_kind(source: SourceText) -> str:
    """Why a file was not recognised, for the one-line error."""
    first = _first_content_line(source.text)
    if first is None:
        return "empty file: not a darknet cfg or a Caffe solver"
    if _SECTION.match(first):
        return (
            f"not a darknet config: it starts with {first[:40]!r}, "
            "and a darknet cfg starts with [net] or [network]"
        )
    return "not a darknet config or a Caffe solver prototxt"


def suffix(path: str) -> str:
    return Path(path).suffix.lower()
