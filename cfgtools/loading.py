"""The one road from a file to a loaded config: read the bytes, recognise the framework, read the model.

Every command and the linter load files through :func:`load` (a path) or
:func:`load_source` (text already read); they never call a framework's
reader. Everything raises :class:`~cfgtools.errors.InputError` (one line,
exit 2) for a file that cannot be read.
"""

from __future__ import annotations

import os

from cfgtools import frameworks
from cfgtools.errors import InputError
from cfgtools.plugin import Framework, LoadedConfig, RunOptions
from cfgtools.schedule.model import Schedule
from cfgtools.sources import SourceText, read_source


def load(path: str | os.PathLike[str], dialects: dict[str, str] | None = None,
         framework: Framework | None = None) -> LoadedConfig:
    """Read ``path`` as its framework reads it.

    ``dialects`` maps a framework name to the dialect to read with (its
    default otherwise); ``framework`` skips recognition.
    """
    return load_source(read_source(path), dialects, framework)


def load_source(source: SourceText, dialects: dict[str, str] | None = None,
                framework: Framework | None = None) -> LoadedConfig:
    """Like :func:`load`, for a source already read (or text made in memory)."""
    chosen = framework or frameworks.recognise(source)
    if chosen is None:
        raise InputError(frameworks.unrecognised(source), source.path)
    dialect = chosen.dialect_for(source, (dialects or {}).get(chosen.name))
    return LoadedConfig(source=source, framework=chosen, dialect=dialect, model=chosen.read(source, dialect))


def load_text(text: str, path: str = "<string>", dialects: dict[str, str] | None = None) -> LoadedConfig:
    """Load text as if read from ``path`` (for tools and tests)."""
    return load_source(SourceText(path=path, text=text, has_bom=text.startswith("\ufeff")), dialects)


def in_dialect(loaded: LoadedConfig, dialect: str) -> LoadedConfig:
    """The same file read by another dialect of its framework (e.g. the other darknet fork)."""
    if dialect == loaded.dialect:
        return loaded
    return load_source(loaded.source, {loaded.kind: dialect}, loaded.framework)


def without_bom(loaded: LoadedConfig) -> LoadedConfig:
    """The file as read once a leading byte-order mark is removed (what the framework reads after a fix)."""
    if not loaded.source.has_bom:
        return loaded
    source = SourceText(loaded.path, loaded.source.text[1:], False)
    return load_source(source, {loaded.kind: loaded.dialect}, loaded.framework)


def load_schedule(path: str | os.PathLike[str], dialect: str | None = None, gpus: int = 1, seed: int = 0) -> Schedule:
    """The schedule of the config at ``path`` (for scripts and tests).

    ``dialect`` is the dialect of whichever framework the file belongs to
    (its default when None). Raises InputError/ScheduleError.
    """
    source = read_source(path)
    framework = frameworks.recognise(source)
    if framework is None:
        raise InputError(frameworks.unrecognised(source), source.path)
    loaded = load_source(source, {framework.name: dialect} if dialect else None, framework)
    return loaded.schedule(RunOptions(gpus=gpus, seed=seed))
