"""YOLOv5 and ultralytics as a cfgtools framework: recognise, read, schedule, checkpoints, show, extension plans.

Files: YOLOv5 ``hyp*.yaml`` and ``opt.yaml``, ultralytics ``args.yaml`` and
``default.yaml`` (or a ``cfg=`` override), recognised by their keys, never their
names. The dialects are the versions of :mod:`cfgtools.ultralytics.versions`:
``--framework-version`` chooses one for the files of its family; otherwise the
version is inferred from the file's keys, else the family's default
(``yolov5-7.0`` for YOLOv5 files, ``ultralytics-8.3`` for ultralytics ones).

The views a loaded file offers: ``yolo_settings`` (the
:class:`~cfgtools.ultralytics.settings.SettingsFile`: every key with its value,
position and the reading findings) and ``yolo_training`` (the
:class:`~cfgtools.ultralytics.schedule.TrainingConfig` of the run the file
describes; None when the file does not say enough, as a hyp file, which has no
epoch count or batch size).

The schedule (``cfgtools.ultralytics.rate``) is per iteration: it needs the
batches per epoch, from ``RunOptions.images`` (``ceil(images / batch)`` per GPU,
``RunOptions.gpus`` being the DDP world size) or ``RunOptions.batches_per_epoch``.
A checkpoint (``last.pt``) stores an epoch, so :meth:`Ultralytics.checkpoint`
counts in epochs (``Checkpoint.unit == "epoch"``), and so does the end of a run
(``horizon_unit``: ``ExtensionRequest.new_end`` is the new ``epochs``).

Extending a run (``cfgtools extend``): :meth:`Ultralytics.plan_epochs` is the
epoch planner of ``cfgtools.ultralytics.extend`` (new ``lr0``/``lrf``),
:meth:`Ultralytics.plan_extension` gives it as the protocol's neutral plan, and
:meth:`Ultralytics.edit_files` writes it, into the hyp file a v5.0/v6.1
opt.yaml names where ``lr0``/``lrf`` live there. ultralytics resumes with the
``train_args`` stored in ``last.pt``, not args.yaml: the plan's notes give the
values to write there too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from cfgtools.errors import InputError
from cfgtools.ultralytics import DIALECTS
from cfgtools.plugin import (
    Checkpoint,
    CommentSyntax,
    Description,
    ExtensionRequest,
    Framework,
    LoadedConfig,
    Recognition,
    RunOptions,
)
from cfgtools.positions import Span
from cfgtools.recipe import Expression, HeaderKey, Recipe
from cfgtools.schedule.extend import ExtendRefused, Plan
from cfgtools.schedule.model import Schedule, ScheduleError
from cfgtools.sources import UTF8_BOM, SourceText
from cfgtools.ultralytics.checkpoint import CheckpointInfo, read_checkpoint
from cfgtools.ultralytics.extend import ExtensionPlan, neutral_plan, plan_extension
from cfgtools.ultralytics.rate import run_of, schedule_for_run
from cfgtools.ultralytics.recipe import HEADER_KEYS as RECIPE_HEADER_KEYS
from cfgtools.ultralytics.recipe import build_recipe
from cfgtools.ultralytics.schedule import ScheduleError as RunError
from cfgtools.ultralytics.schedule import TrainingConfig, batches_per_epoch, choose_optimizer
from cfgtools.ultralytics.settings import (
    SCHEDULE_KEYS,
    SettingsFile,
    detect_kind,
    infer_version,
    kind_in_family,
    looks_like_settings,
    read_settings,
    settings_from_checkpoint,
    settings_from_document,
    training_config,
)
from cfgtools.ultralytics.versions import DEFAULT_VERSIONS, get_version
from cfgtools.ultralytics.yamlfile import MAX_BYTES, YamlDocument, parse_yaml, plain_text, set_scalar
from cfgtools.values import printable

#: a top-level key: at the start of a line, plain or quoted, followed by ':' and a blank or the line's end
_TOP_LEVEL_KEY = re.compile(r"""^(?:'([^'\n]*)'|"([^"\n]*)"|([A-Za-z_][A-Za-z0-9_.-]*))[ \t]*:(?=[ \t\r]|$)""",
                            re.MULTILINE)
#: the settings the lr schedule reads, compared by changed_settings (opt.yaml of v6.2+ nests the hyperparameters)
_TRAINING_KEYS = (*SCHEDULE_KEYS, "epochs", "batch", "batch_size", "total_batch_size", "nbs", "cos_lr", "linear_lr",
                  "optimizer", "adam")
#: what each family calls its files, for messages
_FILE_NAMES = {"yolov5-hyp": "YOLOv5 hyp file", "yolov5-opt": "YOLOv5 opt.yaml",
               "ultralytics-args": "ultralytics args.yaml", "ultralytics-default": "ultralytics settings file"}
#: how far above an opt.yaml (runs/train/exp/) its hyp file's relative path may start (the YOLOv5 checkout)
_HYP_SEARCH_LEVELS = 3
_ROLES = {"bias": "biases", "weight": "weights with decay", "bn": "BatchNorm weights", "muon": "MuSGD matrices"}


def top_level_keys(text: str) -> frozenset[str]:
    """The keys of a YAML text's top-level block mapping, found by their lines (no parsing)."""
    return frozenset(next(group for group in match.groups() if group is not None)
                     for match in _TOP_LEVEL_KEY.finditer(text.lstrip(UTF8_BOM)))


class Ultralytics(Framework):
    name = "ultralytics"
    noun = "YOLOv5/ultralytics settings YAML"
    dialects = DIALECTS
    suffixes = (".yaml", ".yml")
    views = ("yolo_settings", "yolo_training")
    setting_names = {"base_lr": "lr0", "horizon": "epochs", "policy": "cos_lr"}
    horizon_unit = "epoch"

    def __init__(self) -> None:
        # the last document parsed: dialect_for and read see the same source one after the other
        self._parsed: tuple[SourceText, YamlDocument] | None = None

    # -- reading ------------------------------------------------------------------------------------------------------

    def recognise(self, source: SourceText) -> Recognition:
        """Settings YAML by its top-level keys (see ``settings.looks_like_settings``); other YAML is not ours."""
        return Recognition.YES if looks_like_settings(top_level_keys(source.text)) else Recognition.NO

    def comment_syntax(self, dialect: str) -> CommentSyntax:
        # YAML: '#' after a blank ends the value, so a trailing `# cfgtools: noqa: UL001` is a comment
        return CommentSyntax(line_prefixes="#", trailing=True)

    def document(self, source: SourceText) -> YamlDocument:
        """The parsed YAML of ``source`` (kept for the next call with the same source)."""
        if self._parsed is not None and self._parsed[0] is source:
            return self._parsed[1]
        if len(source.text) > MAX_BYTES:
            raise InputError(f"file is larger than {MAX_BYTES // 1024} KiB: not a settings file", source.path)
        document = parse_yaml(source.text, source.path)
        self._parsed = (source, document)
        return document

    def dialect_for(self, source: SourceText, requested: str | None) -> str:
        """``requested`` when it is a version of the file's family (YOLOv5 or ultralytics), else the version the
        file's keys show, else the family's default."""
        try:
            document = self.document(source)
        except InputError:
            return requested or self.default_dialect  # read() reports why
        kind = detect_kind(document)
        if kind is None:
            return requested or self.default_dialect
        family = "yolov5" if kind.startswith("yolov5") else "ultralytics"
        if requested:
            try:
                rules = get_version(requested)
            except ValueError:
                return requested  # read() reports the unknown version
            if rules.family == family or kind_in_family(document, rules.family) is not None:
                return rules.name
        return infer_version(kind, document) or DEFAULT_VERSIONS[family]

    def read(self, source: SourceText, dialect: str) -> SettingsFile:
        """The settings as ``dialect`` reads them; a file whose keys fit both families is read as a file of the
        dialect's family (an ``lr0``-only override is a YOLOv5 hyp file unless an ultralytics version is named)."""
        document = self.document(source)
        kind = detect_kind(document)
        try:
            family = get_version(dialect).family
        except ValueError:
            family = None  # settings_from_document reports the unknown version
        if kind is not None and family is not None and not kind.startswith(family):
            kind = kind_in_family(document, family) or kind
        return settings_from_document(document, version=dialect, kind=kind)

    def view(self, loaded: LoadedConfig, name: str) -> Any:
        if name == "yolo_settings":
            return loaded.model
        if name == "yolo_training":
            try:
                return self.training(loaded, RunOptions())
            except (ScheduleError, InputError):
                return None
        return None

    # -- the run ------------------------------------------------------------------------------------------------------

    def hyperparameters_file(self, loaded: LoadedConfig, replaced: Mapping[str, str] = {}) -> SettingsFile | None:
        """The hyp file a YOLOv5 v5.0/v6.1 opt.yaml names (its ``hyp`` is a path there; None for other files).

        train.py opens the path from its checkout; an opt.yaml lives in
        ``runs/train/exp/``, so the path is tried as written (absolute, or from the
        current directory), from the opt.yaml's folder and from up to three folders
        above it. ``replaced`` (path -> text) gives the text of a file about to be
        rewritten (``edit_files``) in place of the one on disk.
        :class:`ScheduleError` when it is not found or not readable.
        """
        settings: SettingsFile = loaded.model
        written = settings.values.get("hyp")
        candidates = self._hyperparameters_candidates(loaded)
        if not candidates:  # not an opt.yaml that names its hyp file
            return None
        for candidate in candidates:
            if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
                try:
                    if str(candidate) in replaced:
                        return settings_from_document(parse_yaml(replaced[str(candidate)], str(candidate)),
                                                      version=settings.rules.name, kind="yolov5-hyp")
                    return read_settings(candidate, version=settings.rules.name, kind="yolov5-hyp")
                except InputError as exc:
                    raise ScheduleError(f"the hyp file it names is unreadable: {exc.format()}", loaded.path,
                                        *self._position(loaded, "hyp")) from None
        raise ScheduleError(f"hyp: {printable(written)} is the hyperparameters file of this {settings.rules.name} "
                            "run, and it is not found from here (run from the YOLOv5 checkout, or lint the hyp file)",
                            loaded.path, *self._position(loaded, "hyp"))

    def _hyperparameters_candidates(self, loaded: LoadedConfig) -> list[Path]:
        """Where train.py may find the hyp file a v5.0/v6.1 opt.yaml names, in the order tried."""
        settings: SettingsFile = loaded.model
        written = settings.values.get("hyp")
        if settings.kind != "yolov5-opt" or not isinstance(written, str):
            return []
        hyp_path = Path(written)
        folder = Path(loaded.path).resolve().parent
        return [hyp_path] if hyp_path.is_absolute() else \
            [hyp_path, *(base / hyp_path for base in [folder, *folder.parents][:_HYP_SEARCH_LEVELS + 1])]

    def dependencies(self, loaded: LoadedConfig) -> tuple[str, ...]:
        """The places tried for the hyp file a v5.0/v6.1 opt.yaml names (the found one and those before it)."""
        return tuple(str(candidate.resolve()) for candidate in self._hyperparameters_candidates(loaded))

    def training(self, loaded: LoadedConfig, options: RunOptions, replaced: Mapping[str, str] = {}) -> TrainingConfig:
        """The run's settings: the file's, with the training images and classes of ``options`` (for
        ``optimizer=auto``); :class:`ScheduleError` when the file does not say enough to train. ``replaced``:
        see :meth:`hyperparameters_file`."""
        settings: SettingsFile = loaded.model
        hyp = self.hyperparameters_file(loaded, replaced)
        try:
            return training_config(settings, hyp, images=options.images, classes=options.classes)
        except RunError as exc:
            raise ScheduleError(str(exc), loaded.path, *self._position(loaded, exc.key)) from None

    def checkpoint_training(self, loaded: LoadedConfig, info: CheckpointInfo, options: RunOptions) -> TrainingConfig:
        """The settings of the run that wrote a checkpoint (YOLOv5 ``opt``, ultralytics ``train_args``), read
        with this file's version. A v5.0/v6.1 ``opt`` names its hyp file by path: the hyperparameters are then
        this file's (a hyp file) or those of the hyp file it names. :class:`ScheduleError` when they do not say
        enough to train."""
        settings: SettingsFile = loaded.model
        family = "yolov5" if info.flavour == "yolov5" else "ultralytics"
        if family != settings.rules.family:
            raise ScheduleError(f"{info.path} is a {family} checkpoint, and this is a {settings.rules.family} file",
                                loaded.path)
        try:
            stored = settings_from_checkpoint(info, settings.rules.name)
        except InputError as exc:
            raise ScheduleError(exc.message, loaded.path) from None
        hyp = None
        if stored.kind == "yolov5-opt" and not isinstance(stored.values.get("hyp"), dict):
            hyp = settings if settings.kind == "yolov5-hyp" else self.hyperparameters_file(loaded)
        try:
            return training_config(stored, hyp, images=options.images, classes=options.classes)
        except RunError as exc:
            raise ScheduleError(f"{info.path}: {exc}", loaded.path) from None

    def batches(self, loaded: LoadedConfig, options: RunOptions, config: TrainingConfig) -> int | None:
        """Batches per epoch: ``options.batches_per_epoch``, else from ``options.images`` (None: neither)."""
        if options.batches_per_epoch is not None:
            return options.batches_per_epoch
        if options.images is None:
            return None
        try:
            return batches_per_epoch(options.images, config.batch, world_size=options.gpus)
        except RunError as exc:
            raise ScheduleError(str(exc), loaded.path) from None

    def schedule(self, loaded: LoadedConfig, options: RunOptions) -> Schedule:
        return self.edited_schedule(loaded, {}, options)

    def edited_schedule(self, edited: LoadedConfig, texts: Mapping[str, str], options: RunOptions) -> Schedule:
        """The schedule, reading a v5.0/v6.1 opt.yaml's hyp file from ``texts`` when it is one of them."""
        config = self.training(edited, options, texts)
        nb = self.batches(edited, options, config)
        if nb is None:
            raise ScheduleError("the ultralytics schedule is per iteration: give the training images (--images N; "
                                "the batch size comes from the file) or --batches-per-epoch NB", edited.path)
        try:
            return schedule_for_run(config, edited.model.rules, nb, edited.path)
        except RunError as exc:
            raise ScheduleError(str(exc), edited.path) from None

    def checkpoint(self, path: str, loaded: LoadedConfig) -> Checkpoint:
        """The epochs a ``last.pt`` has completed (``unit`` epoch), with its :class:`CheckpointInfo` as the state.

        A finished run's stripped checkpoint (``epoch`` -1) has completed none a
        resume can continue: training from it starts at epoch 0.
        """
        info = read_checkpoint(path)
        if info.epoch is None:
            raise InputError("the checkpoint stores no epoch: not a training checkpoint (last.pt, best.pt)", path)
        if info.finished:
            return Checkpoint(0, info, f"{path} (a finished run, stripped: epoch -1)", unit="epoch")
        return Checkpoint(info.start_epoch, info, f"{path} (epoch {info.epoch} done)", unit="epoch")

    def images_per_update(self, loaded: LoadedConfig, options: RunOptions) -> int | None:
        """An iteration trains on one batch (all GPUs); the optimizer steps every ``accumulate`` iterations."""
        try:
            return self.training(loaded, options).batch
        except (ScheduleError, InputError):
            return None

    def schedule_notes(self, schedule: Schedule, options: RunOptions) -> list[str]:
        run = run_of(schedule)
        roles = ", ".join(f"pg{index} {_ROLES[group.role]}" + (f" x{group.scale}" if group.scale != 1 else "")
                          for index, group in enumerate(run.groups))
        notes = [f"{run.rules.name} parameter groups: {roles}"]
        if run.optimizer.auto:
            notes.append(f"optimizer=auto chose {run.optimizer.name} with lr {run.optimizer.lr:g} and momentum "
                         f"{run.optimizer.momentum:g}: lr0 and momentum are ignored, warmup_bias_lr is 0")
        warmup = f"warm-up: iterations 0..{run.nw}" if run.warmup_on else "no warm-up"
        notes.append(f"{run.nb} batches per epoch, {run.epochs} epochs; {warmup}; the optimizer steps every "
                     f"{run.accumulate} iteration(s) after it (nbs {run.config.nbs} / batch {run.config.batch})")
        return notes

    # -- positions and comparisons ------------------------------------------------------------------------------------

    def _entry(self, loaded: LoadedConfig, name: str):
        document = loaded.model.document
        path = tuple(name.split("."))
        entry = document.find(*path)
        if entry is None and len(path) == 1:
            entry = document.find("hyp", name)  # YOLOv5 v6.2+ opt.yaml nests the hyperparameters
        return entry

    def _position(self, loaded: LoadedConfig, name: str | None) -> tuple[int, int]:
        """Where ``name`` is written, else the file's first key (for one-line errors)."""
        span = (self.setting_span(loaded, name) if name else None) or self.anchor(loaded)
        return span.line, span.column

    def setting_span(self, loaded: LoadedConfig, name: str) -> Span | None:
        """Where ``name`` (``lr0``, ``hyp.lr0``, or a neutral name such as ``base_lr``) is written; None if not."""
        entry = self._entry(loaded, self.setting_names.get(name, name))
        if entry is None:
            return None
        node = entry.node
        return entry.key_span if node.entries is not None else node.span

    def anchor(self, loaded: LoadedConfig) -> Span:
        entries = loaded.model.document.entries
        return next(iter(entries.values())).key_span if entries else Span.point(1)

    def changed_settings(self, old: LoadedConfig, new: LoadedConfig) -> tuple[str, ...]:
        """The settings of the lr schedule whose values differ (``epochs``, ``lr0``...; hyperparameters by name)."""
        before, after = _training_values(old.model), _training_values(new.model)
        return tuple(key for key in _TRAINING_KEYS if key in after and before.get(key) != after[key])

    # -- show ---------------------------------------------------------------------------------------------------------

    def describe(self, loaded: LoadedConfig) -> Description:
        settings: SettingsFile = loaded.model
        path = loaded.path
        kind_name = _FILE_NAMES[settings.kind]
        origin = self._version_origin(loaded)
        entries: dict[str, dict[str, Any]] = {}
        for key, value in _flat(settings.values).items():
            entry = self._entry(loaded, key)
            written = entry is not None and (key in settings.present or key.startswith("hyp."))
            span = entry.node.span if written else None
            entries[key] = {
                "value": value,
                "source": "file" if written else "default",
                "position": None if span is None else {"line": span.line, "column": span.column},
            }
        training: dict[str, Any] | None = None
        try:
            config = self.training(loaded, RunOptions())
        except (ScheduleError, InputError) as exc:
            schedule_note = f"not enough to train: {exc.message}"
        else:
            training = config.model_dump(mode="json", exclude={"images", "classes"})
            optimizer = config.optimizer
            if optimizer == "auto":
                optimizer += " (chooses by the training images: lr0 and momentum are ignored)"
            schedule_note = (f"{config.epochs} epochs, batch {config.batch}, nbs {config.nbs}, "
                             f"{'cosine' if config.cos_lr else 'linear'} lr factor, optimizer {optimizer}")
        data = {
            "path": path, "kind": "ultralytics", "file": settings.kind, "version": settings.rules.name,
            "version_source": origin, "settings": entries, "training": training,
            "findings": [{"kind": f.kind, "key": f.key, "message": f.message,
                          "position": {"line": f.span.line, "column": f.span.column}} for f in settings.findings],
        }
        warnings = [printable(f"{path}:{f.span.line}:{f.span.column}: warning: {f.message}")
                    for f in settings.findings]
        lines = [printable(f"{path}: {kind_name}, read with the rules of {settings.rules.name} ({origin})")]
        for key, entry in entries.items():
            position = entry["position"]
            where = "default" if position is None else f"line {position['line']}"
            if key in settings.invalid:
                where += ", unusable: the default stands"
            lines.append(f"  {printable(key):<22} {_shown(entry['value']):<24} {where}")
        lines.append(f"  {'(schedule)':<22} {printable(schedule_note)}")
        return Description(data, "\n".join(lines) + "\n", warnings)

    def _version_origin(self, loaded: LoadedConfig) -> str:
        settings: SettingsFile = loaded.model
        name = settings.rules.name
        if infer_version(settings.kind, settings.document) == name:
            return "inferred from its keys"
        if DEFAULT_VERSIONS[settings.rules.family] == name:
            return f"the default for {settings.rules.family} files; --framework-version chooses another"
        return "chosen with --framework-version"

    # -- conversion ---------------------------------------------------------------------------------------------------

    def recipe(self, loaded: LoadedConfig, options: RunOptions) -> Recipe:
        """The run's recipe (``cfgtools.ultralytics.recipe``): its optimizer with the version's three parameter
        groups and the schedule's per-iteration hook. Needs the batches per epoch like the schedule, and for
        ``optimizer=auto`` the training images and classes; :class:`ScheduleError` otherwise."""
        settings: SettingsFile = loaded.model
        schedule = self.schedule(loaded, options)
        hyp = self.hyperparameters_file(loaded)
        values = {**(hyp.values if hyp is not None else {}), **_training_values(settings)}
        invalid = set(settings.invalid) | (set(hyp.invalid) if hyp is not None else set())
        if {"weight_decay", "hyp.weight_decay"} & invalid or not isinstance(values.get("weight_decay"), (int, float)):
            raise ScheduleError("weight_decay is missing or unusable (see the findings)", loaded.path,
                                *self._position(loaded, "weight_decay"))
        config = run_of(schedule).config
        shown = {**values, "batch": config.batch, "epochs": config.epochs, "nbs": config.nbs,
                 "cos_lr": config.cos_lr, "optimizer": config.optimizer}
        header = tuple(HeaderKey(key, _shown(shown[key]), self._origin(loaded, hyp, key))
                       for key in RECIPE_HEADER_KEYS if key in shown)
        try:
            return build_recipe(schedule, float(values["weight_decay"]), header,
                                self.schedule_notes(schedule, options), loaded.path)
        except RunError as exc:
            raise ScheduleError(str(exc), loaded.path, *self._position(loaded, exc.key)) from None

    def _origin(self, loaded: LoadedConfig, hyp: SettingsFile | None, key: str) -> str:
        """Where a setting of the recipe comes from: "file line N", the hyp file's line, or "default"."""
        for name in ("batch", "batch_size", "total_batch_size") if key == "batch" else (key,):
            span = self.setting_span(loaded, name)
            if span is not None:
                return f"file line {span.line}"
        if hyp is not None and key in hyp.present:
            entry = hyp.document.find(key)
            return f"hyp file line {entry.key_span.line}" if entry is not None else "hyp file"
        return "default"

    def express(self, schedule: Schedule) -> Expression:
        """None: cfgtools writes no YOLOv5/ultralytics settings (their schedule is ``lr0`` times a factor per
        epoch after a warm-up per iteration, which a schedule of updates does not map onto)."""
        return Expression(notes=(
            "cfgtools writes no YOLOv5/ultralytics settings: their lr is lr0 times a factor per epoch (linear to "
            "lr0*lrf, or a cosine) after a warm-up per iteration, and a darknet or Caffe schedule of updates has "
            "no epochs",))

    # -- extending a run ----------------------------------------------------------------------------------------------

    def plan_epochs(self, loaded: LoadedConfig, new_epochs: int, options: RunOptions,
                    resume: Checkpoint | int, target: float | None = None) -> ExtensionPlan:
        """The ``lr0``/``lrf`` edits that let the run of ``loaded`` resume with ``new_epochs`` epochs smoothly.

        ``loaded`` holds the settings the run was trained with (its opt.yaml or
        args.yaml); ``resume`` is its checkpoint (:meth:`checkpoint`: the start
        epoch, and the lr the optimizer state restores) or the epochs completed.
        The plan (``cfgtools.ultralytics.extend``) keeps the weights' lr continuous
        at the first epoch the new factor sets and reaches ``target`` (default the
        old run's ``lr0 * lrf``) at the new last epoch. :class:`ScheduleError` when
        the run cannot be planned (a hyp file alone, no batches per epoch, a
        finished checkpoint, a version that refuses the resume).
        """
        config = self.training(loaded, options)
        nb = self._planning_batches(loaded, options, config)
        start, restored = self._resume_point(loaded, resume)
        try:
            return plan_extension(config, loaded.model.rules, nb, start, new_epochs, target, restored)
        except RunError as exc:
            raise ScheduleError(str(exc), loaded.path) from None

    def _planning_batches(self, loaded: LoadedConfig, options: RunOptions, config: TrainingConfig) -> int:
        nb = self.batches(loaded, options, config)
        if nb is None:
            raise ScheduleError("planning an extension needs the batches per epoch: give the training images "
                                "(--images N) or --batches-per-epoch NB", loaded.path)
        return nb

    def _resume_point(self, loaded: LoadedConfig, resume: Checkpoint | int) -> tuple[int, tuple[float, ...] | None]:
        """The start epoch, and the weights' lr of every group the checkpoint restores (None: not stored)."""
        if isinstance(resume, int):
            return resume, None
        info = resume.state
        if not isinstance(info, CheckpointInfo):  # the epochs done, given as a number
            return resume.iteration, None
        if info.finished:
            raise ScheduleError(f"{resume.described}: a finished run cannot be resumed, only trained again "
                                "from its weights (a new run, with its own warm-up)", loaded.path)
        lrs = [group.lr for group in info.param_groups]
        # the schedule refuses a count of groups that is not the optimizer's
        return resume.iteration, tuple(lrs) if lrs and all(lr is not None for lr in lrs) else None

    def plan_extension(self, loaded: LoadedConfig, checkpoint: Checkpoint, request: ExtensionRequest) -> list[Plan]:
        """The one plan of :meth:`plan_epochs` as a neutral :class:`~cfgtools.schedule.extend.Plan`.

        ``request.new_end`` is the new epoch count (:attr:`horizon_unit`); the
        batches per epoch come from ``request.images`` (with the file's batch and
        ``request.gpus``) or ``request.batches_per_epoch``; ``end_lr`` or
        ``end_fraction`` (of the lr the optimizer uses: ``lr0``, or what
        ``optimizer=auto`` chose) set the target. A checkpoint whose stored
        settings (``opt``, ``train_args``) differ from the file's schedule
        settings is refused: the plan must start from the run that wrote it.
        Options that have no meaning here (``--clear``: training again from
        last.pt's weights is a new run; ``--start-lr``, ``--rewind-to``) and
        ``--keep``/``--change`` that exclude lr0 or lrf are refused. Raises
        ``ExtendRefused`` (one line) when no lr0/lrf edit works.
        """
        refused = _unsupported(request)
        if refused:
            raise ExtendRefused(refused, loaded.path)
        options = request.options
        config = self.training(loaded, options)
        nb = self._planning_batches(loaded, options, config)
        self._check_stored_settings(loaded, checkpoint, options, config)
        rules = loaded.model.rules
        target = request.end_lr
        if request.end_fraction is not None:
            target = request.end_fraction * choose_optimizer(config, rules).lr
        plan = self.plan_epochs(loaded, request.new_end, options, checkpoint, target)
        if not plan.feasible:
            raise ExtendRefused(f"no lr0/lrf edit resumes at epoch {plan.start_epoch} with {plan.epochs} epochs "
                                f"smoothly: {plan.reason}", loaded.path)
        _, restored = self._resume_point(loaded, checkpoint)
        return [neutral_plan(plan, config, rules, nb, restored, loaded.path)]

    def _check_stored_settings(self, loaded: LoadedConfig, checkpoint: Checkpoint, options: RunOptions,
                               config: TrainingConfig) -> None:
        info = checkpoint.state
        if not isinstance(info, CheckpointInfo) or not info.settings:
            return
        try:
            stored = self.checkpoint_training(loaded, info, options)
        except ScheduleError:
            return  # the stored settings say too little to compare: the file stands for them
        differing = [f"{name}={getattr(stored, name)!r}" for name in ("epochs", "lr0", "lrf", "cos_lr")
                     if getattr(stored, name) != getattr(config, name)]
        if differing:
            raise ExtendRefused(f"{checkpoint.described} was trained with {', '.join(differing)}, not this file's "
                                "values: give the settings the checkpoint was trained with", loaded.path)

    def edit_files(self, loaded: LoadedConfig, changes: Mapping[str, Any]) -> dict[str, str]:
        """The files to rewrite for ``changes`` (``epochs``, ``lr0``, ``lrf``, ``optimizer``...) and their new texts,
        changed only at those values.

        Where each value goes: beside the others in the opt.yaml or args.yaml; a
        hyperparameter (``lr0``, ``lrf``, ``momentum``...) of a YOLOv5 opt.yaml
        under its ``hyp:`` (v6.2+), or in the hyp file a v5.0/v6.1 opt.yaml names.
        A value the file does not write is added as a new top-level line.
        ultralytics resumes with the ``train_args`` stored in ``last.pt``, not its
        args.yaml (8.3.0 trainer.py ``check_resume``): the same values must be
        written there too. InputError when a value cannot be written so.
        """
        settings: SettingsFile = loaded.model
        documents: dict[str, YamlDocument] = {loaded.path: settings.document}
        hyp = self.hyperparameters_file(loaded) if settings.kind == "yolov5-opt" else None
        if hyp is not None:
            documents[hyp.path] = hyp.document
        texts: dict[str, str] = {}
        for key, value in changes.items():
            path, names = loaded.path, (key,)
            if settings.kind == "yolov5-opt" and key in SCHEDULE_KEYS:
                path, names = (hyp.path, (key,)) if hyp is not None else (loaded.path, ("hyp", key))
            document = parse_yaml(texts[path], path) if path in texts else documents[path]
            try:
                texts[path] = set_scalar(document, names, value)
            except ValueError as exc:
                raise InputError(f"cannot set {'.'.join(names)}: {exc}", path) from None
        return texts

    def edit_text(self, loaded: LoadedConfig, changes: Mapping[str, Any]) -> str:
        """:meth:`edit_files` when every change goes to this file; InputError when one goes to its hyp file."""
        texts = self.edit_files(loaded, changes)
        others = sorted(set(texts) - {loaded.path})
        if others:
            raise InputError(f"the change also edits {others[0]}: its hyp file", loaded.path)
        return texts.get(loaded.path, loaded.source.text)


def _unsupported(request: ExtensionRequest) -> str | None:
    """Why a request asks what an lr0/lrf plan cannot do (None: it does not)."""
    if request.clear:
        return ("--clear: training again from last.pt's weights is a new run (epoch 0, a fresh optimizer, the "
                "warm-up from the start), with nothing to continue: plan it as a new run")
    if request.start_lr is not None or request.rewind_to is not None:
        return "--start-lr and --rewind-to do not apply to YOLOv5/ultralytics plans: the lr continues the checkpoint's"
    planned = {"lr0", "lrf"}
    if planned & set(request.keep) or (request.change is not None and not planned <= set(request.change)):
        return "the only plan changes lr0 and lrf (and epochs): --keep or --change leaves none"
    return None


def _flat(values: dict[str, Any]) -> dict[str, Any]:
    """The settings with an opt.yaml's nested hyperparameters as ``hyp.lr0``..."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if key == "hyp" and isinstance(value, dict):
            flat.update({f"hyp.{name}": item for name, item in value.items()})
        else:
            flat[key] = value
    return flat


def _training_values(settings: SettingsFile) -> dict[str, Any]:
    values = dict(settings.values)
    if isinstance(values.get("hyp"), dict):
        values.update(values.pop("hyp"))
    return values


def _shown(value: Any) -> str:
    """A value as YAML writes it (``1.0e-05``, ``true``, ``null``), on one line."""
    try:
        return plain_text(value)
    except ValueError:
        return printable(repr(value))


ULTRALYTICS = Ultralytics()
