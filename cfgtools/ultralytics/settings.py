"""Read YOLOv5 ``hyp*.yaml`` / ``opt.yaml`` and ultralytics ``args.yaml`` / ``default.yaml``.

:func:`read_settings` recognises the kind of file from its keys (never its
name), merges it over the version's defaults, and reports as :class:`Finding`
objects what the framework would trip on or silently ignore: unknown and
misspelt keys (with did-you-mean), deprecated keys, values of the wrong type
(PyYAML reads ``1e-3`` as a string), values out of range (ultralytics'
``check_cfg``: a fraction key such as ``lr0``, ``lrf``, ``momentum`` must lie in
[0, 1]; the same bounds are applied to YOLOv5's schedule hyperparameters),
repeated keys, and hyperparameters YOLOv5 needs but the file lacks.
:func:`training_config` turns a file into the
:class:`~cfgtools.ultralytics.schedule.TrainingConfig` of its lr schedule.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from difflib import get_close_matches
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from cfgtools.errors import InputError
from cfgtools.positions import Span
from cfgtools.ultralytics.keys import (
    ULTRALYTICS_EXTRA_KEYS,
    ULTRALYTICS_KEYS,
    YOLOV5_HYP_DEFAULTS,
    YOLOV5_HYP_OPTIONAL,
    YOLOV5_HYP_OVERWRITTEN,
    YOLOV5_HYP_REQUIRED,
    YOLOV5_OPT_DEFAULTS,
    YOLOV5_OPT_TYPES,
    UltralyticsKeys,
)
from cfgtools.ultralytics.schedule import ScheduleError, TrainingConfig
from cfgtools.ultralytics.checkpoint import CheckpointInfo
from cfgtools.ultralytics.versions import VersionRules, default_version, get_version, version_for_package
from cfgtools.ultralytics.yamlfile import YamlDocument, YamlEntry, mapping_text, parse_yaml, plain_text, read_yaml

FileKind = Literal["yolov5-hyp", "yolov5-opt", "ultralytics-args", "ultralytics-default"]
FindingKind = Literal[
    "unknown-key", "deprecated-key", "ignored-key", "duplicate-key", "non-string-key", "missing-key", "type",
    "out-of-range",
]

SCHEDULE_KEYS = ("lr0", "lrf", "momentum", "warmup_epochs", "warmup_momentum", "warmup_bias_lr")


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    #: the key, dotted for a nested one (``hyp.lr0`` in opt.yaml)
    key: str
    span: Span
    message: str
    #: a known key close to an unknown one, a deprecated key's replacement, or a number's spelling PyYAML reads
    #: as a float (``1.0e-3`` for ``1e-3``)
    suggestion: str | None = None


class Hyperparameters(BaseModel):
    """The hyperparameters of the lr schedule (after the version's defaults)."""

    model_config = ConfigDict(frozen=True)

    lr0: float
    lrf: float
    momentum: float
    weight_decay: float
    warmup_epochs: float
    warmup_momentum: float
    warmup_bias_lr: float


@dataclass
class SettingsFile:
    path: str
    kind: FileKind
    rules: VersionRules
    document: YamlDocument
    #: the file's values over the version's defaults, as the framework sees them (opt.yaml: hyp stays nested)
    values: dict[str, Any]
    #: the keys written in the file (top level)
    present: frozenset[str]
    findings: list[Finding] = field(default_factory=list)
    #: the schedule hyperparameters when the file holds them (hyp, opt.yaml of v6.2+, args/default)
    hyperparameters: Hyperparameters | None = None
    #: keys whose value the framework cannot use (wrong type): their defaults stand in ``values``
    invalid: frozenset[str] = frozenset()


# -- recognising the kind --------------------------------------------------------------------------------------------

_ULTRALYTICS_MARKERS = frozenset({
    "task", "mode", "nbs", "close_mosaic", "dfl", "pose", "kobj", "amp", "fraction", "overlap_mask", "mask_ratio",
    "max_det", "tracker", "pretrained", "deterministic", "batch", "model",
})
_OPT_MARKERS = frozenset({
    "batch_size", "weights", "hyp", "noval", "notest", "noautoanchor", "evolve", "bucket", "cache_images",
    "image_weights", "sync_bn", "local_rank", "linear_lr", "adam", "img_size", "upload_dataset", "bbox_interval",
    "artifact_alias", "total_batch_size", "global_rank", "world_size",
})
_HYP_MARKERS = frozenset({"obj", "obj_pw", "iou_t", "anchor_t", "fl_gamma", "anchors"})


@lru_cache(maxsize=None)
def _known_keys(kind: FileKind) -> frozenset[str]:
    if kind == "yolov5-hyp":
        return frozenset().union(*YOLOV5_HYP_DEFAULTS.values()) | YOLOV5_HYP_OPTIONAL | YOLOV5_HYP_OVERWRITTEN
    if kind == "yolov5-opt":
        return frozenset().union(*YOLOV5_OPT_DEFAULTS.values())
    return frozenset().union(*(set(keys.defaults) | keys.added_later for keys in ULTRALYTICS_KEYS.values())) | \
        ULTRALYTICS_EXTRA_KEYS


#: the hyperparameters of the lr schedule, in every kind of file
_HYPERPARAMETER_KEYS = frozenset(SCHEDULE_KEYS) | {"weight_decay"}


def looks_like_settings(keys: frozenset[str]) -> bool:
    """Whether top-level ``keys`` are those of a settings file (for recognising files among other YAML).

    At least half of them are settings some kind of file knows, and they hold an
    lr hyperparameter (a hyp override may be one line, ``lr0: 0.001``) or two keys
    only one kind of file has (``task`` and ``nbs``, ``batch_size`` and ``weights``).
    A CI workflow (``name``, ``on``, ``jobs``) or a dataset YAML (``path``,
    ``train``, ``names``) is not one.
    """
    if not keys:
        return False
    known = keys & (_known_keys("yolov5-hyp") | _known_keys("yolov5-opt") | _known_keys("ultralytics-args"))
    if 2 * len(known) < len(keys):
        return False
    if keys & _HYPERPARAMETER_KEYS:
        return True
    return any(len(keys & markers) >= 2 for markers in (_HYP_MARKERS, _OPT_MARKERS, _ULTRALYTICS_MARKERS))


def detect_kind(document: YamlDocument) -> FileKind | None:
    """Which settings file this is, from its keys; None when no kind knows enough of them.

    Each kind scores the keys it knows plus twice its distinctive ones
    (``obj``/``anchor_t`` for a hyp file, ``batch_size``/``weights`` for
    opt.yaml, ``task``/``nbs``/``close_mosaic`` for ultralytics). An
    ultralytics file with ``save_dir`` is a run's ``args.yaml``.
    """
    present = frozenset(document.entries)
    scores = {}
    for kind, markers in (("yolov5-hyp", _HYP_MARKERS), ("yolov5-opt", _OPT_MARKERS),
                          ("ultralytics-args", _ULTRALYTICS_MARKERS)):
        scores[kind] = len(present & _known_keys(kind)) + 2 * len(present & markers)
    best = max(scores, key=scores.get)
    if scores[best] == 0:
        return None
    if best == "ultralytics-args" and "save_dir" not in present:
        return "ultralytics-default"
    return best


def kind_in_family(document: YamlDocument, family: str) -> FileKind | None:
    """The kind of ``family`` (``yolov5``, ``ultralytics``) the file can be read as: every key known to it.

    For a file whose keys fit both families (``lr0: 0.001`` is a YOLOv5 hyp override
    and an ultralytics ``cfg=`` override alike), when the user names the version.
    """
    present = frozenset(document.entries)
    kinds: tuple[FileKind, ...] = ("yolov5-hyp", "yolov5-opt") if family == "yolov5" else ("ultralytics-args",)
    fitting = [kind for kind in kinds if present <= _known_keys(kind)]
    if not fitting:
        return None
    if fitting[0] == "ultralytics-args" and "save_dir" not in present:
        return "ultralytics-default"
    return fitting[0]


def infer_version(kind: FileKind, document: YamlDocument) -> str | None:
    """The version a file comes from, by the keys it holds (None: not telling, the family's default applies).

    An opt.yaml: by the options of its train.py. An ultralytics file: the release
    that knows the most of its keys (a deprecated key counts as known: stale keys
    survive in users' files, so only a key a release does not know at all speaks
    against it), when that is strictly better than the default (8.4's ``cls_remap``
    or ``quantize`` name ``ultralytics-latest``). A hyp file does not tell.
    """
    if kind in ("ultralytics-args", "ultralytics-default"):
        return _ultralytics_release(frozenset(document.entries))
    if kind != "yolov5-opt":
        return None
    present = document.entries
    if "linear_lr" in present or "adam" in present or "total_batch_size" in present:
        return "yolov5-5.0"
    hyp = present.get("hyp")
    if hyp is not None and hyp.node.entries is not None or "seed" in present or "noplots" in present:
        return "yolov5-7.0"  # opt.hyp is the hyperparameter dict since v6.2
    if "cos_lr" in present:
        return "yolov5-6.1"
    return None


def _ultralytics_release(present: frozenset[str]) -> str | None:
    def misfits(name: str) -> int:
        keys = ULTRALYTICS_KEYS[name]
        known = set(keys.defaults) | keys.added_later | ULTRALYTICS_EXTRA_KEYS | set(keys.deprecated)
        return len(present - known)

    default = default_version("ultralytics").name
    best = min(ULTRALYTICS_KEYS, key=misfits)
    return best if misfits(best) < misfits(default) else None


# -- reading ---------------------------------------------------------------------------------------------------------


def read_settings(
    path: str | os.PathLike[str], version: str | None = None, kind: FileKind | None = None
) -> SettingsFile:
    """Read a settings file; ``version`` (a name of :mod:`versions`) defaults to the one the content shows, else
    the family's default; ``kind`` overrides the recognition. :class:`InputError` when unreadable or unrecognised."""
    return settings_from_document(read_yaml(path), version, kind)


def parse_settings(text: str, path: str = "<settings>", version: str | None = None,
                   kind: FileKind | None = None) -> SettingsFile:
    return settings_from_document(parse_yaml(text, path), version, kind)


def settings_from_document(document: YamlDocument, version: str | None = None,
                           kind: FileKind | None = None) -> SettingsFile:
    kind = kind or detect_kind(document)
    if kind is None:
        raise InputError(
            "not a YOLOv5 hyp/opt.yaml or an ultralytics args.yaml/default.yaml: none of its keys is a setting",
            document.path,
        )
    family = "yolov5" if kind.startswith("yolov5") else "ultralytics"
    name = version or infer_version(kind, document)
    try:
        rules = get_version(name) if name else default_version(family)
    except ValueError as exc:
        raise InputError(str(exc), document.path) from None
    if rules.family != family:
        raise InputError(f"a {kind} file cannot be read with the rules of {rules.name}", document.path)
    findings = _common_findings(document)
    if kind == "yolov5-hyp":
        values, invalid = _check_hyp(document.entries, rules, "", findings, require=True)
    elif kind == "yolov5-opt":
        values, invalid = _check_opt(document, rules, findings)
    else:
        values, invalid = _check_ultralytics(document, rules, findings)
    hyperparameters = None
    source = values.get("hyp") if kind == "yolov5-opt" else values
    if isinstance(source, dict) and all(key in source for key in Hyperparameters.model_fields):
        try:
            hyperparameters = Hyperparameters(**{key: source[key] for key in Hyperparameters.model_fields})
        except ValueError:
            hyperparameters = None
    return SettingsFile(
        path=document.path, kind=kind, rules=rules, document=document, values=values,
        present=frozenset(document.entries), findings=sorted(findings, key=lambda f: (f.span.line, f.span.column)),
        hyperparameters=hyperparameters, invalid=frozenset(invalid),
    )


def settings_from_checkpoint(info: CheckpointInfo, version: str | None = None) -> SettingsFile:
    """The run settings a checkpoint stores (YOLOv5 ``opt``, ultralytics ``train_args``), read as the file
    they were written from (opt.yaml, args.yaml); positions refer to that rendering. The version defaults to
    the one the checkpoint's package version names (ultralytics), else to what the content shows."""
    if info.flavour == "unknown" or not info.settings:
        raise InputError("the checkpoint stores no run settings (no opt or train_args)", info.path)
    kind: FileKind = "yolov5-opt" if info.flavour == "yolov5" else "ultralytics-args"
    if version is None and info.flavour == "ultralytics" and info.package_version:
        rules = version_for_package("ultralytics", info.package_version)
        version = rules.name if rules else None
    name = f"{info.path} ({'opt' if info.flavour == 'yolov5' else 'train_args'})"
    return settings_from_document(parse_yaml(mapping_text(info.settings) + "\n", name), version, kind)


def _common_findings(document: YamlDocument) -> list[Finding]:
    findings = []
    for entry in document.duplicates:
        findings.append(Finding(
            "duplicate-key", entry.name, entry.key_span,
            f"this {entry.name!r} is ignored: the key is set again below and yaml.safe_load keeps the last value",
        ))
    for entry in document.entries.values():
        if not isinstance(entry.key, str):
            findings.append(Finding("non-string-key", entry.name, entry.key_span,
                                    f"PyYAML reads the key {entry.name!r} as {entry.key!r}, not as a string"))
    return findings


def _unknown(entry: YamlEntry, prefix: str, known, what: str) -> Finding:
    close = get_close_matches(entry.name, sorted(known), n=1)
    suggestion = close[0] if close else None
    hint = f"; did you mean {suggestion!r}?" if suggestion else ""
    return Finding("unknown-key", prefix + entry.name, entry.key_span, f"unknown key {entry.name!r}: {what}{hint}",
                   suggestion)


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _number_finding(entry: YamlEntry, key: str) -> Finding:
    """A value that is not a number; for a number PyYAML reads as a string, the spelling it reads as a float."""
    value = entry.node.value
    message = f"{key} is {value!r} ({_type_name(value)}), not a number"
    if isinstance(value, str) and _looks_like_float(value):
        message += f": PyYAML reads {value} as a string; write it with a dot and a signed exponent ({_yaml11(value)})"
        return Finding("type", key, entry.node.span, message, _yaml11(value))
    return Finding("type", key, entry.node.span, message)


def _looks_like_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_EXPONENT_FORM = re.compile(r"^([-+]?[0-9]+)(?:\.([0-9]*))?[eE]([-+]?)([0-9]+)$")


def _yaml11(text: str) -> str:
    """The user's number spelled so that PyYAML reads a float: ``1e-3`` -> ``1.0e-3``, ``2E5`` -> ``2.0e+5``."""
    match = _EXPONENT_FORM.match(text.strip())
    if match is None:
        return plain_text(float(text))
    whole, decimals, sign, exponent = match.groups()
    return f"{whole}.{decimals or '0'}e{sign or '+'}{exponent}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _range_finding(entry: YamlEntry, key: str, value: float, low: float, high: float | None) -> Finding | None:
    inside = value >= low and (high is None or value <= high) and not math.isnan(value)
    if inside:
        return None
    bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
    return Finding("out-of-range", key, entry.node.span, f"{key}={value!r} is out of range: it must be {bounds}")


#: the bounds applied to YOLOv5's schedule hyperparameters (ultralytics' fraction keys; warm-up epochs >= 0)
_HYP_BOUNDS = {
    "lr0": (0.0, 1.0), "lrf": (0.0, 1.0), "momentum": (0.0, 1.0), "weight_decay": (0.0, 1.0),
    "warmup_momentum": (0.0, 1.0), "warmup_bias_lr": (0.0, 1.0), "warmup_epochs": (0.0, None),
}


def _check_hyp(entries: dict[str, YamlEntry], rules: VersionRules, prefix: str, findings: list[Finding],
               require: bool) -> tuple[dict[str, Any], set[str]]:
    defaults = YOLOV5_HYP_DEFAULTS[rules.name]
    known = set(defaults) | YOLOV5_HYP_OPTIONAL | YOLOV5_HYP_OVERWRITTEN
    values, invalid = dict(defaults), set()
    for name, entry in entries.items():
        key = prefix + name
        if name not in known:
            findings.append(_unknown(entry, prefix, known,
                                     f"{rules.name} reads no such hyperparameter and ignores it"))
            continue
        if name in YOLOV5_HYP_OVERWRITTEN:
            option = "--" + name.replace("_", "-")
            findings.append(Finding("ignored-key", key, entry.key_span,
                                    f"{name} is ignored: train.py sets hyp[{name!r}] from {option}"))
            continue
        value = entry.node.value
        if not _is_number(value):
            findings.append(_number_finding(entry, key))
            invalid.add(name)
            continue
        values[name] = value
        if name in _HYP_BOUNDS:
            finding = _range_finding(entry, key, value, *_HYP_BOUNDS[name])
            if finding:
                findings.append(finding)
    if require:
        for name in YOLOV5_HYP_REQUIRED:
            if name not in entries:
                findings.append(Finding("missing-key", prefix + name, Span.point(1),
                                        f"{name} is missing: train.py reads hyp[{name!r}] and raises KeyError"))
                invalid.add(name)
    return values, invalid


def _check_opt(document: YamlDocument, rules: VersionRules,
               findings: list[Finding]) -> tuple[dict[str, Any], set[str]]:
    defaults = YOLOV5_OPT_DEFAULTS[rules.name]
    values, invalid = dict(defaults), set()
    for name, entry in document.entries.items():
        if name not in defaults:
            findings.append(_unknown(
                entry, "", defaults, f"{rules.name}'s train.py has no such option (resume keeps it, nothing reads it)"
            ))
            continue
        value = entry.node.value
        expected = YOLOV5_OPT_TYPES.get(name)
        if expected is not None and value is not None and not _is_type(value, expected):
            findings.append(Finding("type", name, entry.node.span,
                                    f"{name} is {value!r} ({_type_name(value)}): argparse gives {_names(expected)}"))
            invalid.add(name)
            continue
        values[name] = value
    hyp = document.find("hyp")
    if hyp is not None and hyp.node.entries is not None:
        hyp_values, hyp_invalid = _check_hyp(hyp.node.entries, rules, "hyp.", findings, require=True)
        values["hyp"] = hyp_values
        invalid |= {f"hyp.{name}" for name in hyp_invalid}
    for name in ("epochs", "batch_size"):
        entry = document.entries.get(name)
        if entry is not None and name not in invalid and isinstance(values[name], int) and values[name] < 1:
            if name == "batch_size" and values[name] == -1:
                continue  # AutoBatch: chosen at run time (training_config says so)
            findings.append(Finding("out-of-range", name, entry.node.span,
                                    f"{name}={values[name]} must be at least 1"))
    return values, invalid


def _is_type(value: Any, expected) -> bool:
    if expected is bool:
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    return isinstance(value, expected)


def _names(expected) -> str:
    if isinstance(expected, tuple):
        return " or ".join(t.__name__ for t in expected)
    return expected.__name__


def _check_ultralytics(document: YamlDocument, rules: VersionRules,
                       findings: list[Finding]) -> tuple[dict[str, Any], set[str]]:
    """``check_dict_alignment``, ``_handle_deprecation`` and ``check_cfg`` of the version (cfg/__init__.py)."""
    keys: UltralyticsKeys = ULTRALYTICS_KEYS[rules.name]
    known = set(keys.defaults) | keys.added_later | ULTRALYTICS_EXTRA_KEYS
    values, invalid = dict(keys.defaults), set()
    for name, entry in document.entries.items():
        value = entry.node.value
        if keys.none_string_is_null and value == "None":
            value = None  # 8.4 YAML.load reads the string 'None' as None in every file
        if name in keys.deprecated:
            replacement = keys.deprecated[name]
            advice = f"use {replacement!r}" if replacement else "it is dropped with a warning"
            findings.append(Finding("deprecated-key", name, entry.key_span,
                                    f"{name} is deprecated in {rules.name}: {advice}", replacement))
            continue
        if name not in known:
            findings.append(_unknown(entry, "", known,
                                     f"not a setting of {rules.name} (`yolo cfg=FILE` stops with a SyntaxError)"))
            continue
        problem = _check_cfg_value(keys, name, value)
        if problem is not None:
            kind, message = problem
            findings.append(Finding(kind, name, entry.node.span, message))
            if kind == "type":
                if isinstance(value, str) and _looks_like_float(value):
                    findings[-1] = _number_finding(entry, name)
                invalid.add(name)
                continue
        values[name] = value
    return values, invalid


def _check_cfg_value(keys: UltralyticsKeys, name: str, value: Any) -> tuple[FindingKind, str] | None:
    if value is None:
        typed = name in (keys.float_keys | keys.fraction_keys | keys.int_keys | keys.bool_keys)
        if keys.none_refused and typed and keys.defaults.get(name) is not None:
            return "type", f"'{name}=None' is invalid: {name} must not be None"
        return None
    if name in keys.float_keys and not isinstance(value, (int, float)):
        return "type", f"'{name}={value}' is of invalid type {_type_name(value)}: int or float expected"
    if name in keys.fraction_keys:
        if not isinstance(value, (int, float)):
            return "type", f"'{name}={value}' is of invalid type {_type_name(value)}: int or float expected"
        if not 0.0 <= value <= 1.0:
            return "out-of-range", f"'{name}={value}' is out of range: check_cfg wants 0.0 <= {name} <= 1.0"
    if name in keys.int_keys:
        if not isinstance(value, int):
            return "type", f"'{name}={value}' is of invalid type {_type_name(value)}: int expected"
        minimum = keys.int_minimum.get(name)
        if minimum is not None and value < minimum:
            return "out-of-range", f"'{name}={value}' is out of range: it must be at least {minimum}"
    if name in keys.bool_keys and not isinstance(value, bool):
        return "type", f"'{name}={value}' is of invalid type {_type_name(value)}: true or false expected"
    return None


# -- the schedule's settings -----------------------------------------------------------------------------------------


def training_config(
    settings: SettingsFile,
    hyp: SettingsFile | None = None,
    *,
    epochs: int | None = None,
    batch: int | None = None,
    cos_lr: bool | None = None,
    optimizer: str | None = None,
    images: int | None = None,
    classes: int | None = None,
) -> TrainingConfig:
    """The :class:`TrainingConfig` of the run the file describes; keyword arguments fill what it lacks
    (a hyp file has no epochs or batch size) or override it. :class:`ScheduleError` when a value the
    schedule needs is missing or unusable."""
    values = settings.values
    if settings.kind == "yolov5-hyp":
        hyperparameters, invalid = values, {k for k in settings.invalid}
        file_epochs, file_batch, file_cos, file_optimizer = None, None, False, "SGD"
        batch_key = "batch_size"
    elif settings.kind == "yolov5-opt":
        if isinstance(values.get("hyp"), dict):
            hyperparameters = values["hyp"]
            invalid = {k[len("hyp."):] for k in settings.invalid if k.startswith("hyp.")}
        elif hyp is not None:
            hyperparameters, invalid = hyp.values, set(hyp.invalid)
        else:
            raise ScheduleError(
                f"{settings.path} names its hyperparameters file ({values.get('hyp')!r}): read that file too", "hyp"
            )
        invalid |= {k for k in settings.invalid if not k.startswith("hyp.")}
        file_epochs = values.get("epochs")
        batch_key = "total_batch_size" if settings.rules.name == "yolov5-5.0" else "batch_size"
        file_batch = values.get(batch_key)
        if settings.rules.name == "yolov5-5.0":
            file_cos = not values.get("linear_lr", False)
            file_optimizer = "Adam" if values.get("adam") else "SGD"
        else:
            file_cos, file_optimizer = bool(values.get("cos_lr", False)), values.get("optimizer", "SGD")
    else:
        hyperparameters, invalid = values, set(settings.invalid)
        if values.get("time") is not None:
            raise ScheduleError(f"time={values['time']} re-plans the epoch count after every epoch: not modelled",
                                "time")
        file_epochs, file_batch, batch_key = values.get("epochs"), values.get("batch"), "batch"
        file_cos, file_optimizer = bool(values.get("cos_lr", False)), values.get("optimizer", "auto")
    bad = [key for key in (*SCHEDULE_KEYS, "epochs", "batch", "batch_size", "nbs") if key in invalid]
    if bad:
        raise ScheduleError(f"unusable value for {', '.join(bad)} (see the findings)", bad[0])
    if settings.kind == "yolov5-hyp" and (batch is None or epochs is None):
        raise ScheduleError("a hyp file holds hyperparameters only: the epoch count, batch size and --cos-lr of the "
                            "run are in its opt.yaml (which carries these hyperparameters too since v6.2)")
    chosen_batch = batch if batch is not None else file_batch
    if chosen_batch is None:
        raise ScheduleError("the file has no batch size", batch_key)
    if chosen_batch == -1 or isinstance(chosen_batch, float):
        # YOLOv5 --batch-size -1, ultralytics batch=-1 or a fraction of the GPU memory: utils/autobatch.py
        raise ScheduleError(f"batch={chosen_batch} lets AutoBatch choose the batch size when training starts: "
                            "the schedule depends on it (nbs / batch), and the file does not say it", batch_key)
    chosen_epochs = epochs if epochs is not None else file_epochs
    if chosen_epochs is None:
        raise ScheduleError("the file has no epoch count", "epochs")
    try:
        return TrainingConfig(
            **{key: hyperparameters[key] for key in SCHEDULE_KEYS},
            epochs=chosen_epochs, batch=chosen_batch,
            nbs=values.get("nbs", 64) if settings.kind.startswith("ultralytics") else 64,
            cos_lr=file_cos if cos_lr is None else cos_lr,
            optimizer=file_optimizer if optimizer is None else optimizer,
            images=images, classes=classes,
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        key = str(error["loc"][0]) if error["loc"] else None
        raise ScheduleError(f"{key}: {error['msg']}" if key else error["msg"], key) from None
