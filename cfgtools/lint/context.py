"""What a rule looks at for one file: the loaded config, the settings, and views computed once.

Views come from two places: the file's framework (``document``, ``net``,
``layers``, ``network`` for darknet; ``solver`` for Caffe; see
``cfgtools.plugin.Framework.views``) and the linter itself (``schedule``: the
file's schedule under the run's options; ``resume``: the resume point the
user described with ``--resume-from``; ``log``: the training log given with
``--log``, read against the file's config; ``data``: the darknet ``.data`` file
given with ``--data``). A rule lists the views it needs in
``Rule.needs``; the engine runs it only when each of them is present.

``cfgtools log`` reads a training log without a config: its context has no
loaded file (``loaded`` is None) and offers the ``log`` view only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from cfgtools.errors import InputError
from cfgtools.lint.datafile import DataFile, read_data_file
from cfgtools.lint.numeric import Goal, RateProfile, ResumePoint, rate_profile, resume_point, training_goal
from cfgtools.lint.settings import LintSettings
from cfgtools.loading import in_dialect

if TYPE_CHECKING:  # the views' types: a rule's file imports its framework, the linter needs none of them
    from cfgtools.caffe.solver import CaffeSolver
    from cfgtools.darknet.document import CfgDocument
    from cfgtools.darknet.layers import Layer
    from cfgtools.darknet.net import NetConfig
    from cfgtools.darknet.network import Network
    from cfgtools.logs import LogReading
    from cfgtools.plugin import LoadedConfig, RunOptions
    from cfgtools.positions import Span
    from cfgtools.schedule.model import Schedule
    from cfgtools.trainlog.analyse import LogReport

T = TypeVar("T")

#: views the linter adds to the framework's own
LINT_VIEWS = ("schedule", "resume", "profile", "log", "data")
#: the ``resume_from`` setting that takes the resume point from the training log (``--resume-from log``)
RESUME_FROM_LOG = "log"


def read_log(log_path: str, loaded: LoadedConfig | None, options: RunOptions, spike_ratio: float,
             dialects: dict[str, str]) -> LogReading:
    """:func:`cfgtools.logs.read_log`, imported on first use: only ``lint --log`` reads a training log."""
    from cfgtools.logs import read_log as read
    from cfgtools.trainlog.findings import Thresholds

    return read(log_path, loaded, options, Thresholds(spike_ratio=spike_ratio), dialects)


@dataclass(eq=False)
class LintContext:
    #: the linted file; None when a training log is read alone (``cfgtools log``)
    loaded: LoadedConfig | None
    settings: LintSettings
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def path(self) -> str:
        if self.loaded is None:
            return self.settings.log or ""
        return self.loaded.path

    @property
    def kind(self) -> str:
        """The file's framework (``darknet``, ``caffe``); the log's when there is no file."""
        if self.loaded is None:
            reading = self.log_reading
            return reading.log.framework if reading is not None else ""
        return self.loaded.kind

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per file and key (for what several rules share)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def view(self, name: str) -> Any:
        """The view ``name``, or None when this file has none."""
        if name == "schedule":
            return self.schedule
        if name == "resume":
            return self.resume
        if name == "profile":
            return self.profile
        if name == "log":
            return self.log
        if name == "data":
            return self.data
        return self.loaded.view(name) if self.loaded is not None else None

    def has(self, needs: tuple[str, ...]) -> bool:
        return all(self.view(name) is not None for name in needs)

    # -- the framework's views, typed for the rules that read them
    @property
    def document(self) -> CfgDocument | None:
        return self.view("document")

    @property
    def net(self) -> NetConfig | None:
        return self.view("net")

    @property
    def layers(self) -> list[Layer] | None:
        return self.view("layers")

    @property
    def network(self) -> Network | None:
        return self.view("network")

    @property
    def solver(self) -> CaffeSolver | None:
        return self.view("solver")

    # -- the linter's views
    @property
    def schedule(self) -> Schedule | None:
        """The file's schedule under the run's options (``--gpus``); None when the framework would not train."""

        def build() -> Schedule | None:
            if self.loaded is None:
                return None
            try:
                return self.loaded.schedule(self.settings.run_options)
            except (InputError, ValueError):  # the reading rules report why
                return None

        return self.cached("schedule", build)

    @property
    def resume(self) -> ResumePoint | None:
        """The resume described with ``--resume-from`` (None without it); InputError for a bad checkpoint."""
        schedule = self.schedule
        if schedule is None:
            return None
        return self.cached("resume", lambda: resume_point(self.loaded, self._resume_settings(schedule), schedule))

    def _resume_settings(self, schedule: Schedule) -> LintSettings:
        """The settings with ``--resume-from log`` replaced by the updates the log shows done."""
        if self.settings.resume_from != RESUME_FROM_LOG:
            return self.settings
        report = self.log
        last = report.segments[-1] if report is not None and report.segments else None
        if last is None:
            raise InputError("--resume-from log: the training log holds no iteration", self.settings.log)
        # the last logged update is index k (darknet's batch k, Caffe's iteration k): k - first_update + 1 are done
        logged = last.last_rate[0] if last.last_rate is not None else last.last_iteration
        return self.settings.model_copy(update={"resume_from": max(0, logged - schedule.first_update + 1)})

    @property
    def goal(self) -> Goal | None:
        """How many updates the user means to train (``--goal``, ``--epochs``, else the horizon)."""
        schedule = self.schedule
        if schedule is None:
            return None
        return self.cached("goal", lambda: training_goal(self.loaded, self.settings, schedule))

    @property
    def profile(self) -> RateProfile | None:
        """The rates up to the goal, summarised for the LR rules (None for random or empty schedules)."""
        schedule, goal = self.schedule, self.goal
        if schedule is None or goal is None:
            return None
        return self.cached("profile", lambda: rate_profile(schedule, goal, self.settings))

    @property
    def data(self) -> DataFile | None:
        """The darknet ``.data`` file of ``--data`` (None without it); InputError when it cannot be read."""
        if self.settings.data is None:
            return None
        return self.cached("data", lambda: read_data_file(self.settings.data))

    # -- the training log
    @property
    def log_reading(self) -> LogReading | None:
        """The ``--log`` training log read against this file's config (None without ``--log``).

        Read once; raises :class:`InputError` (each time it is asked for) when the log cannot be read.
        """
        log_path = self.settings.log
        if log_path is None:
            return None

        def read() -> LogReading | InputError:
            try:
                return read_log(log_path, self.loaded, self.settings.run_options, self.settings.spike_ratio,
                                self.settings.dialects)
            except InputError as exc:
                return exc

        result = self.cached("log", read)
        if isinstance(result, InputError):
            raise result
        return result

    @property
    def log(self) -> LogReport | None:
        """The analysed training log (the LG rules' view)."""
        reading = self.log_reading
        return None if reading is None else reading.report

    def setting_span(self, *names: str) -> Span:
        """Where the first of ``names`` that is written in the file stands, else the recipe's anchor."""
        return self.loaded.setting_span(*names)

    def in_dialect(self, dialect: str) -> LoadedConfig:
        """The same file read by another dialect of its framework (e.g. the other darknet fork)."""
        return self.cached(f"dialect:{dialect}", lambda: in_dialect(self.loaded, dialect))
