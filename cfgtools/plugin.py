"""The contract between cfgtools and a framework package (darknet, caffe, ...).

A framework package knows everything about its framework: how to recognise
its files, how the framework reads them (into a typed model with positions),
the framework-neutral :class:`~cfgtools.schedule.model.Schedule` it trains
with (carrying the framework's own arithmetic), the iteration its checkpoints
store, its dialects (forks), how to show what it read, and its training
recipe in the framework-neutral terms of ``cfgtools.recipe`` (what
``cfgtools convert`` emits code from, and writes as another framework's
config), how to change settings in one of its files by a minimal edit of the
text (``edit_text``: what ``cfgtools extend`` and ``lint --fix`` write; ``edit_files``
when a change goes to another file, as a YOLOv5 opt.yaml's hyp file), and
how to plan a smooth resume with a new end (``plan_extension``; by default the
neutral planner of ``cfgtools.schedule.extend`` on its schedule). It exposes one
object implementing :class:`Framework`; ``cfgtools.frameworks`` lists those
objects and ``cfgtools.loading`` is the one road from a path to a loaded
config. Commands and the linter never import a framework's reader: they go
through the loader and the views a framework offers.

Adding a framework: write its package with a ``plugin.py`` whose object
implements this class, and add one line naming that object to ``cfgtools.frameworks.PLUGINS``.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

from cfgtools.errors import InputError
from cfgtools.positions import Span
from cfgtools.recipe import Expression, Recipe, WrittenRecipe
from cfgtools.schedule.model import Schedule
from cfgtools.sources import SourceText
from cfgtools.trainlog.model import LogFormat

if TYPE_CHECKING:
    from cfgtools.schedule.extend import Plan
    from cfgtools.trainlog.compare import ScheduleFor
    from cfgtools.trainlog.source import TrainingLog


class Recognition(enum.IntEnum):
    """How sure a framework is that a text is one of its files."""

    NO = 0
    #: plausibly one (e.g. a ``.cfg`` whose ``[net]`` comes after stray lines): used when nothing is sure
    FALLBACK = 1
    YES = 2


@dataclass(frozen=True)
class RunOptions:
    """How a config is run, beyond what the file says (command-line options)."""

    #: GPUs of the run (darknet multiplies the base rate by it; others ignore it)
    gpus: int = 1
    #: seed for schedules that draw random numbers (darknet's ``policy=random``)
    seed: int = 0
    #: training images per epoch, for frameworks that schedule by epoch (ultralytics: the batches per
    #: epoch are ``ceil(images / batch)``, the batch size coming from the file); None: not given
    images: int | None = None
    #: batches (iterations) per epoch, given directly instead of ``images``
    batches_per_epoch: int | None = None
    #: classes of the dataset (ultralytics' ``optimizer=auto`` picks AdamW's lr from it); None: not given
    classes: int | None = None


@dataclass(frozen=True)
class Checkpoint:
    """What resuming from a checkpoint takes from it."""

    #: updates completed when the checkpoint was written
    iteration: int
    #: what the framework restores besides the iteration (Caffe's multistep ``current_step_``); None: nothing
    state: Any = None
    #: for messages, e.g. "backup/yolo_last.weights (seen=..., iteration 300019)"
    described: str = ""
    #: what ``iteration`` counts: ``update`` (darknet, Caffe), or ``epoch`` for a framework whose checkpoints
    #: store the epoch and resume at an epoch boundary (ultralytics: the iterations of an epoch belong to the
    #: run, not to the checkpoint); code that needs updates must check it
    unit: str = "update"


@dataclass(frozen=True)
class ExtensionRequest:
    """A resume with a new end, as ``cfgtools extend`` asks for it (see :meth:`Framework.plan_extension`)."""

    #: the new end (max_batches, max_iter, ...) in the framework's :attr:`Framework.horizon_unit`
    #: (iterations; epochs for ultralytics)
    new_end: int
    #: the rate wanted at the new end, or a fraction of the configured rate (default: the old plan's end)
    end_lr: float | None = None
    end_fraction: float | None = None
    #: config keys a plan must not change, or (when given) the only ones it may change besides the end
    keep: tuple[str, ...] = ()
    change: tuple[str, ...] | None = None
    #: where to start from when the old rate is (near) 0 there: a rate, or an iteration of the old run
    start_lr: float | None = None
    rewind_to: int | None = None
    #: the run restarts at iteration 0 on the checkpoint's weights (darknet -clear, Caffe --weights)
    clear: bool = False
    #: GPUs of the resumed run, and of the run that wrote the checkpoint (default: the same)
    gpus: int = 1
    previous_gpus: int | None = None
    #: training images, or batches per epoch, for a framework that schedules by epoch (see RunOptions)
    images: int | None = None
    batches_per_epoch: int | None = None

    @property
    def options(self) -> RunOptions:
        """How the resumed run is run."""
        return RunOptions(gpus=self.gpus, images=self.images, batches_per_epoch=self.batches_per_epoch)

    @property
    def previous_options(self) -> RunOptions:
        """How the checkpoint's run was run."""
        return RunOptions(gpus=self.previous_gpus or self.gpus, images=self.images,
                          batches_per_epoch=self.batches_per_epoch)


@dataclass(frozen=True)
class Description:
    """What ``cfgtools show`` prints for one file."""

    #: JSON-ready (only str, int, float, bool, None, lists and dicts)
    data: dict[str, Any]
    #: the human-readable form
    text: str
    #: ``PATH:LINE:COL: warning: ...`` lines for stderr
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CommentSyntax:
    """How a dialect writes comments (where ``# cfgtools: noqa`` can stand)."""

    #: characters that start a whole-line comment
    line_prefixes: str = "#"
    #: whether ``#`` after a value starts a comment (else it is part of the value)
    trailing: bool = True


@dataclass(eq=False)
class LoadedConfig:
    """One file as its framework reads it, with everything derived from it computed once.

    Made by ``cfgtools.loading``; the framework's :meth:`Framework.read` gave
    :attr:`model`. Views and schedules are computed on first use and kept.
    """

    source: SourceText
    framework: "Framework"
    dialect: str
    model: Any
    _views: dict[str, Any] = field(default_factory=dict, repr=False)
    _schedules: dict[RunOptions, Schedule | Exception] = field(default_factory=dict, repr=False)

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def kind(self) -> str:
        """The framework's name (``darknet``, ``caffe``)."""
        return self.framework.name

    def view(self, name: str) -> Any:
        """The framework's view ``name`` (``net``, ``solver``, ...), or None when this file has none."""
        if name not in self._views:
            self._views[name] = self.framework.view(self, name) if name in self.framework.views else None
        return self._views[name]

    def schedule(self, options: RunOptions = RunOptions()) -> Schedule:
        """The schedule the framework trains with under ``options``; raises InputError/ScheduleError."""
        if options not in self._schedules:
            try:
                self._schedules[options] = self.framework.schedule(self, options)
            except (InputError, ValueError) as exc:  # ScheduleError is a ValueError
                self._schedules[options] = exc
        result = self._schedules[options]
        if isinstance(result, Exception):
            raise result
        return result

    def describe(self) -> Description:
        return self.framework.describe(self)

    def checkpoint(self, path: str) -> Checkpoint:
        return self.framework.checkpoint(path, self)

    def setting_span(self, *names: str) -> Span:
        """Where the first of ``names`` that is written in the file stands, else the framework's anchor."""
        for name in names:
            span = self.framework.setting_span(self, name)
            if span is not None:
                return span
        return self.framework.anchor(self)

    def setting_name(self, parameter: str) -> str:
        """The config key that sets a neutral schedule parameter (``base_lr`` -> ``learning_rate``)."""
        return self.framework.setting_names.get(parameter, parameter)


class Framework(ABC):
    """One framework's knowledge, behind the small interface commands and the linter use."""

    #: registry key and the kind shown to users (``darknet``, ``caffe``)
    name: ClassVar[str]
    #: what one of its config files is called in messages ("darknet cfg", "Caffe solver")
    noun: ClassVar[str]
    #: dialects (forks) whose reading rules and arithmetic differ; the first is the default
    dialects: ClassVar[tuple[str, ...]]
    #: file suffixes a directory walk picks up for this framework
    suffixes: ClassVar[tuple[str, ...]] = ()
    #: named typed views of a loaded file that rules can ask for (see :meth:`view`)
    views: ClassVar[tuple[str, ...]] = ()
    #: neutral schedule parameter -> the config key that sets it (``base_lr`` -> ``learning_rate``)
    setting_names: ClassVar[dict[str, str]] = {}
    #: what the end of a run is counted in, in the config and in ``ExtensionRequest.new_end``: ``update``
    #: (max_batches, max_iter), or ``epoch`` (ultralytics' ``epochs``; the schedule's iterations then
    #: depend on the batches per epoch of the run options)
    horizon_unit: ClassVar[str] = "update"

    @property
    def default_dialect(self) -> str:
        return self.dialects[0]

    @abstractmethod
    def recognise(self, source: SourceText) -> Recognition:
        """Whether ``source`` is one of this framework's config files, from its content."""

    def comment_syntax(self, dialect: str) -> CommentSyntax:
        """How ``dialect`` writes comments."""
        return CommentSyntax()

    def unrecognised(self, source: SourceText) -> str | None:
        """Why a file that looks a little like one of ours is not (None: no opinion)."""
        return None

    @abstractmethod
    def read(self, source: SourceText, dialect: str) -> Any:
        """The typed model of ``source`` as ``dialect`` reads it; :class:`InputError` when it cannot be read."""

    def view(self, loaded: LoadedConfig, name: str) -> Any:
        """The view ``name`` (one of :attr:`views`) of a loaded file, or None when the file has none.

        Called once per name and file (:meth:`LoadedConfig.view` keeps the result).
        """
        return None

    @abstractmethod
    def schedule(self, loaded: LoadedConfig, options: RunOptions) -> Schedule:
        """The schedule the framework trains with; InputError/ScheduleError when it would not train."""

    @abstractmethod
    def describe(self, loaded: LoadedConfig) -> Description:
        """What ``cfgtools show`` prints: every training value and where it came from."""

    def checkpoint(self, path: str, loaded: LoadedConfig) -> Checkpoint:
        """The iteration (and restored state) stored in the checkpoint at ``path``, for this config."""
        raise InputError(f"cfgtools cannot read {self.name} checkpoints", path)

    def setting_span(self, loaded: LoadedConfig, name: str) -> Span | None:
        """Where the setting ``name`` is written in the file (None: not written, or not a setting of ours)."""
        return None

    def plan_extension(self, loaded: LoadedConfig, checkpoint: Checkpoint, request: ExtensionRequest) -> list[Plan]:
        """The edits of ``loaded`` (the config the checkpoint was trained with) that resume it smoothly.

        Best first; each :class:`~cfgtools.schedule.extend.Plan` names its
        changes by config key, ready for :meth:`edit_files`. Raises
        ``ExtendRefused`` (an InputError, one line with the reason) when no
        plan exists, ``ZeroRateAtResume`` when a start rate is needed. The
        default runs the neutral planner on the framework's schedule.
        """
        from cfgtools.schedule import extend  # lazy: it imports numpy, which show must not

        old = loaded.schedule(request.previous_options)
        options = dict(current_step=checkpoint.state, end_lr=request.end_lr, end_fraction=request.end_fraction,
                       allowed=extend.allowed_parameters(old, request.keep, request.change),
                       start_lr=request.start_lr, rewind_to=request.rewind_to, gpus=request.gpus)
        if request.clear:
            return extend.plan_restart(old, checkpoint.iteration, request.new_end, **options)
        return extend.plan_extension(old, checkpoint.iteration, request.new_end, **options)

    def edit_text(self, loaded: LoadedConfig, changes: Mapping[str, Any]) -> str:
        """The file's text with each setting of ``changes`` (config key -> new value) set, and nothing else.

        Only the changed values' text differs: comments, order, blank lines and
        line ends are kept, and a key the file does not write is added where
        the framework reads it. Raises InputError when the file cannot be
        edited so. The default: this framework's files cannot be edited.
        """
        raise InputError(f"cfgtools cannot edit a {self.noun}", loaded.path)

    def edit_files(self, loaded: LoadedConfig, changes: Mapping[str, Any]) -> dict[str, str]:
        """Every file that ``changes`` (config key -> new value) rewrites, by path, with its new text.

        The same promises as :meth:`edit_text`, for a framework whose settings
        live in more than one file (a YOLOv5 v5.0/v6.1 opt.yaml names the hyp
        file holding ``lr0`` and ``lrf``). The default: ``{loaded.path: edit_text(...)}``.
        """
        return {loaded.path: self.edit_text(loaded, changes)}

    def edited_schedule(self, edited: LoadedConfig, texts: Mapping[str, str], options: RunOptions) -> Schedule:
        """The schedule ``edited`` (the config, loaded from its new text) trains with once every file of
        ``texts`` (path -> new text, what :meth:`edit_files` returned) holds its new text; nothing is written.

        The default: ``edited.schedule(options)`` (the config is the only file its schedule reads).
        """
        return edited.schedule(options)

    def anchor(self, loaded: LoadedConfig) -> Span:
        """Where a finding about the whole training recipe points when no setting is written."""
        return Span.point(1)

    def changed_settings(self, old: LoadedConfig, new: LoadedConfig) -> tuple[str, ...]:
        """The training settings whose values differ between two files of this framework."""
        return ()

    def dependencies(self, loaded: LoadedConfig) -> tuple[str, ...]:
        """Other files whose content (or absence) the findings on ``loaded`` depend on: the lint result
        cache reuses a result only while each of them is as it was (a YOLOv5 opt.yaml's hyp file)."""
        return ()

    def images_per_update(self, loaded: LoadedConfig, options: RunOptions) -> int | None:
        """Training images one update consumes (None: the config does not say)."""
        return None

    def log_format(self) -> LogFormat | None:
        """How the framework's training program prints its log (None: cfgtools cannot read its logs).

        ``cfgtools log`` tells which program wrote a log by asking every
        framework's format in turn (:func:`cfgtools.logs.open_training_log`).
        """
        return None

    def log_header(self, loaded: LoadedConfig) -> dict[str, float]:
        """Settings of ``loaded`` that the training program prints when a run starts, besides the rate,
        by name (darknet's ``Learning Rate: %g, Momentum: %g, Decay: %g``: momentum and decay)."""
        return {}

    def log_schedule(self, loaded: LoadedConfig, options: RunOptions,
                     log: TrainingLog) -> tuple[ScheduleFor, str] | None:
        """For a config whose rates follow what happens in training (SSD Caffe's ``plateau``): each run's
        schedule worked out from ``log`` itself, and a phrase saying how. None (the default): the config
        gives its schedule alone, or none."""
        return None

    def schedule_notes(self, schedule: Schedule, options: RunOptions) -> list[str]:
        """What a user should know about the rates printed or drawn for ``schedule`` (one sentence each)."""
        return []

    def dialect_for(self, source: SourceText, requested: str | None) -> str:
        """The dialect to read ``source`` with: ``requested`` (the user's choice; None: none), else the
        framework's default for this file (ultralytics infers the version from the file's keys).

        A framework may pass over a request that does not apply to the file (an ultralytics version asked
        for a YOLOv5 file) and use the file's own default.
        """
        return requested or self.default_dialect

    def recipe(self, loaded: LoadedConfig, options: RunOptions) -> Recipe:
        """The training recipe the framework runs ``loaded`` with under ``options``.

        Its schedule is ``loaded.schedule(options)``; its optimizer, header keys
        and notes are the framework's, in neutral terms. Raises InputError or
        ScheduleError (one line with a position) when the framework would not
        read or train with the file; ``problems`` lists what it would still
        refuse at run time. The default says the framework cannot be converted.
        """
        raise InputError(f"cfgtools cannot convert a {self.noun}: {self.name} has no training recipe", loaded.path)

    def express(self, schedule: Schedule) -> Expression:
        """Schedules of this framework that may reproduce ``schedule`` (another framework's), most faithful first.

        Each candidate carries this framework's arithmetic; the caller compares
        them with ``schedule`` update by update (update k of a run uses the
        iteration ``first_update + k - 1`` of each), so a candidate is a guess
        that is checked, never trusted. The default offers none.
        """
        return Expression(notes=(f"cfgtools cannot write a {self.noun}",))

    def write_recipe(self, recipe: Recipe, schedule: Schedule) -> WrittenRecipe:
        """``recipe`` (another framework's) as this framework's config text, with ``schedule`` (a candidate
        of :meth:`express`) as its learning-rate schedule; what the text cannot say is in ``problems``."""
        raise NotImplementedError(f"{self.name} writes no config (its express() offers no candidate)")
