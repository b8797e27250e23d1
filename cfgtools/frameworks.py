"""The frameworks cfgtools knows, and the one recogniser that picks a file's framework.

Adding a framework is one line here (and its package; see ``cfgtools.plugin``).
"""

from __future__ import annotations

from cfgtools.caffe.plugin import CAFFE
from cfgtools.darknet.plugin import DARKNET
from cfgtools.plugin import Framework, Recognition
from cfgtools.sources import SourceText

#: name -> framework, in the order ties are broken
FRAMEWORKS: dict[str, Framework] = {framework.name: framework for framework in (DARKNET, CAFFE)}


def get(name: str) -> Framework:
    """The framework called ``name`` (KeyError names the known ones)."""
    try:
        return FRAMEWORKS[name]
    except KeyError:
        raise KeyError(f"unknown framework {name!r} (known: {', '.join(FRAMEWORKS)})") from None


def recognise(source: SourceText, frameworks: dict[str, Framework] | None = None) -> Framework | None:
    """The framework ``source`` belongs to, from its content: a sure match first, then a fallback."""
    candidates = list((frameworks or FRAMEWORKS).values())
    best, best_level = None, Recognition.NO
    for framework in candidates:
        level = framework.recognise(source)
        if level > best_level:
            best, best_level = framework, level
    return best


def unrecognised(source: SourceText, frameworks: dict[str, Framework] | None = None) -> str:
    """Why no framework recognised ``source``, for the one-line error."""
    candidates = list((frameworks or FRAMEWORKS).values())
    nouns = " or a ".join(framework.noun for framework in candidates)
    if not source.text.lstrip("\ufeff").strip():
        return f"empty file: not a {nouns}"
    for framework in candidates:
        reason = framework.unrecognised(source)
        if reason:
            return reason
    return f"not a {nouns}"


def dialects() -> dict[str, tuple[str, ...]]:
    """Every framework's dialects (forks), for options and messages."""
    return {name: framework.dialects for name, framework in FRAMEWORKS.items()}
