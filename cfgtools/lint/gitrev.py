"""The previous config of a resume, read from git: ``--previous git:REV``, and the default after an edit in place.

A resume after editing the cfg in place has no old file to compare with, but
in a git work tree the committed version is the natural one: ``--previous
git:HEAD`` (or any ``git:REV``) reads it, and without ``--previous`` a file
whose bytes differ from its ``HEAD`` version is compared with that version.

git is run without a shell, only with plumbing that reads one object
(``git cat-file``: no filters, hooks or diff drivers, which a repository's
configuration could point at a program) and with lazy fetches and transports
turned off. Its output is bounded by the config-file budget and by a timeout.
"""

from __future__ import annotations

import os
import re
import subprocess

from cfgtools.errors import InputError
from cfgtools.sources import MAX_BYTES, SourceText, decode_source

#: ``--previous git:REV``
GIT_PREFIX = "git:"
#: seconds one git command may take
TIMEOUT = 20
#: a revision as git's rev-parse takes it; no leading '-' (an option) and no control characters
_REVISION = re.compile(r"[^\x00-\x20\x7f-][^\x00-\x1f\x7f]*\Z")


def is_git_spec(spec: str) -> bool:
    """Whether a ``--previous`` value names a git revision (``git:HEAD``) rather than a file."""
    return spec.startswith(GIT_PREFIX)


def _git(directory: str, *arguments: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "GIT_NO_LAZY_FETCH": "1", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    return subprocess.run(
        ["git", "-C", directory, "-c", "protocol.allow=never", *arguments],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT, env=environment, check=False,
    )


def committed_source(path: str, revision: str) -> SourceText:
    """The file at ``path`` as committed in ``revision``, or :class:`InputError` saying why not.

    Its path is ``REV:PATH`` (git's own notation), so messages about it say
    where it came from.
    """
    label = f"{revision}:{path}"
    if not _REVISION.match(revision):
        raise InputError(f"--previous git:{revision}: not a git revision", path)
    directory = os.path.dirname(os.path.abspath(path))
    blob = f"{revision}:./{os.path.basename(path)}"
    try:
        size = _git(directory, "cat-file", "-s", blob)
        if size.returncode != 0:
            raise InputError(f"--previous git:{revision}: {_first_line(size.stderr)}", path)
        if int(size.stdout.strip() or 0) > MAX_BYTES:
            raise InputError(f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB: too large for a config file",
                             label)
        content = _git(directory, "cat-file", "blob", blob)
    except FileNotFoundError:
        raise InputError(f"--previous git:{revision}: git is not installed", path) from None
    except subprocess.TimeoutExpired:
        raise InputError(f"--previous git:{revision}: git did not answer within {TIMEOUT} s", path) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"--previous git:{revision}: cannot run git: {exc}", path) from None
    if content.returncode != 0:
        raise InputError(f"--previous git:{revision}: {_first_line(content.stderr)}", path)
    return decode_source(content.stdout, label)


def committed_if_edited(path: str, data: bytes) -> SourceText | None:
    """The ``HEAD`` version of ``path`` when it differs from ``data`` (the file as read), else None.

    None too when the file is not in a git work tree, not committed, or git
    is missing: then there is no natural previous config.
    """
    try:
        committed = committed_source(path, "HEAD")
    except InputError:
        return None
    if committed.text.encode("utf-8", errors="surrogateescape") == data:
        return None
    return committed


def _first_line(stderr: bytes) -> str:
    text = stderr.decode("utf-8", errors="replace").strip()
    line = text.splitlines()[0] if text else "git failed"
    return line.removeprefix("fatal: ")
