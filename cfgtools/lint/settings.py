"""What the linter checks and how strictly: ``[tool.cfgtools]`` in pyproject.toml plus flags.

The table is looked up in the nearest ``pyproject.toml`` that has a
``[tool.cfgtools]`` table, starting at the directory of the first linted file
(or the current directory) and walking up, as ruff does. Keys are written in
kebab-case (``extend-select``, ``fail-on``); snake_case is accepted too.
Command-line flags override the file. An unknown key is an error (exit 2).

Example::

    [tool.cfgtools]
    dialect = "alexeyab"       # the darknet fork: alexeyab, pjreddie, hankai, or all (lint under each)
    caffe-fork = "bvlc"        # the Caffe fork: bvlc or ssd
    ignore = ["DN005"]
    fail-on = "error"
    severity = { DN001 = "error" }

Reading the file needs ``tomllib`` (Python 3.11+); on Python 3.10 cfgtools
uses ``tomli`` if it happens to be installed and otherwise reports that the
configuration cannot be read.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cfgtools import frameworks
from cfgtools.lint.core import Severity
from cfgtools.plugin import RunOptions
from cfgtools.ultralytics.versions import get_version

#: ``dialect = "all"``: lint every file under each darknet fork and report what differs
ALL_DIALECTS = "all"

#: A selector: ALL, a code (DN003) or a code prefix (DN, DN00, CF).
_SELECTOR = re.compile(r"^(ALL|[A-Z]{1,4}[0-9]{0,4})$")


class SettingsError(Exception):
    """A configuration the linter cannot use (unknown key, bad value): exit 2."""


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class LintSettings(BaseModel):
    """Every knob of ``cfgtools lint``; rules read them through ``ctx.settings``."""

    model_config = ConfigDict(extra="forbid", alias_generator=_kebab, populate_by_name=True, frozen=True)

    # --- which rules run, and how bad their findings are
    select: list[str] | None = None  #: None: every rule
    # plain [] and {} defaults (pydantic copies them): default_factory=list costs an inspect.signature at import
    ignore: list[str] = []
    extend_select: list[str] = []
    severity: dict[str, Severity] = {}  #: per-code (or prefix) override
    fail_on: Severity = Severity.WARNING  #: exit 1 when a finding is at or above this

    # --- how files are read
    #: the darknet fork, or ALL_DIALECTS (lint reads every file under each fork; see with_dialect)
    dialect: str = frameworks.dialects("darknet")[0]
    #: the Caffe fork (its schema); None: the Caffe plug-in's default (not imported before a solver is read)
    caffe_fork: str | None = None
    #: the YOLOv5/ultralytics release for files of its family (None: inferred from each file, else the default)
    framework_version: str | None = None

    # --- the training run, for schedule-aware rules (LR*/RS*)
    gpus: int = Field(1, ge=1)
    goal: int | None = Field(None, ge=0)  #: iteration the user means to train to
    epochs: float | None = Field(None, gt=0)
    images: int | None = Field(None, ge=1)  #: training images (from --images or --data)
    data: str | None = None  #: darknet .data file the image count came from
    resume_from: int | str | None = None  #: an iteration, or a .weights/.solverstate file
    previous: str | None = None  #: the cfg the run being resumed was trained with
    previous_gpus: int | None = Field(None, ge=1)
    clear: bool = False  #: darknet -clear: the iteration restarts at 0
    batches_per_epoch: int | None = Field(None, ge=1)  #: ultralytics: iterations per epoch, instead of images
    classes: int | None = Field(None, ge=1)  #: ultralytics: the dataset's classes (optimizer=auto's AdamW lr)
    log: str | None = None  #: the run's training log, for the LG rules (resume_from "log": its last iteration)

    # --- the result cache
    cache_dir: str | None = None  #: default: .cfgtools_cache beside pyproject.toml (CFGTOOLS_CACHE_DIR wins)

    # --- thresholds of the numeric rules (LR*/RS*)
    lr_floor_fraction: float = Field(1e-3, gt=0)  #: "the rate is negligible" below this fraction of base
    lr_floor_share: float = Field(0.25, gt=0, le=1)  #: share of the run allowed below the floor
    rise_factor: float = Field(2.0, gt=1)  #: a rise by more than this factor is suspicious
    spike_ratio: float = Field(2.0, gt=1)  #: a jump between consecutive iterations
    goal_ratio: float = Field(2.0, gt=1)  #: LR006: max_batches/max_iter more than this many times the goal

    @field_validator("select", "ignore", "extend_select")
    @classmethod
    def _selectors(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return value
        out = []
        for item in value:
            code = item.strip().upper()
            if not _SELECTOR.match(code):
                raise ValueError(f"{item!r} is not a rule code or prefix (e.g. DN003, DN, ALL)")
            out.append(code)
        return out

    @field_validator("dialect")
    @classmethod
    def _dialect(cls, value: str) -> str:
        known = frameworks.dialects("darknet")
        if value not in known and value != ALL_DIALECTS:
            raise ValueError(f"{value!r} is not a darknet fork ({', '.join(known)}, or {ALL_DIALECTS})")
        return value

    @field_validator("caffe_fork")
    @classmethod
    def _caffe_fork(cls, value: str | None) -> str | None:
        if value is None:
            return value
        known = frameworks.dialects("caffe")
        if value not in known:
            raise ValueError(f"{value!r} is not a Caffe fork ({', '.join(known)})")
        return value

    @field_validator("framework_version")
    @classmethod
    def _framework_version(cls, value: str | None) -> str | None:
        if value is None:
            return value
        return get_version(value).name  # ValueError with did-you-mean

    @field_validator("severity")
    @classmethod
    def _severity_codes(cls, value: dict[str, Severity]) -> dict[str, Severity]:
        out = {}
        for code, level in value.items():
            key = code.strip().upper()
            if not _SELECTOR.match(key):
                raise ValueError(f"{code!r} is not a rule code or prefix")
            out[key] = level
        return out

    # --- queries
    @property
    def dialects(self) -> dict[str, str]:
        """The dialect to read each framework's files with (one darknet fork: see with_dialect for all)."""
        if self.dialect == ALL_DIALECTS:
            raise ValueError("dialect = 'all' names no single fork: lint each with settings.with_dialect(fork)")
        chosen = {"darknet": self.dialect}
        if self.caffe_fork is not None:
            chosen["caffe"] = self.caffe_fork
        if self.framework_version is not None:
            chosen["ultralytics"] = self.framework_version
        return chosen

    @property
    def darknet_dialects(self) -> tuple[str, ...]:
        """The darknet forks a run reads files as: one, or every fork for ``all``."""
        return frameworks.dialects("darknet") if self.dialect == ALL_DIALECTS else (self.dialect,)

    def with_dialect(self, dialect: str) -> "LintSettings":
        """The same settings for one darknet fork."""
        return self.model_copy(update={"dialect": dialect})

    @property
    def run_options(self) -> RunOptions:
        """The options of the schedule the LR/RS rules analyse. The training images are left out on purpose: an
        ultralytics schedule needs them, so those rules (which speak of updates and darknet/Caffe keys) never run
        on ultralytics files; the UL rules check those (see ``training_options``)."""
        return RunOptions(gpus=self.gpus)

    @property
    def training_options(self) -> RunOptions:
        """The options of a run counted in epochs (ultralytics): images or batches per epoch, classes."""
        return RunOptions(gpus=self.gpus, images=self.images, batches_per_epoch=self.batches_per_epoch,
                          classes=self.classes)

    def is_enabled(self, code: str) -> bool:
        """ruff's rule: the most specific matching selector wins; at equal length ignore wins."""
        selected = list(self.select if self.select is not None else ["ALL"]) + list(self.extend_select)
        best_select = max((_specificity(s, code) for s in selected), default=-1)
        best_ignore = max((_specificity(s, code) for s in self.ignore), default=-1)
        return best_select >= 0 and best_select > best_ignore

    def severity_for(self, code: str, default: Severity) -> Severity:
        best, level = -1, default
        for selector, override in self.severity.items():
            spec = _specificity(selector, code)
            if spec > best:
                best, level = spec, override
        return Severity(level)

    def fails(self, severity: Severity) -> bool:
        return severity.rank >= self.fail_on.rank


def _specificity(selector: str, code: str) -> int:
    if selector == "ALL":
        return 0
    return len(selector) if code.startswith(selector) else -1


# ----------------------------------------------------------------------------- loading


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError:
            raise SettingsError(
                f"{path}: reading [tool.cfgtools] needs Python 3.11 or the 'tomli' package; "
                "install tomli or pass the options on the command line"
            ) from None
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None


def _has_tool_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"^\s*\[\s*tool\s*\.\s*cfgtools\s*[\].]", text, re.MULTILINE) is not None


def find_pyproject(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The nearest pyproject.toml with a [tool.cfgtools] table at or above ``start``."""
    here = Path(start) if start is not None else Path.cwd()
    try:
        here = here.resolve()
    except OSError:
        return None
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and _has_tool_table(candidate):
            return candidate
    return None


def table_from_pyproject(path: Path) -> dict[str, Any]:
    data = _load_toml(path)
    table = data.get("tool", {}).get("cfgtools", {})
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [tool.cfgtools] must be a table")
    # a [tool.cfgtools.lint] sub-table is accepted as an alias of [tool.cfgtools]
    lint = table.get("lint")
    if isinstance(lint, dict):
        table = {**{k: v for k, v in table.items() if k != "lint"}, **lint}
    return table


_FIELD_NAMES = {_kebab(name) for name in LintSettings.model_fields} | set(LintSettings.model_fields)


def build_settings(
    file_values: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
    origin: str = "[tool.cfgtools]",
) -> LintSettings:
    """Validate the file's table, then apply the command-line overrides (``None`` = not given)."""
    values: dict[str, Any] = {}
    for key, value in (file_values or {}).items():
        if key not in _FIELD_NAMES:
            hint = difflib.get_close_matches(_kebab(key), sorted(_kebab(n) for n in LintSettings.model_fields), 1, 0.6)
            more = f" (did you mean {hint[0]!r}?)" if hint else ""
            known = ", ".join(sorted(_kebab(n) for n in LintSettings.model_fields))
            raise SettingsError(f"{origin}: unknown key {key!r}{more}; known keys: {known}")
        values[key.replace("-", "_")] = value
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
    try:
        return LintSettings(**values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(_kebab(str(p)) for p in error["loc"])
            problems.append(f"{where}: {error['msg']}")
        raise SettingsError(f"{origin}: " + "; ".join(problems)) from None


def load_settings(
    first_path: str | os.PathLike[str] | None = None,
    config: str | os.PathLike[str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> tuple[LintSettings, Path | None]:
    """Settings for a run: ``config`` if given, else the nearest pyproject; then ``overrides``."""
    path: Path | None
    if config is not None:
        path = Path(config)
        if not path.is_file():
            raise SettingsError(f"{config}: no such configuration file")
    else:
        path = find_pyproject(Path(first_path).parent if first_path is not None else None)
    table = table_from_pyproject(path) if path is not None else {}
    origin = f"{path} [tool.cfgtools]" if path is not None else "[tool.cfgtools]"
    return build_settings(table, overrides, origin), path
