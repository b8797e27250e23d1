"""The keys each version reads, with their defaults and the checks the framework applies.

YOLOv5: the hyperparameters of ``data/hyps/hyp.scratch-low.yaml`` (v6.0+;
``data/hyp.scratch.yaml`` in v5.0, with ``lrf: 0.2`` and no ``copy_paste``),
and the ``opt.yaml`` keys: ``train.py``'s argparse options (``parse_opt``) plus
what ``main`` adds before saving (``save_dir``; v5.0 also ``world_size``,
``global_rank``, ``total_batch_size``). ultralytics: ``cfg/default.yaml`` of
each release (8.0.200, 8.1.0, 8.3.0 with the keys 8.3.253 added, 8.4.190) and ``cfg/__init__.py``'s
``CFG_FLOAT_KEYS`` / ``CFG_FRACTION_KEYS`` / ``CFG_INT_KEYS`` /
``CFG_BOOL_KEYS`` that ``check_cfg`` enforces (a fraction must lie in
[0, 1]), the deprecated keys ``_handle_deprecation`` renames, and ``save_dir``,
which the trainer adds to ``args.yaml`` and ``get_cfg`` accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# -- YOLOv5 ----------------------------------------------------------------------------------------------------------

_HYP_COMMON = {
    "lr0": 0.01, "lrf": 0.01, "momentum": 0.937, "weight_decay": 0.0005, "warmup_epochs": 3.0,
    "warmup_momentum": 0.8, "warmup_bias_lr": 0.1, "box": 0.05, "cls": 0.5, "cls_pw": 1.0, "obj": 1.0,
    "obj_pw": 1.0, "iou_t": 0.2, "anchor_t": 4.0, "fl_gamma": 0.0, "hsv_h": 0.015, "hsv_s": 0.7, "hsv_v": 0.4,
    "degrees": 0.0, "translate": 0.1, "scale": 0.5, "shear": 0.0, "perspective": 0.0, "flipud": 0.0,
    "fliplr": 0.5, "mosaic": 1.0, "mixup": 0.0,
}
YOLOV5_HYP_DEFAULTS: dict[str, dict[str, Any]] = {
    "yolov5-5.0": {**_HYP_COMMON, "lrf": 0.2},
    "yolov5-6.1": {**_HYP_COMMON, "copy_paste": 0.0},
    "yolov5-7.0": {**_HYP_COMMON, "copy_paste": 0.0},
}
#: keys a hyp file may carry beyond the defaults: ``anchors`` (read with hyp.get, train.py)
YOLOV5_HYP_OPTIONAL = frozenset({"anchors"})
#: keys train.py reads as ``hyp[key]`` for the optimizer and its schedule: a KeyError when absent
YOLOV5_HYP_REQUIRED = ("lr0", "lrf", "momentum", "weight_decay", "warmup_epochs", "warmup_momentum", "warmup_bias_lr")
#: keys set from the command line over whatever the hyp file says (``hyp['label_smoothing'] = opt.label_smoothing``)
YOLOV5_HYP_OVERWRITTEN = frozenset({"label_smoothing"})

_OPT_5_0 = {
    "weights": "yolov5s.pt", "cfg": "", "data": "data/coco128.yaml", "hyp": "data/hyp.scratch.yaml", "epochs": 300,
    "batch_size": 16, "img_size": [640, 640], "rect": False, "resume": False, "nosave": False, "notest": False,
    "noautoanchor": False, "evolve": False, "bucket": "", "cache_images": False, "image_weights": False,
    "device": "", "multi_scale": False, "single_cls": False, "adam": False, "sync_bn": False, "local_rank": -1,
    "workers": 8, "project": "runs/train", "entity": None, "name": "exp", "exist_ok": False, "quad": False,
    "linear_lr": False, "label_smoothing": 0.0, "upload_dataset": False, "bbox_interval": -1, "save_period": -1,
    "artifact_alias": "latest", "world_size": 1, "global_rank": -1, "total_batch_size": 16, "save_dir": None,
}
_OPT_6_1 = {
    "weights": "yolov5s.pt", "cfg": "", "data": "data/coco128.yaml", "hyp": "data/hyps/hyp.scratch-low.yaml",
    "epochs": 300, "batch_size": 16, "imgsz": 640, "rect": False, "resume": False, "nosave": False, "noval": False,
    "noautoanchor": False, "evolve": None, "bucket": "", "cache": None, "image_weights": False, "device": "",
    "multi_scale": False, "single_cls": False, "optimizer": "SGD", "sync_bn": False, "workers": 8,
    "project": "runs/train", "name": "exp", "exist_ok": False, "quad": False, "cos_lr": False,
    "label_smoothing": 0.0, "patience": 100, "freeze": [0], "save_period": -1, "local_rank": -1, "entity": None,
    "upload_dataset": False, "bbox_interval": -1, "artifact_alias": "latest", "save_dir": None,
}
YOLOV5_OPT_DEFAULTS: dict[str, dict[str, Any]] = {
    "yolov5-5.0": _OPT_5_0,
    "yolov5-6.1": _OPT_6_1,
    # v6.2 and v7.0 (epochs 100, --noplots, --seed); master adds --evolve_population, --resume_evolve and drops
    # --artifact_alias: all are accepted
    "yolov5-7.0": {**_OPT_6_1, "epochs": 100, "noplots": False, "seed": 0, "evolve_population": "data/hyps",
                   "resume_evolve": None},
}
#: opt.yaml keys and the Python types argparse gives them (others: any)
YOLOV5_OPT_TYPES: dict[str, type | tuple[type, ...]] = {
    "epochs": int, "batch_size": int, "total_batch_size": int, "imgsz": int, "workers": int, "patience": int,
    "save_period": int, "seed": int, "local_rank": int, "bbox_interval": int, "label_smoothing": (int, float),
    "cos_lr": bool, "linear_lr": bool, "adam": bool, "optimizer": str, "rect": bool, "single_cls": bool,
    "multi_scale": bool, "sync_bn": bool, "quad": bool,
}

# -- ultralytics ----------------------------------------------------------------------------------------------------

_ULTRALYTICS_8_3 = {
    'task': 'detect', 'mode': 'train', 'model': None, 'data': None, 'epochs': 100, 'time': None,
    'patience': 100, 'batch': 16, 'imgsz': 640, 'save': True, 'save_period': -1, 'cache': False,
    'device': None, 'workers': 8, 'project': None, 'name': None, 'exist_ok': False, 'pretrained': True,
    'optimizer': 'auto', 'verbose': True, 'seed': 0, 'deterministic': True, 'single_cls': False, 'rect': False,
    'cos_lr': False, 'close_mosaic': 10, 'resume': False, 'amp': True, 'fraction': 1.0, 'profile': False,
    'freeze': 'None', 'multi_scale': False, 'overlap_mask': True, 'mask_ratio': 4, 'dropout': 0.0, 'val': True,
    'split': 'val', 'save_json': False, 'save_hybrid': False, 'conf': None, 'iou': 0.7, 'max_det': 300,
    'half': False, 'dnn': False, 'plots': True, 'source': None, 'vid_stride': 1, 'stream_buffer': False,
    'visualize': False, 'augment': False, 'agnostic_nms': False, 'classes': None, 'retina_masks': False,
    'embed': None, 'show': False, 'save_frames': False, 'save_txt': False, 'save_conf': False,
    'save_crop': False, 'show_labels': True, 'show_conf': True, 'show_boxes': True, 'line_width': None,
    'format': 'torchscript', 'keras': False, 'optimize': False, 'int8': False, 'dynamic': False,
    'simplify': True, 'opset': None, 'workspace': 4, 'nms': False, 'lr0': 0.01, 'lrf': 0.01, 'momentum': 0.937,
    'weight_decay': 0.0005, 'warmup_epochs': 3.0, 'warmup_momentum': 0.8, 'warmup_bias_lr': 0.1, 'box': 7.5,
    'cls': 0.5, 'dfl': 1.5, 'pose': 12.0, 'kobj': 1.0, 'label_smoothing': 0.0, 'nbs': 64, 'hsv_h': 0.015,
    'hsv_s': 0.7, 'hsv_v': 0.4, 'degrees': 0.0, 'translate': 0.1, 'scale': 0.5, 'shear': 0.0,
    'perspective': 0.0, 'flipud': 0.0, 'fliplr': 0.5, 'bgr': 0.0, 'mosaic': 1.0, 'mixup': 0.0,
    'copy_paste': 0.0, 'copy_paste_mode': 'flip', 'auto_augment': 'randaugment', 'erasing': 0.4,
    'crop_fraction': 1.0, 'cfg': None, 'tracker': 'botsort.yaml',
}


@dataclass(frozen=True)
class UltralyticsKeys:
    """One release's settings: defaults and ``check_cfg``'s key classes."""

    defaults: dict[str, Any]
    float_keys: frozenset[str]
    fraction_keys: frozenset[str]
    int_keys: frozenset[str]
    bool_keys: frozenset[str]
    #: deprecated key -> its replacement (``_handle_deprecation``); None: removed, dropped with a warning
    deprecated: dict[str, str | None] = field(default_factory=dict)
    #: 8.4: ``CFG_INT_MIN``
    int_minimum: dict[str, int] = field(default_factory=dict)
    #: 8.4: a typed key whose default is not None must not be None
    none_refused: bool = False
    #: settings added by later releases of the series (known, not in the defaults read)
    added_later: frozenset[str] = frozenset()
    #: 8.4: every YAML file's string ``'None'`` is read as None (utils/__init__.py:703-704 at 8.4.190); 8.0-8.3
    #: do that for the package's own default.yaml only (8.3.100 utils/__init__.py:541-543), not for ``cfg=`` files
    none_string_is_null: bool = False


def _without(table: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in table.items() if k not in keys}


_FLOAT_8_0 = frozenset({"warmup_epochs", "box", "cls", "dfl", "degrees", "shear"})
_FRACTION_8_0 = frozenset({
    "dropout", "iou", "lr0", "lrf", "momentum", "weight_decay", "warmup_momentum", "warmup_bias_lr",
    "label_smoothing", "hsv_h", "hsv_s", "hsv_v", "translate", "scale", "perspective", "flipud", "fliplr", "mosaic",
    "mixup", "copy_paste", "conf", "fraction",
})
_INT_8_0 = frozenset({
    "epochs", "patience", "batch", "workers", "seed", "close_mosaic", "mask_ratio", "max_det", "vid_stride",
    "line_width", "workspace", "nbs", "save_period",
})
_BOOL_8_3 = frozenset({
    "save", "exist_ok", "verbose", "deterministic", "single_cls", "rect", "cos_lr", "overlap_mask", "val",
    "save_json", "save_hybrid", "half", "dnn", "plots", "show", "save_txt", "save_conf", "save_crop", "save_frames",
    "show_labels", "show_conf", "visualize", "augment", "agnostic_nms", "retina_masks", "show_boxes", "keras",
    "optimize", "int8", "dynamic", "simplify", "nms", "profile", "multi_scale",
})
_DEPRECATED_8_0 = {"hide_labels": "show_labels", "hide_conf": "show_conf", "line_thickness": "line_width"}

ULTRALYTICS_KEYS: dict[str, UltralyticsKeys] = {
    "ultralytics-8.0": UltralyticsKeys(
        defaults={**_without(_ULTRALYTICS_8_3, "time", "multi_scale", "embed", "save_frames", "show_boxes", "bgr",
                             "copy_paste_mode", "auto_augment", "erasing", "crop_fraction"),
                  "patience": 50, "boxes": True, "simplify": False},
        float_keys=_FLOAT_8_0, fraction_keys=_FRACTION_8_0, int_keys=_INT_8_0,
        bool_keys=(_BOOL_8_3 - {"save_frames", "show_boxes", "multi_scale"}) | {"boxes"},
        deprecated=_DEPRECATED_8_0,
    ),
    "ultralytics-8.1": UltralyticsKeys(
        defaults={**_without(_ULTRALYTICS_8_3, "bgr", "copy_paste_mode"), "patience": 50, "simplify": False},
        float_keys=_FLOAT_8_0 | {"time"}, fraction_keys=_FRACTION_8_0, int_keys=_INT_8_0, bool_keys=_BOOL_8_3,
        deprecated={**_DEPRECATED_8_0, "boxes": "show_boxes"},
        added_later=frozenset({"bgr"}),  # present in 8.1.47's default.yaml
    ),
    "ultralytics-8.3": UltralyticsKeys(
        defaults=_ULTRALYTICS_8_3,
        float_keys=_FLOAT_8_0 | {"time", "batch", "workspace"}, fraction_keys=_FRACTION_8_0 | {"bgr", "cutmix"},
        int_keys=_INT_8_0 - {"batch", "workspace"}, bool_keys=_BOOL_8_3,
        deprecated={**_DEPRECATED_8_0, "boxes": "show_boxes"},
        added_later=frozenset({"compile", "cutmix"}),  # present in 8.3.253's default.yaml
    ),
    "ultralytics-latest": UltralyticsKeys(
        defaults={**_without(_ULTRALYTICS_8_3, "save_hybrid", "half", "keras", "int8", "label_smoothing",
                             "crop_fraction"),
                  "cls_remap": True, "freeze": None, "compile": False, "channels_last": None, "quantize": None,
                  "nms": None, "workspace": None, "distill_model": None, "dis": 6.0, "cls_pw": 0.0, "rle": 1.0,
                  "angle": 1.0, "dlog": 1.0, "dgrad": 0.5, "dlam": 1.0, "cutmix": 0.0, "tracker": "tracktrack.yaml"},
        float_keys=frozenset({"warmup_epochs", "box", "cls", "dfl", "pose", "kobj", "rle", "angle", "dlog", "dgrad",
                              "dis", "degrees", "shear", "time", "workspace", "batch"}),
        fraction_keys=frozenset({
            "dropout", "lr0", "lrf", "cls_pw", "momentum", "weight_decay", "warmup_momentum", "warmup_bias_lr",
            "hsv_h", "hsv_s", "hsv_v", "translate", "perspective", "flipud", "fliplr", "bgr", "mosaic", "mixup",
            "cutmix", "copy_paste", "dlam", "conf", "iou", "fraction", "erasing", "multi_scale",
        }),
        int_keys=frozenset({"epochs", "patience", "workers", "seed", "close_mosaic", "mask_ratio", "max_det",
                            "vid_stride", "line_width", "nbs", "save_period", "opset"}),
        bool_keys=frozenset({
            "save", "exist_ok", "verbose", "deterministic", "single_cls", "rect", "cos_lr", "overlap_mask", "val",
            "save_json", "dnn", "plots", "show", "save_txt", "save_conf", "save_crop", "save_frames", "show_labels",
            "show_conf", "show_boxes", "stream_buffer", "visualize", "augment", "agnostic_nms", "retina_masks",
            "optimize", "dynamic", "simplify", "nms", "profile", "cls_remap", "channels_last",
        }),
        deprecated={**_DEPRECATED_8_0, "boxes": "show_boxes", "end2end": "nms", "int8": "quantize",
                    "half": "quantize", "label_smoothing": None, "save_hybrid": None, "crop_fraction": None,
                    "keras": None},
        int_minimum={"epochs": 1, "patience": 0, "nbs": 1, "max_det": 1, "mask_ratio": 1, "vid_stride": 1, "seed": 0},
        none_refused=True, none_string_is_null=True,
    ),
}
#: keys the trainer writes into args.yaml beyond default.yaml, accepted by get_cfg
ULTRALYTICS_EXTRA_KEYS = frozenset({"save_dir"})
