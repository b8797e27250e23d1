"""The one road from a training log to what it says: which program wrote it, what its rates are checked against.

- :func:`open_training_log`: a log file, with the program that wrote it told by
  the frameworks' own log formats (``Framework.log_format``, asked in the order
  of ``cfgtools.frameworks.PLUGINS``);
- :func:`read_log`: the log analysed (:func:`cfgtools.trainlog.analyse.analyse_log`)
  against the config the user gives (its exact schedule under the run's options,
  and what the framework prints about it when a run starts), or, without one,
  against the config each run printed into the log (Caffe's
  ``Initializing solver from parameters:``); a log that prints none (darknet's)
  is read without checking its rates, and :attr:`LogReading.unchecked` says why.

Commands (``log``, ``lint --log``, ``plot --log``) go through here; they never
import a framework's log parser.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from cfgtools import frameworks
from cfgtools.errors import InputError
from cfgtools.loading import load_source
from cfgtools.plugin import LoadedConfig, RunOptions
from cfgtools.schedule.model import Schedule, ScheduleError
from cfgtools.sources import SourceText
from cfgtools.trainlog.analyse import LogReport, TrainingSetup, analyse_log
from cfgtools.trainlog.compare import ScheduleFor
from cfgtools.trainlog.findings import Thresholds
from cfgtools.trainlog.model import SOLVER, LogFormat
from cfgtools.trainlog.segments import Segment
from cfgtools.trainlog.source import TrainingLog, open_log

#: printed configs that cannot be read, reported (one per run at most)
MAX_PROBLEMS = 8


def log_formats() -> list[LogFormat]:
    """Every framework's log format, in the registry's order."""
    found = (framework.log_format() for framework in frameworks.all_frameworks())
    return [log_format for log_format in found if log_format is not None]


def open_training_log(path: str | os.PathLike[str], framework: str | None = None) -> TrainingLog:
    """Open ``path`` (plain or gzip) as the log of whichever framework's program wrote it.

    ``framework`` names the format instead of detecting it. Raises
    :class:`InputError` (one line) for a file that is missing, empty, binary, a
    broken gzip stream, or no framework's log.
    """
    return open_log(path, log_formats(), framework)


@dataclass
class LogReading:
    """A log read against its config: the analysis, and what its rates were compared with."""

    log: TrainingLog
    report: LogReport
    #: what the rates were compared with, for messages ("yolo.cfg read as alexeyab", "the solver printed in the log")
    against: str
    #: the config's schedule for every run, or each run's printed one, or None (for a second pass: export, plot)
    schedule: Schedule | ScheduleFor | None
    #: why configs printed in the log gave no schedule, as messages
    problems: list[str] = field(default_factory=list)

    @property
    def unchecked(self) -> str | None:
        """Why no logged rate was compared with a schedule (None: some were, or the log has none)."""
        checks = self.report.checks.values()
        if any(check.skipped is None for check in checks):
            return None
        if self.problems:
            return "; ".join(self.problems)
        if self.schedule is None:
            noun = frameworks.get(self.log.framework).noun
            return f"no {noun} was given (--config) and the log prints none"
        return "; ".join(sorted({check.skipped for check in checks if check.skipped})) or None


def read_log(
    path: str | os.PathLike[str],
    config: LoadedConfig | None = None,
    options: RunOptions = RunOptions(),
    thresholds: Thresholds | None = None,
    dialects: dict[str, str] | None = None,
) -> LogReading:
    """Read the log at ``path`` against ``config`` (the config the run trained with) or, without one,
    against the configs the log prints (read in ``dialects``, as :func:`cfgtools.loading.load` takes them).

    Raises :class:`InputError` for a log that cannot be read (also when it
    breaks partway), and for a config of another framework than the log's.
    """
    log = open_training_log(path)
    if config is not None:
        return _against_config(log, config, options, thresholds)
    printed = _PrintedConfigs(log, options, dialects)
    report = analyse_log(log, printed, thresholds=thresholds)
    used = any(check.schedule is not None for check in report.checks.values())
    against = f"the {frameworks.get(log.framework).noun} printed in the log" if used else ""
    if used and printed.notes:
        against += f" ({'; '.join(dict.fromkeys(printed.notes))})"
    return LogReading(log, report, against, printed if used else None, printed.problems)


def _against_config(log: TrainingLog, config: LoadedConfig, options: RunOptions,
                    thresholds: Thresholds | None) -> LogReading:
    framework = config.framework
    if framework.name != log.framework:
        raise InputError(
            f"a {log.framework} training log cannot be checked against {config.path}, a {framework.noun}: "
            "give the config the run trained with", log.path,
        )
    against = Path(config.path).name + (f" read as {config.dialect}" if len(framework.dialects) > 1 else "")
    if options.gpus != 1:
        against += f" on {options.gpus} GPUs"
    try:
        schedule, how = _schedule_of(config, options, log)
    except (InputError, ScheduleError) as exc:  # the framework would not train with it
        report = analyse_log(log, None, thresholds=thresholds)
        return LogReading(log, report, against, None, [f"{config.path} gives no schedule: {exc.message}"])
    if how:
        against += f" ({how})"
    header = framework.log_header(config)
    setup = TrainingSetup(images_per_update=framework.images_per_update(config, options),
                          momentum=header.get("momentum"), decay=header.get("decay"))
    try:
        report = analyse_log(log, schedule, setup=setup, thresholds=thresholds)
    except ScheduleError as exc:  # a logged iteration whose rate the framework never computes
        report = analyse_log(log, None, thresholds=thresholds)
        return LogReading(log, report, against, None, [f"{config.path} gives no rate for this log: {exc.message}"])
    return LogReading(log, report, against, schedule)


def _schedule_of(config: LoadedConfig, options: RunOptions,
                 log: TrainingLog) -> tuple[Schedule | ScheduleFor, str]:
    """The schedule ``config`` runs with, or the one its framework works out from ``log`` (SSD Caffe's
    ``plateau``), and how it was found ("" for the config's own). Raises what ``config.schedule`` raises."""
    try:
        return config.schedule(options), ""
    except ScheduleError:
        from_log = config.framework.log_schedule(config, options, log)
        if from_log is None:
            raise
        return from_log


class _PrintedConfigs:
    """Gives each run the schedule of the config it printed into the log (None when it printed none).

    Runs usually print the same text: the last one read is kept. A printed
    config that cannot be read, or that the framework would not train with,
    gives None and a message in :attr:`problems`.
    """

    def __init__(self, log: TrainingLog, options: RunOptions, dialects: dict[str, str] | None = None):
        self.framework = frameworks.get(log.framework)
        self.log = log
        self.path = log.path
        self.options = options
        self.dialects = dialects
        self.problems: list[str] = []
        #: how schedules worked out from the log itself were found (Framework.log_schedule)
        self.notes: list[str] = []
        self._last: tuple[str, Schedule | ScheduleFor | None] | None = None

    def __call__(self, segment: Segment) -> Schedule | None:
        event = segment.event(SOLVER)
        if event is None:
            return None
        if self._last is not None and self._last[0] == event.detail:
            known = self._last[1]
            return known(segment) if callable(known) else known
        source = SourceText(path=self.path, text=event.detail, has_bom=False)
        schedule: Schedule | ScheduleFor | None = None
        requested = (self.dialects or {}).get(self.framework.name)
        default = requested or self.framework.default_dialect
        # the program that printed this config trained with it: when no dialect was asked for and the
        # default one refuses it, the first dialect that takes it is the one the run used
        tried = [default] + ([] if requested else [d for d in self.framework.dialects if d != default])
        failure: InputError | ScheduleError | None = None
        for dialect in tried:
            try:
                loaded = load_source(source, {self.framework.name: dialect}, framework=self.framework)
                schedule, how = _schedule_of(loaded, self.options, self.log)
            except (InputError, ScheduleError) as exc:
                failure = failure or exc
                continue
            if dialect != default:
                how = "; ".join(filter(None, [f"read as {dialect}", how]))
            if how:
                self.notes.append(how)
            break
        if schedule is None and failure is not None and len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"the {self.framework.noun} printed at line {event.line} gives no schedule: "
                                 f"{failure.message}")
        self._last = (event.detail, schedule)
        return schedule(segment) if callable(schedule) else schedule
