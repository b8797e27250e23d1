"""What the UL rules share: the settings file's findings, the run it describes, the resume the user described.

The rules pass in what they read from the lint settings (their own modules
read ``ctx.settings``), and everything computed here is kept per file in
``ctx.cached``. The framework facts come from ``cfgtools.ultralytics``: the
plug-in (the run's settings, the checkpoint) and ``schedule.YoloSchedule``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from cfgtools.errors import InputError
from cfgtools.lint.context import LintContext
from cfgtools.lint.core import Diagnostic, Fix
from cfgtools.lint.rule import Rule
from cfgtools.loading import load
from cfgtools.plugin import Checkpoint, RunOptions
from cfgtools.schedule.model import ScheduleError
from cfgtools.ultralytics.checkpoint import CheckpointInfo
from cfgtools.ultralytics.plugin import Ultralytics
from cfgtools.ultralytics.rate import weights_group
from cfgtools.ultralytics.schedule import Resume, TrainingConfig, YoloSchedule
from cfgtools.ultralytics.settings import Finding, FindingKind, SettingsFile
from cfgtools.ultralytics.versions import VersionRules
from cfgtools.ultralytics.yamlfile import plain_text


def plugin(ctx: LintContext) -> Ultralytics:
    return ctx.loaded.framework  # type: ignore[return-value]  (the rules need yolo_settings: ultralytics only)


def settings_file(ctx: LintContext) -> SettingsFile:
    return ctx.view("yolo_settings")


class FindingRule(Rule):
    """A rule that reports the reading findings of one kind (``cfgtools.ultralytics.settings.Finding``)."""

    finding_kinds: tuple[FindingKind, ...] = ()
    needs = ("yolo_settings",)

    def check(self) -> Iterator[Diagnostic]:
        for finding in settings_file(self.ctx).findings:
            if finding.kind in self.finding_kinds:
                yield self.diagnostic(finding.span, finding.message, self.fix(finding))

    def fix(self, finding: Finding) -> Fix | None:
        return None


# -- the run ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """The run a file describes, under the lint options."""

    config: TrainingConfig
    rules: VersionRules
    #: batches per epoch (None: neither --images nor --batches-per-epoch)
    nb: int | None

    def schedule(self, resume: Resume | None = None) -> YoloSchedule:
        """The run's schedule (needs ``nb``); the upstream refusal as ScheduleError from the ultralytics package."""
        assert self.nb is not None
        return YoloSchedule(self.config, self.rules, self.nb, resume)


def run_of(ctx: LintContext, options: RunOptions) -> Run | ScheduleError:
    """The run, or why the file does not describe one (a hyp file, AutoBatch, an unreadable hyp path...)."""

    def build() -> Run | ScheduleError:
        framework = plugin(ctx)
        try:
            config = framework.training(ctx.loaded, options)
            return Run(config, settings_file(ctx).rules, framework.batches(ctx.loaded, options, config))
        except ScheduleError as exc:
            return exc

    return ctx.cached(f"ultralytics-run:{options}", build)


def yaml_number(value: float) -> str:
    """``value`` to 6 significant digits, spelled so that PyYAML reads a float (``1.0e-05``, not ``1e-05``)."""
    return plain_text(float(f"{value:.6g}"))


def written(ctx: LintContext, name: str) -> bool:
    """Whether the file writes the setting ``name`` (at the top level or under an opt.yaml's ``hyp:``)."""
    return plugin(ctx).setting_span(ctx.loaded, name) is not None


def weights_lr_by_epoch(schedule: YoloSchedule):
    """The weights group's lr of each epoch of the run (its last iteration), indexed from the run's first epoch."""
    return schedule.epoch_rows().lr[weights_group(schedule)]


# -- the resume ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResumeCase:
    """A resume (or a restart on a checkpoint's weights) the user described with --resume-from."""

    #: the epochs the checkpoint has done: a resume starts at this epoch (0 for a finished run)
    start_epoch: int
    described: str
    #: the checkpoint read (None for --resume-from EPOCHS)
    info: CheckpointInfo | None
    #: the checkpoint is of a finished run (stripped: epoch -1)
    finished: bool
    #: the settings of the run that wrote the checkpoint, and where they came from (for messages)
    previous: TrainingConfig
    previous_from: str
    #: False when neither --previous nor the checkpoint gave them (YOLOv5 before v6.2 stores no opt):
    #: ``previous`` is then this file's own settings
    previous_known: bool = True

    def resume(self, run: Run) -> Resume:
        """The resumed run's start and the optimizer state the checkpoint restores (when it stores it)."""
        stored = {}
        if self.info is not None and self.info.has_optimizer:
            for name in ("lr", "initial_lr", "momentum"):
                values = [getattr(group, name) for group in self.info.param_groups]
                if values and all(value is not None for value in values):
                    stored[name] = tuple(values)
        return Resume(start_epoch=self.start_epoch, previous=self.previous, **stored)


def resume_case(ctx: LintContext, run: Run, resume_from: int | str | None, previous: str | None,
                options: RunOptions) -> ResumeCase | str | None:
    """The resume described (None: none; a string: why it cannot be analysed). An unreadable checkpoint or
    previous file raises InputError (one line, exit 2)."""
    if resume_from is None:
        return None

    def build() -> ResumeCase | str:
        framework = plugin(ctx)
        info = None
        if isinstance(resume_from, int):
            start, described, finished = resume_from, f"epoch {resume_from}", False
        else:
            checkpoint: Checkpoint = ctx.loaded.checkpoint(resume_from)
            info = checkpoint.state
            start, described, finished = checkpoint.iteration, checkpoint.described, info.finished
        try:
            if previous is not None:
                old = load(previous, {ctx.loaded.kind: ctx.loaded.dialect}, framework)
                if old.kind != framework.name:
                    raise InputError(f"not a YOLOv5/ultralytics settings file (a {old.framework.noun})", previous)
                return ResumeCase(start, described, info, finished, framework.training(old, options), previous)
            if info is not None and info.settings:
                stored = framework.checkpoint_training(ctx.loaded, info, options)
                return ResumeCase(start, described, info, finished, stored, "the settings stored in the checkpoint")
        except ScheduleError as exc:
            return f"the previous run's settings do not say enough: {exc.message}"
        return ResumeCase(start, described, info, finished, run.config, "this file (no --previous)", False)

    return ctx.cached(f"ultralytics-resume:{resume_from}:{previous}:{options}", build)


def changes(old: TrainingConfig, new: TrainingConfig) -> list[str]:
    """The schedule settings that differ, as ``epochs 300 -> 600``."""
    fields = ("epochs", "lr0", "lrf", "cos_lr", "warmup_epochs", "warmup_bias_lr", "momentum", "batch", "nbs",
              "optimizer")
    return [f"{name} {getattr(old, name)} -> {getattr(new, name)}" for name in fields
            if getattr(old, name) != getattr(new, name)]

