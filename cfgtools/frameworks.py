"""The frameworks cfgtools knows, and the one recogniser that picks a file's framework.

Adding a framework is one line in :data:`PLUGINS` (and its package; see
``cfgtools.plugin``). A framework's plug-in module is imported the first time
it is needed, and the recogniser stops at the first framework sure of a file,
so reading a darknet cfg never imports what only Caffe needs.
"""

from __future__ import annotations

import importlib

from cfgtools.plugin import Framework, Recognition
from cfgtools.sources import SourceText

#: name -> "module:object" of its plug-in, in the order files are recognised (ties go to the first)
PLUGINS = {
    "darknet": "cfgtools.darknet.plugin:DARKNET",
    "caffe": "cfgtools.caffe.plugin:CAFFE",
    "ultralytics": "cfgtools.ultralytics.plugin:ULTRALYTICS",
}

#: "module:object" -> the plug-in object, once imported
_loaded: dict[str, Framework] = {}


def names() -> list[str]:
    return list(PLUGINS)


def get(name: str) -> Framework:
    """The framework called ``name``, its plug-in imported on first use."""
    if name not in PLUGINS:
        raise KeyError(f"unknown framework {name!r} (known: {', '.join(PLUGINS)})")
    spec = PLUGINS[name]
    if spec not in _loaded:
        module, _, attribute = spec.partition(":")
        _loaded[spec] = getattr(importlib.import_module(module), attribute)
    return _loaded[spec]


def dialects(name: str) -> tuple[str, ...]:
    """The dialects of framework ``name``, its default first, without importing its plug-in: they are the
    ``DIALECTS`` of its package (the command line lists them before any file is read)."""
    package = PLUGINS[name].partition(":")[0].rpartition(".")[0]
    return tuple(importlib.import_module(package).DIALECTS)


def all_frameworks() -> list[Framework]:
    return [get(name) for name in PLUGINS]


def recognise(source: SourceText) -> Framework | None:
    """The framework ``source`` belongs to, from its content: the first sure match, else a fallback."""
    fallback = None
    for name in PLUGINS:
        framework = get(name)
        level = framework.recognise(source)
        if level == Recognition.YES:
            return framework
        if level == Recognition.FALLBACK and fallback is None:
            fallback = framework
    return fallback


def unrecognised(source: SourceText) -> str:
    """Why no framework recognised ``source``, for the one-line error."""
    candidates = all_frameworks()
    nouns = " or a ".join(framework.noun for framework in candidates)
    if not source.text.lstrip("\ufeff").strip():
        return f"empty file: not a {nouns}"
    for framework in candidates:
        reason = framework.unrecognised(source)
        if reason:
            return reason
    return f"not a {nouns}"
