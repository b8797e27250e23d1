"""A result cache for ``cfgtools lint``, as ruff keeps one: a file linted before with the same inputs is not linted again.

An entry is keyed by everything that can change a file's result: the
cfgtools version, the settings, the file's path and bytes, and the other
inputs of the run (the ``--previous`` config's bytes, the ``--resume-from``
checkpoint's size, modification time and first bytes); an entry also lists
the other files the result depends on (a YOLOv5 opt.yaml's hyp file) with
their bytes' hash, and is used only while they are unchanged. Only clean results
are kept (no read error, no internal error). A cache that is corrupt,
unreadable or read-only is ignored with one warning: it never changes a
result and never stops a run. Entries are written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cfgtools import __version__
from cfgtools.files import WriteRefused, atomic_write
from cfgtools.edits import TextEdit
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.settings import LintSettings
from cfgtools.positions import Span

#: the folder name when no cache-dir is set
CACHE_DIR_NAME = ".cfgtools_cache"
#: bumped when the entry format changes
FORMAT = 3
#: bytes of a checkpoint that go into the key, besides its size and modification time
CHECKPOINT_HEAD = 64


def _file_fingerprint(path: str, whole: bool) -> str:
    """The bytes of a small input, or the size, mtime and first bytes of a large one (a checkpoint)."""
    try:
        if whole:
            return hashlib.sha256(Path(path).read_bytes()).hexdigest()
        info = os.stat(path)
        with open(path, "rb") as handle:
            head = handle.read(CHECKPOINT_HEAD)
        return f"{info.st_size}:{info.st_mtime_ns}:{head.hex()}"
    except OSError as exc:
        return f"unreadable:{exc.errno}"


def run_key(settings: LintSettings) -> str:
    """What every file of a run shares in its key: the version, the settings and the other inputs."""
    parts = [f"cfgtools {__version__}", f"format {FORMAT}", settings.model_dump_json()]
    if settings.previous:
        parts.append("previous " + _file_fingerprint(settings.previous, whole=True))
    if isinstance(settings.resume_from, str):
        parts.append("checkpoint " + _file_fingerprint(settings.resume_from, whole=False))
    return hashlib.sha256("\n".join(parts).encode("utf-8", errors="surrogateescape")).hexdigest()


def _span(data: list[int] | None) -> Span | None:
    return None if data is None else Span(*data)


def _encode(diagnostic: Diagnostic) -> dict[str, Any]:
    span = diagnostic.span
    fix = diagnostic.fix
    return {
        "span": [span.line, span.column, span.end_line, span.end_column],
        "code": diagnostic.code,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "fix": None if fix is None else {
            "description": fix.description,
            "replacement": fix.replacement,
            "span": _span_list(fix.span),
            "edits": None if fix.edits is None else [[_span_list(e.span), e.content] for e in fix.edits],
            "applicability": None if fix.applicability is None else fix.applicability.value,
        },
    }


def _span_list(span: Span | None) -> list[int] | None:
    return None if span is None else [span.line, span.column, span.end_line, span.end_column]


def _decode(path: str, data: dict[str, Any]) -> Diagnostic:
    fix = data["fix"]
    return Diagnostic(
        path=path,
        span=Span(*data["span"]),
        code=data["code"],
        severity=Severity(data["severity"]),
        message=data["message"],
        fix=None if fix is None else Fix(
            fix["description"], fix["replacement"], _span(fix["span"]),
            None if fix["edits"] is None else tuple(TextEdit(Span(*span), content) for span, content in fix["edits"]),
            None if fix["applicability"] is None else Applicability(fix["applicability"]),
        ),
    )


class ResultCache:
    """Entries under one folder; :attr:`warning` says (once) why the cache is not used."""

    def __init__(self, directory: Path, key: str):
        self.directory = directory
        self.run = key
        self.warning: str | None = None
        self.usable = self._prepare()

    def _prepare(self) -> bool:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                atomic_write(str(ignore), "# Created by cfgtools: the lint result cache.\n*\n", force=True)
            return True
        except (OSError, WriteRefused) as exc:
            self.warning = f"cache {self.directory} is not usable ({exc}); linting without it"
            return False

    def key(self, path: str, data: bytes) -> str:
        digest = hashlib.sha256(self.run.encode())
        digest.update(path.encode("utf-8", errors="surrogateescape") + b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, key: str, path: str) -> tuple[str | None, list[Diagnostic]] | None:
        """The file's kind and findings from an earlier run, or None."""
        if not self.usable:
            return None
        entry = self._entry(key)
        try:
            raw = entry.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._give_up(f"cannot read {entry} ({exc.strerror or exc})")
            return None
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT or data.get("key") != key:
                raise ValueError("another entry")
            if any(_file_fingerprint(other, whole=True) != fingerprint
                   for other, fingerprint in data["dependencies"].items()):
                return None  # a file the result depends on has changed: lint again
            return data["kind"], [_decode(path, item) for item in data["diagnostics"]]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self._give_up(f"entry {entry} is corrupt ({exc})")
            return None

    def put(self, key: str, kind: str | None, diagnostics: list[Diagnostic], dependencies: tuple[str, ...] = ()) -> None:
        if not self.usable:
            return
        data = {"format": FORMAT, "key": key, "kind": kind, "diagnostics": [_encode(d) for d in diagnostics],
                "dependencies": {other: _file_fingerprint(other, whole=True) for other in dependencies}}
        try:
            atomic_write(str(self._entry(key)), json.dumps(data, ensure_ascii=True), force=True)
        except WriteRefused as exc:
            self._give_up(str(exc))

    def _give_up(self, why: str) -> None:
        self.usable = False
        self.warning = self.warning or f"cache ignored: {why}; linting without it"


def cache_directory(setting: str | None, project: Path | None) -> Path:
    """``CFGTOOLS_CACHE_DIR``, else ``cache-dir`` from the settings, else ``.cfgtools_cache`` beside the project."""
    chosen = os.environ.get("CFGTOOLS_CACHE_DIR") or setting
    if chosen:
        return Path(chosen)
    base = project.parent if project is not None else Path.cwd()
    return base / CACHE_DIR_NAME
