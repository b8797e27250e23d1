"""The rule-test cases: one YAML file per rule in ``tests/lint/cases/`` (run by ``test_rule_cases.py``).

Modelled on sqlfluff's ``test/fixtures/rules/std_rule_cases/CV01.yml``. A file::

    rule: DN003                # the rule the file is about (the file is DN003.yml)
    lint_as: yolo.cfg          # the file name every case is linted as
    cases:
      - name: policy_comment   # unique in the file: the test id is DN003-policy_comment
        input: |               # the file's text; or `file: lint/NAME` for bytes YAML cannot hold
          [net]
          policy=steps # x
        lint_as: other.cfg     # optional: this case's own file name
        log: |                 # optional: a training log (or `{file: logs/NAME}`), given as --log;
          1: 4.2, 4.2 avg, ... #   with a log, the config (input/file) may be left out: the log is then
                               #   read alone, as `cfgtools log TRAIN.log` reads it
        select: [DN006]        # optional: rules to run besides DN003 (codes or prefixes)
        settings: {dialect: pjreddie}       # optional: LintSettings keys, as in [tool.cfgtools]
        args: {resume_from: 300019}         # optional: the command-line inputs (see below)
        expect:                # every finding of the selected rules, in any order; [] for a clean file
          - code: DN003
            line: 2
            column: 14         # optional
            severity: info     # optional
            message_contains: "'steps#x'"   # optional: a part of the message (or a list of parts)
            help: "move '# x' to its own line above and write policy=steps"   # the fix hint's text
            replacement: steps                                                # its replacement, or null

A finding with a fix hint must be expected with its ``help`` and
``replacement``; one without a hint must be expected without them. In
``help``, ``{path}``, ``{previous}`` and ``{checkpoint}`` stand for the paths
the case's file, previous config and checkpoint are written to.

A case whose findings have fixes that ``cfgtools lint --fix`` applies says
what the whole file is after it (``fixed:``), and when ``--unsafe-fixes``
gives another file, that one too (``unsafe_fixed:``); each is text, or
``{file: PATH}`` as for the input, and the harness also checks that fixing
the result again changes nothing::

        fixed: |               # the file after --fix (the selected rules' safe fixes)
          [net]
          # x
          policy=steps
        unsafe_fixed: |        # the file after --fix --unsafe-fixes, when it differs ``input``
text is written as UTF-8 (a YAML double-quoted string carries ``\\r\\n`` or a
BOM ``\\ufeff``); ``file:`` paths are relative to the repository's
``fixtures/``. ``args`` takes ``resume_from`` (an iteration, ``log``, or
``{file: PATH}``, or ``{checkpoint: {...}}``: a YOLOv5/ultralytics ``last.pt``
holding that mapping, written by ``tests/ultralytics/checkpoint_files.py``),
``previous`` (the previous config's text, or ``{file: PATH}``),
``previous_gpus``, ``gpus``, ``clear``, ``goal``, ``epochs``, ``images``,
``dialect``, and for ultralytics files ``framework_version``,
``batches_per_epoch`` and ``classes``. The findings of the LG rules are
expected on the lines of the log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.conftest import FIXTURES

CASES_DIR = Path(__file__).resolve().parent / "cases"

_FILE_KEYS = {"rule", "lint_as", "cases"}
_CASE_KEYS = {"name", "input", "file", "lint_as", "log", "select", "settings", "args", "expect", "fixed",
              "unsafe_fixed"}
_ARG_KEYS = {"resume_from", "previous", "previous_gpus", "gpus", "clear", "goal", "epochs", "images", "dialect",
             "framework_version", "batches_per_epoch", "classes"}
_EXPECT_KEYS = {"code", "line", "column", "severity", "message_contains", "help", "replacement"}
_NAME = re.compile(r"^[a-z0-9_]+$")


class CaseFileError(Exception):
    """A cases file that does not follow the format above."""


@dataclass
class Case:
    rule: str
    name: str
    source: Path  #: the YAML file
    lint_as: str | None  #: None: the case has no config, its log is read alone
    data: bytes  #: the bytes to lint (empty when the log is read alone)
    select: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    args: dict[str, Any] = field(default_factory=dict)
    expect: list[dict[str, Any]] = field(default_factory=list)
    #: the file after --fix, and after --fix --unsafe-fixes (None: not given)
    fixed: bytes | None = None
    unsafe_fixed: bytes | None = None
    log: bytes | None = None  #: the training log given as --log

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.name}"

    @property
    def is_clean(self) -> bool:
        return not self.expect


def fixture_path(spec: Any, where: str) -> Path:
    """The fixture a ``{file: PATH}`` mapping names (PATH relative to ``fixtures/``)."""
    if not isinstance(spec, dict) or set(spec) != {"file"}:
        raise CaseFileError(f"{where}: expected {{file: PATH}}, got {spec!r}")
    path = FIXTURES / spec["file"]
    if not path.is_file():
        raise CaseFileError(f"{where}: no fixture {spec['file']!r} under fixtures/")
    return path


def _expectation(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict) or not {"code", "line"} <= set(item) or set(item) - _EXPECT_KEYS:
        raise CaseFileError(f"{where}: an expectation has code and line, and only {sorted(_EXPECT_KEYS)}: {item!r}")
    if ("help" in item) != ("replacement" in item):
        raise CaseFileError(f"{where}: a fix hint is expected with both help and replacement: {item!r}")
    return dict(item)


def _text_or_file(value: Any, where: str) -> bytes:
    """A file's bytes written as YAML text, or as ``{file: PATH}`` for bytes YAML cannot hold."""
    if isinstance(value, dict):
        return fixture_path(value, where).read_bytes()
    return str(value).encode("utf-8")


def _case(raw: Any, rule: str, default_lint_as: str | None, source: Path) -> Case:
    where = f"{source.name}: case {raw.get('name') if isinstance(raw, dict) else raw!r}"
    if not isinstance(raw, dict) or set(raw) - _CASE_KEYS:
        raise CaseFileError(f"{where}: unknown keys {sorted(set(raw) - _CASE_KEYS) if isinstance(raw, dict) else raw}")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise CaseFileError(f"{where}: every case needs a name of lower-case letters, digits and _")
    if "input" in raw and "file" in raw or not ({"input", "file", "log"} & set(raw)):
        raise CaseFileError(f"{where}: give the input as text (input:) or as a fixture (file:), not both "
                            "(or a log: alone)")
    log = raw.get("log")
    if isinstance(log, dict):
        log = fixture_path(log, where).read_bytes()
    elif log is not None:
        log = str(log).encode("utf-8")
    data = b""
    if "input" in raw:
        data = str(raw["input"]).encode("utf-8")
    elif "file" in raw:
        data = fixture_path({"file": raw["file"]}, where).read_bytes()
    lint_as = raw.get("lint_as") or default_lint_as or (Path(raw["file"]).name if "file" in raw else None)
    if "input" not in raw and "file" not in raw:
        lint_as = None
    elif not lint_as:
        raise CaseFileError(f"{where}: no lint_as (file name to lint the input as)")
    args = dict(raw.get("args") or {})
    if set(args) - _ARG_KEYS:
        raise CaseFileError(f"{where}: unknown args {sorted(set(args) - _ARG_KEYS)}")
    expect = raw.get("expect")
    if not isinstance(expect, list):
        raise CaseFileError(f"{where}: expect: is a list of findings ([] for a clean file)")
    fixed = {key: _text_or_file(raw[key], where) if key in raw else None for key in ("fixed", "unsafe_fixed")}
    return Case(
        rule=rule, name=name, source=source, lint_as=lint_as, data=data,
        select=list(raw.get("select") or []), settings=dict(raw.get("settings") or {}), args=args,
        expect=[_expectation(item, where) for item in expect], log=log, **fixed,
    )


def load_case_file(path: Path) -> list[Case]:
    document = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or set(document) - _FILE_KEYS or "rule" not in document:
        raise CaseFileError(f"{path.name}: a cases file has rule:, cases: and optionally lint_as:")
    rule = document["rule"]
    if path.stem != rule:
        raise CaseFileError(f"{path.name}: the file of rule {rule} is {rule}.yml")
    cases = [_case(raw, rule, document.get("lint_as"), path) for raw in document.get("cases") or []]
    names = [case.name for case in cases]
    if len(names) != len(set(names)):
        raise CaseFileError(f"{path.name}: case names repeat: {sorted(n for n in set(names) if names.count(n) > 1)}")
    return cases


def load_cases(directory: Path = CASES_DIR) -> list[Case]:
    """Every case of every ``*.yml`` file of ``directory``, by rule then in file order."""
    return [case for path in sorted(directory.glob("*.yml")) for case in load_case_file(path)]
