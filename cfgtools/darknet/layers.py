"""Typed darknet layers: every ``[section]`` after ``[net]`` as the ``parse_*`` functions read it.

darknet maps a section header to a layer type with ``string_to_layer_type``
(src/parser.c, exact ``strcmp``: ``[conv]`` is ``[convolutional]``,
``[max]`` is ``[maxpool]`` ...) and then calls one ``parse_<type>`` function
that looks up a fixed set of keys with ``option_find_int/float/str``
(first option of a key wins, a missing key or a key without ``=`` gives the
default). After that, ``parse_network_cfg`` reads a few keys for every
layer (``onlyforward``, ``stopbackward``, ``learning_rate`` ...) and prints
``Unused field`` for anything else (``option_unused``).

This module records, per layer type and fork, the keys darknet reads, their
C types and defaults, and builds one frozen dataclass per type with the values
darknet uses (converted with :mod:`cfgtools.darknet.cnum`). A layer keeps its
:class:`~cfgtools.darknet.document.Section`, so every value has a position.

Facts come from AlexeyAB's and pjreddie's src/parser.c; where the forks differ
a key is tagged with the fork that reads it. hank-ai's ``CfgFile::parse_*_section``
functions (src-lib/darknet_cfg.cpp) were written from AlexeyAB's and read the same
keys (``[yolo]`` lost ``show_details``), for fewer layer types
(``all_names_and_layers``, src-lib/darknet_enums.cpp); with its number rules, and
every key a layer does not read is fatal there (:func:`hankai_layer_problems`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, make_dataclass
from typing import Any, ClassVar, Literal


from cfgtools.darknet import cnum, in_alexeyab_family
from cfgtools.darknet.document import CfgDocument, Dialect, Option, Section
from cfgtools.darknet.memo import memoised
from cfgtools.positions import Span

Kind = Literal["int", "float", "str", "ints", "ints#", "floats", "floats#", "flag"]

#: Keys ``parse_network_cfg`` reads for every layer, whatever its type.
COMMON_KEYS: dict[Dialect, frozenset[str]] = {
    "alexeyab": frozenset(
        {"clip", "onlyforward", "dont_update", "burnin_update", "stopbackward", "train_only_bn",
         "dontload", "dontloadscales", "learning_rate"}
    ),
    "pjreddie": frozenset(
        {"truth", "onlyforward", "stopbackward", "dontsave", "dontload", "numload", "dontloadscales",
         "learning_rate", "smooth"}
    ),
}
COMMON_KEYS["hankai"] = COMMON_KEYS["alexeyab"]

#: Section header (brackets included) -> canonical type name, per fork (``string_to_layer_type``).
_SHARED_HEADERS = {
    "[shortcut]": "shortcut", "[crop]": "crop", "[cost]": "cost", "[detection]": "detection",
    "[region]": "region", "[yolo]": "yolo", "[local]": "local", "[conv]": "convolutional",
    "[convolutional]": "convolutional", "[activation]": "activation", "[crnn]": "crnn", "[gru]": "gru",
    "[lstm]": "lstm", "[rnn]": "rnn", "[conn]": "connected", "[connected]": "connected",
    "[max]": "maxpool", "[maxpool]": "maxpool", "[reorg]": "reorg", "[avg]": "avgpool",
    "[avgpool]": "avgpool", "[dropout]": "dropout", "[lrn]": "normalization",
    "[normalization]": "normalization", "[batchnorm]": "batchnorm", "[soft]": "softmax",
    "[softmax]": "softmax", "[route]": "route", "[upsample]": "upsample",
}
HEADERS: dict[Dialect, dict[str, str]] = {
    "alexeyab": {
        **_SHARED_HEADERS,
        "[scale_channels]": "scale_channels", "[sam]": "sam", "[Gaussian_yolo]": "Gaussian_yolo",
        "[conv_lstm]": "conv_lstm", "[history]": "history", "[local_avg]": "local_avgpool",
        "[local_avgpool]": "local_avgpool", "[reorg3d]": "reorg3d", "[contrastive]": "contrastive",
        "[empty]": "empty", "[silence]": "empty", "[implicit]": "implicit",
    },
    "pjreddie": {
        **_SHARED_HEADERS,
        "[deconv]": "deconvolutional", "[deconvolutional]": "deconvolutional", "[iseg]": "iseg",
        "[xnor]": "xnor", "[l2norm]": "l2norm", "[logistic]": "logistic",
    },
}
#: hank-ai's layer names that create_network builds a layer for (src-lib/darknet_enums.cpp, darknet_cfg.cpp)
HEADERS["hankai"] = {
    header: kind for header, kind in HEADERS["alexeyab"].items()
    if header[1:-1] in {"shortcut", "scale_channels", "sam", "cost", "region", "yolo", "Gaussian_yolo", "conv",
                        "convolutional", "crnn", "lstm", "rnn", "conn", "connected", "max", "maxpool", "local_avg",
                        "local_avgpool", "reorg3d", "avg", "avgpool", "dropout", "soft", "softmax", "contrastive",
                        "route", "upsample"}
}
NETWORK_HEADERS = ("[net]", "[network]")
#: keys AlexeyAB reads that hank-ai's port of the same parser does not, per layer type
_HANKAI_DROPPED = {"yolo": frozenset({"show_details"})}

#: Activation names each fork knows: ``get_activation`` (src/activations.c, exact ``strcmp``; an unknown name
#: prints "Couldn't find activation function X, going with ReLU" and gives ReLU) and hank-ai's
#: ``all_names_and_activations`` (src-lib/darknet_enums.cpp; an unknown name is fatal).
_PJREDDIE_ACTIVATIONS = frozenset({"logistic", "loggy", "relu", "elu", "selu", "relie", "plse", "hardtan", "lhtan",
                                   "linear", "ramp", "leaky", "tanh", "stair"})
ACTIVATIONS: dict[Dialect, frozenset[str]] = {
    "pjreddie": _PJREDDIE_ACTIVATIONS,
    "alexeyab": _PJREDDIE_ACTIVATIONS | {"swish", "mish", "hard_mish", "normalize_channels",
                                         "normalize_channels_softmax", "normalize_channels_softmax_maxval",
                                         "relu6", "gelu", "revleaky"},
}
ACTIVATIONS["hankai"] = ACTIVATIONS["alexeyab"]
#: the keys whose value darknet looks up with get_activation
ACTIVATION_KEYS = frozenset({"activation", "lstm_activation"})
#: activations a layer type does not support: AlexeyAB prints "[sam] layer doesn't support SWISH or MISH
#: activations" and builds it anyway (parse_scale_channels, parse_sam in src/parser.c), hank-ai stops
#: ("[sam] layer on line #N does not support SWISH or MISH activation", src-lib/darknet_cfg.cpp)
UNSUPPORTED_ACTIVATIONS = {"scale_channels": frozenset({"swish", "mish"}), "sam": frozenset({"swish", "mish"})}

#: The last-layer types after which a fork checks that width and height are multiples of 32: AlexeyAB
#: warns (``parse_network_cfg_custom``, src/parser.c), hank-ai stops, for sizes below 32 too
#: (``CfgFile::create_network``, src-lib/darknet_cfg.cpp), pjreddie does not check.
SIZE_CHECKED_LAST_LAYERS: dict[Dialect, tuple[str, ...]] = {
    "alexeyab": ("yolo", "region", "detection"), "hankai": ("yolo", "region"), "pjreddie": (),
}


def fits_grid(size: int, dialect: Dialect) -> bool:
    """Whether a width or height passes the fork's multiple-of-32 check (hank-ai's also needs 32 at least)."""
    return size % 32 == 0 and (dialect != "hankai" or size >= 32)


def hankai_size_stop(width: Any, height: Any, layers: "list[Layer]") -> tuple[str, Any] | None:
    """hank-ai's last check once the network is built: its error and the ``[net]`` setting (width or height,
    a :class:`~cfgtools.darknet.net.Setting`) it is about, or None when it passes."""
    if not layers or layers[-1].kind not in SIZE_CHECKED_LAST_LAYERS["hankai"]:
        return None
    culprit = next((s for s in (width, height) if not fits_grid(s.value, "hankai")), None)
    if culprit is None:
        return None
    return (f'hank-ai stops with "width={width.value} and height={height.value} in cfg file must be divisible by '
            f'32 for YOLO networks"', culprit)


@dataclass(frozen=True)
class Key:
    """One key a ``parse_*`` function looks up."""

    name: str  #: the key in the cfg
    kind: Kind
    default: Any  #: a value, or a callable of the values read so far (darknet's dependent defaults)
    attr: str | None = None  #: the model field (when the key is not a Python name)
    fork: Dialect | None = None  #: only this fork reads the key

    @property
    def field(self) -> str:
        return self.attr or self.name


def K(name: str, kind: Kind, default: Any = None, attr: str | None = None, fork: Dialect | None = None) -> Key:
    return Key(name, kind, default, attr, fork)


AB: Dialect = "alexeyab"
PJ: Dialect = "pjreddie"

_ACT_LOGISTIC = K("activation", "str", "logistic")

#: Per canonical type: the keys its parse function reads, in the order darknet reads them.
LAYER_KEYS: dict[str, tuple[Key, ...]] = {
    "convolutional": (
        K("filters", "int", 1), K("groups", "int", 1),
        K("size", "int", 1),
        K("stride_x", "int", -1, fork=AB), K("stride_y", "int", -1, fork=AB),
        K("stride", "int", 1),
        K("dilation", "int", 1, fork=AB), K("antialiasing", "int", 0, fork=AB),
        K("pad", "int", 0), K("padding", "int", 0),
        _ACT_LOGISTIC,
        K("assisted_excitation", "float", 0.0, fork=AB), K("share_index", "int", -1000000000, fork=AB),
        K("batch_normalize", "int", 0), K("cbn", "int", 0, fork=AB), K("binary", "int", 0), K("xnor", "int", 0),
        K("bin_output", "int", 0, fork=AB), K("sway", "int", 0, fork=AB), K("rotate", "int", 0, fork=AB),
        K("stretch", "int", 0, fork=AB), K("stretch_sway", "int", 0, fork=AB),
        K("flipped", "int", 0), K("dot", "float", 0.0), K("angle", "float", 15.0, fork=AB),
        K("grad_centr", "int", 0, fork=AB), K("reverse", "float", 0.0, fork=AB), K("coordconv", "int", 0, fork=AB),
        K("stream", "int", -1, fork=AB), K("wait_stream", "int", -1, fork=AB),
    ),
    "deconvolutional": (
        K("filters", "int", 1), K("size", "int", 1), K("stride", "int", 1), _ACT_LOGISTIC,
        K("batch_normalize", "int", 0), K("pad", "int", 0), K("padding", "int", 0),
    ),
    "local": (
        K("filters", "int", 1), K("size", "int", 1), K("stride", "int", 1), K("pad", "int", 0), _ACT_LOGISTIC,
    ),
    "activation": (K("activation", "str", "linear"),),
    "rnn": (
        K("output", "int", 1), K("hidden", "int", 1), _ACT_LOGISTIC, K("batch_normalize", "int", 0),
        K("logistic", "int", 0, fork=AB), K("shortcut", "int", 0, fork=AB),
    ),
    "gru": (K("output", "int", 1), K("batch_normalize", "int", 0)),
    "lstm": (K("output", "int", 1), K("batch_normalize", "int", 0)),
    "crnn": (
        K("size", "int", 3, fork=AB), K("stride", "int", 1, fork=AB), K("dilation", "int", 1, fork=AB),
        K("pad", "int", 0, fork=AB), K("padding", "int", 0, fork=AB),
        K("output", "int", 1), K("hidden", "int", 1), K("groups", "int", 1, fork=AB), _ACT_LOGISTIC,
        K("batch_normalize", "int", 0), K("xnor", "int", 0, fork=AB), K("shortcut", "int", 0, fork=AB),
    ),
    "conv_lstm": (
        K("size", "int", 3), K("stride", "int", 1), K("dilation", "int", 1), K("pad", "int", 0),
        K("padding", "int", 0), K("output", "int", 1), K("groups", "int", 1), K("activation", "str", "linear"),
        K("batch_normalize", "int", 0), K("xnor", "int", 0), K("peephole", "int", 0), K("bottleneck", "int", 0),
        K("state_constrain", "int", None), K("shortcut", "int", 0), K("lstm_activation", "str", "tanh"),
        K("time_normalizer", "float", 1.0),
    ),
    "history": (K("history_size", "int", 4),),
    "connected": (K("output", "int", 1), _ACT_LOGISTIC, K("batch_normalize", "int", 0)),
    "softmax": (
        K("groups", "int", 1), K("temperature", "float", 1.0), K("tree", "str", None),
        K("spatial", "float", 0.0, fork=AB), K("noloss", "int", 0, fork=AB),
    ),
    "contrastive": (
        K("classes", "int", 1000), K("yolo_layer", "int", 0), K("temperature", "float", 1.0),
        K("cls_normalizer", "float", 1.0), K("max_delta", "float", 3.4028234663852886e38),
        K("contrastive_neg_max", "int", 3),
    ),
    "yolo": (
        K("classes", "int", 20), K("num", "int", 1), K("mask", "ints#", None),
        K("max", "int", 200, attr="max_boxes", fork=AB), K("max", "int", 90, attr="max_boxes", fork=PJ),
        K("show_details", "int", 1, fork=AB), K("max_delta", "float", 3.4028234663852886e38, fork=AB),
        K("counters_per_class", "str", None, fork=AB), K("label_smooth_eps", "float", 0.0, fork=AB),
        K("scale_x_y", "float", 1.0, fork=AB), K("objectness_smooth", "int", 0, fork=AB),
        K("new_coords", "int", 0, fork=AB), K("iou_normalizer", "float", 0.75, fork=AB),
        K("obj_normalizer", "float", 1.0, fork=AB), K("cls_normalizer", "float", 1.0, fork=AB),
        K("delta_normalizer", "float", 1.0, fork=AB), K("iou_loss", "str", "mse", fork=AB),
        K("iou_thresh_kind", "str", "iou", fork=AB), K("beta_nms", "float", 0.6, fork=AB),
        K("nms_kind", "str", "default", fork=AB),
        K("jitter", "float", 0.2), K("resize", "float", 1.0, fork=AB), K("focal_loss", "int", 0, fork=AB),
        K("ignore_thresh", "float", 0.5), K("truth_thresh", "float", 1.0),
        K("iou_thresh", "float", 1.0, fork=AB), K("random", "float", 0.0),
        K("track_history_size", "int", 5, fork=AB), K("sim_thresh", "int", 0, fork=AB),
        K("dets_for_track", "int", 1, fork=AB), K("dets_for_show", "int", 1, fork=AB),
        K("track_ciou_norm", "float", 0.01, fork=AB), K("embedding_layer", "int", 999999, fork=AB),
        K("map", "str", None, attr="map_file"), K("anchors", "floats#", None),
    ),
    "Gaussian_yolo": (
        K("classes", "int", 20), K("max", "int", 200, attr="max_boxes"), K("num", "int", 1),
        K("mask", "ints#", None), K("max_delta", "float", 3.4028234663852886e38),
        K("counters_per_class", "str", None), K("label_smooth_eps", "float", 0.0), K("scale_x_y", "float", 1.0),
        K("objectness_smooth", "int", 0), K("uc_normalizer", "float", 1.0), K("iou_normalizer", "float", 0.75),
        K("obj_normalizer", "float", 1.0), K("cls_normalizer", "float", 1.0), K("delta_normalizer", "float", 1.0),
        K("iou_loss", "str", "mse"), K("iou_thresh_kind", "str", "iou"), K("beta_nms", "float", 0.6),
        K("nms_kind", "str", "default"), K("yolo_point", "str", "center"), K("jitter", "float", 0.2),
        K("resize", "float", 1.0), K("ignore_thresh", "float", 0.5), K("truth_thresh", "float", 1.0),
        K("iou_thresh", "float", 1.0), K("random", "float", 0.0), K("map", "str", None, attr="map_file"),
        K("anchors", "floats", None),
    ),
    "region": (
        K("coords", "int", 4), K("classes", "int", 20), K("num", "int", 1),
        K("max", "int", 200, attr="max_boxes", fork=AB), K("max", "int", 30, attr="max_boxes", fork=PJ),
        K("log", "int", 0), K("sqrt", "int", 0), K("softmax", "int", 0),
        K("background", "int", 0, fork=PJ), K("focal_loss", "int", 0, fork=AB),
        K("jitter", "float", 0.2), K("resize", "float", 1.0, fork=AB), K("rescore", "int", 0),
        K("thresh", "float", 0.5), K("classfix", "int", 0), K("absolute", "int", 0), K("random", "float", 0.0),
        K("coord_scale", "float", 1.0), K("object_scale", "float", 1.0), K("noobject_scale", "float", 1.0),
        K("mask_scale", "float", 1.0), K("class_scale", "float", 1.0), K("bias_match", "int", 0),
        K("tree", "str", None), K("map", "str", None, attr="map_file"), K("anchors", "floats", None),
    ),
    "detection": (
        K("coords", "int", 1), K("classes", "int", 1), K("rescore", "int", 0), K("num", "int", 1),
        K("side", "int", 7), K("softmax", "int", 0), K("sqrt", "int", 0),
        K("max", "int", 200, attr="max_boxes", fork=AB), K("coord_scale", "float", 1.0),
        K("forced", "int", 0), K("object_scale", "float", 1.0), K("noobject_scale", "float", 1.0),
        K("class_scale", "float", 1.0), K("jitter", "float", 0.2), K("resize", "float", 1.0, fork=AB),
        K("random", "float", 0.0), K("reorg", "int", 0),
    ),
    "cost": (K("type", "str", "sse", attr="cost_type"), K("scale", "float", 1.0), K("ratio", "float", 0.0),
             K("noobj", "float", 1.0, fork=PJ), K("thresh", "float", 0.0, fork=PJ)),
    "crop": (
        K("crop_height", "int", 1), K("crop_width", "int", 1), K("flip", "int", 0), K("angle", "float", 0.0),
        K("saturation", "float", 1.0), K("exposure", "float", 1.0), K("noadjust", "int", 0),
        K("shift", "float", 0.0),
    ),
    "reorg": (
        K("stride", "int", 1), K("reverse", "int", 0),
        K("flatten", "int", 0, fork=PJ), K("extra", "int", 0, fork=PJ),
    ),
    "reorg3d": (K("stride", "int", 1), K("reverse", "int", 0)),
    "local_avgpool": (
        K("stride", "int", 1), K("stride_x", "int", lambda v: v["stride"]),
        K("stride_y", "int", lambda v: v["stride"]), K("size", "int", lambda v: v["stride"]),
        K("padding", "int", lambda v: v["size"] - 1),
    ),
    "maxpool": (
        K("stride", "int", 1), K("stride_x", "int", lambda v: v["stride"], fork=AB),
        K("stride_y", "int", lambda v: v["stride"], fork=AB), K("size", "int", lambda v: v["stride"]),
        K("padding", "int", lambda v: v["size"] - 1),
        K("maxpool_depth", "int", 0, fork=AB), K("out_channels", "int", 1, fork=AB),
        K("antialiasing", "int", 0, fork=AB), K("maxpool_zero_nonmax", "int", 0, fork=AB),
    ),
    "avgpool": (),
    "dropout": (
        K("probability", "float", 0.2), K("dropblock", "int", 0, fork=AB),
        K("dropblock_size_rel", "float", 0.0, fork=AB), K("dropblock_size_abs", "float", 0.0, fork=AB),
    ),
    "normalization": (K("alpha", "float", 0.0001), K("beta", "float", 0.75), K("kappa", "float", 1.0),
                      K("size", "int", 5)),
    "batchnorm": (),
    "shortcut": (
        K("activation", "str", "linear"),
        K("weights_type", "str", "none", fork=AB), K("weights_normalization", "str", "none", fork=AB),
        K("from", "ints", None, attr="from_"),
        K("alpha", "float", 1.0, fork=PJ), K("beta", "float", 1.0, fork=PJ),
    ),
    "scale_channels": (K("from", "int", None, attr="from_"), K("scale_wh", "int", 0),
                       K("activation", "str", "linear")),
    "sam": (K("from", "int", None, attr="from_"), K("activation", "str", "linear")),
    "implicit": (K("mean", "float", 0.0), K("std", "float", 0.2), K("filters", "int", 128), K("atoms", "int", 1)),
    "upsample": (K("stride", "int", 2), K("scale", "float", 1.0)),
    "route": (
        K("layers", "ints", None), K("groups", "int", 1, fork=AB), K("group_id", "int", 0, fork=AB),
        K("stream", "int", -1, fork=AB), K("wait_stream", "int", -1, fork=AB),
    ),
    "empty": (),
    "iseg": (K("classes", "int", 20), K("ids", "int", 32)),
    "xnor": (), "l2norm": (), "logistic": (),
}


@functools.lru_cache(maxsize=None)  # a few hundred (kind, fork) pairs; asked for every layer of every file
def layer_keys(kind: str, dialect: Dialect) -> tuple[Key, ...]:
    """The keys ``kind``'s parse function reads in ``dialect`` (first definition of a name wins)."""
    seen: set[str] = set()
    keys = []
    fork = "alexeyab" if in_alexeyab_family(dialect) else dialect
    dropped = _HANKAI_DROPPED.get(kind, frozenset()) if dialect == "hankai" else frozenset()
    for key in LAYER_KEYS.get(kind, ()):
        if key.fork not in (None, fork) or key.name in seen or key.name in dropped:
            continue
        seen.add(key.name)
        keys.append(key)
    return tuple(keys)


@functools.lru_cache(maxsize=None)
def read_keys(kind: str | None, dialect: Dialect) -> frozenset[str]:
    """Every key darknet looks up in a section of this type (its own keys and the common ones)."""
    own = {k.name for k in layer_keys(kind, dialect)} if kind else set()
    return frozenset(own) | COMMON_KEYS[dialect]


def known_keys(kind: str) -> frozenset[str]:
    """Keys ``kind`` reads in either fork."""
    return frozenset(k.name for k in LAYER_KEYS.get(kind, ()))


# Frozen dataclasses, not pydantic models: the values are darknet's own conversions (cnum), never validated
# again, and building a pydantic model per layer type cost more at start-up than reading a cfg.


@dataclass(frozen=True, slots=True)
class Layer:
    """Base of every typed layer: the section, its darknet index and what darknet reads from it."""

    KIND: ClassVar[str | None] = None

    section: Section
    dialect: Dialect
    kind: str | None  #: canonical type (``convolutional`` for ``[conv]``); None when darknet does not know it
    reads: frozenset[str]  #: keys darknet looks up in this section (for "Unused field")

    @property
    def index(self) -> int:
        """darknet's 0-based layer index."""
        return self.section.layer_index

    @property
    def header(self) -> str:
        return self.section.header

    def option(self, key: str) -> Option | None:
        """The option darknet reads for ``key`` (None when missing or written without ``=``)."""
        option = self.section.lookup(key)
        return option if option is not None and option.value is not None else None

    def span(self, key: str | None = None) -> Span:
        """Where ``key``'s value is written, else the key, else the section header."""
        option = self.option(key) if key else None
        if option is not None:
            return option.value_span or option.key_span
        return self.section.span

    def is_set(self, key: str) -> bool:
        return self.option(key) is not None

    def unused_options(self) -> list[Option]:
        """Options darknet never looks up (it prints ``Unused field`` for each)."""
        found: list[Option] = []
        first: set[str] = set()
        for option in self.section.options:
            if not option.stored:
                continue
            if option.key in self.reads and option.key not in first:
                first.add(option.key)
                continue
            if option.key in self.reads:
                continue  # a later duplicate: other rules report those
            found.append(option)
        return found


_PY_TYPES = {
    "int": int, "float": float, "str": str | None, "flag": int,
    "ints": list[int] | None, "ints#": list[int] | None,
    "floats": list[float] | None, "floats#": list[float] | None,
}

_MODELS: dict[str, type[Layer]] = {}


def _model_for(kind: str) -> type[Layer]:
    model = _MODELS.get(kind)
    if model is None:
        fields: dict[str, Any] = {}
        for key in LAYER_KEYS[kind]:
            annotation = _PY_TYPES[key.kind]
            if key.kind in ("int", "float") and key.default is None:
                annotation = annotation | None
            fields.setdefault(key.field, (key.field, annotation, field(default=None)))
        name = "".join(part.capitalize() for part in kind.split("_")) + "Layer"
        model = make_dataclass(name, list(fields.values()), bases=(Layer,), frozen=True, slots=True,
                               namespace={"KIND": kind, "__module__": __name__})
        _MODELS[kind] = model
    return model


@dataclass(frozen=True, slots=True)
class UnknownLayer(Layer):
    """A section darknet does not recognise: ``Type not recognized``, an empty layer (0x0x0)."""


def _convert(key: Key, text: str, dialect: Dialect) -> Any:
    if dialect == "hankai":
        return _convert_hankai(key, text)
    if key.kind in ("int", "flag"):
        return cnum.atoi(text)
    if key.kind == "float":
        return cnum.atof32(text)
    if key.kind == "str":
        return text
    count = cnum.list_count(text, dialect) if key.kind.endswith("#") else text.count(",") + 1
    if key.kind.startswith("ints"):
        values = cnum.int_list(text, count)
    else:
        values = cnum.float32_list(text, count)
    return values  # None: darknet walks past the last comma (never for a count it made itself)


def _convert_hankai(key: Key, text: str) -> Any:
    """hank-ai's find_int/find_float/find_*_array; None where it stops (see hankai_layer_problems)."""
    if key.kind == "str":
        return text
    if key.kind.startswith("ints"):
        return cnum.hankai_int_list(text)
    if key.kind.startswith("floats"):
        return cnum.hankai_float_list(text)
    number = cnum.stof(text) if cnum.hankai_numeric(text) else None
    if number is None:
        return None
    return cnum.float_to_int(number) if key.kind in ("int", "flag") else number


def hankai_layer_problems(layer: "Layer") -> list[tuple[Option, str, str]]:
    """What makes hank-ai stop in this layer's section: a number it cannot read, an activation it does not
    know or this layer does not support, a line it does not use.

    Each is ``darknet_fatal_error`` (exit 134): ``key "K" on line #N should be
    numeric, but found "V"`` from find_int/find_float, ``activation name "X" is
    not supported`` from get_activation_from_name, and ``config line #N from
    section [S] is unused or invalid: LINE`` from ``find_unused_lines``; with each, its kind: ``number``,
    ``activation`` or ``unused``.
    """
    found: list[tuple[Option, str]] = []
    if layer.kind is None:
        return found  # an unknown section name: the reader already stopped there
    numeric = {k.name for k in layer_keys(layer.kind, "hankai") if k.kind in ("int", "flag", "float")}
    numeric |= {"clip", "onlyforward", "dont_update", "burnin_update", "stopbackward", "train_only_bn", "dontload",
                "dontloadscales", "learning_rate"}
    for option in layer.section.options:
        if not option.stored:
            continue
        if option.key in numeric and layer.section.lookup(option.key) is option and \
                not cnum.hankai_numeric(option.value):  # one it cannot convert stopped the reader already
            found.append((option, f'hank-ai stops with "key "{option.key}" on line #{option.line} should be numeric, '
                                  f'but found "{option.value}""', "number"))
    for option, problem in activation_problems(layer):
        said = (f'activation name "{option.value}" is not supported' if problem == "unknown" else
                f"[{layer.section.name}] layer on line #{layer.section.span.line} does not support SWISH or MISH "
                f"activation")
        found.append((option, f'hank-ai stops with "{said}"', "activation"))
    for option in layer.unused_options():
        trimmed = option.line_text.strip(" \t\r\n")
        found.append((option, f'hank-ai stops with "config line #{option.line} from section [{layer.section.name}] '
                              f'is unused or invalid: {trimmed}"', "unused"))
    return found


def activation_problems(layer: "Layer") -> list[tuple[Option, str]]:
    """The activation options of this layer its fork does not take, in the order darknet reads them: each with
    ``unknown`` (a name the fork does not know; hank-ai's ``activation= # note`` is the empty name, which it
    refuses too) or ``unsupported`` (a name this layer type does not support)."""
    if layer.kind is None:
        return []
    known = ACTIVATIONS[layer.dialect]
    found = []
    for key in layer_keys(layer.kind, layer.dialect):
        if key.name in ACTIVATION_KEYS:
            option = layer.option(key.name)
            if option is None:
                continue
            if option.value not in known:
                found.append((option, "unknown"))
            elif option.value in UNSUPPORTED_ACTIVATIONS.get(layer.kind, ()):
                found.append((option, "unsupported"))
    return found


def reads_activation(section: Section, option: Option, dialect: Dialect) -> bool:
    """Whether ``option`` is the activation darknet reads in ``section`` (a layer whose type reads that key)."""
    if option.key not in ACTIVATION_KEYS or section.is_network() or section.lookup(option.key) is not option:
        return False
    kind = layer_kind(section.header, dialect)
    return kind is not None and option.key in read_keys(kind, dialect)


def layer_kind(header: str, dialect: Dialect) -> str | None:
    return HEADERS[dialect].get(header)


def parse_layer(section: Section, dialect: Dialect) -> Layer:
    """The typed layer darknet builds from ``section``."""
    kind = layer_kind(section.header, dialect)
    if kind is None:
        return UnknownLayer(section=section, dialect=dialect, kind=None, reads=read_keys(None, dialect))
    first = section.first_options()
    written = []
    for key in layer_keys(kind, dialect):
        option = first.get(key.name)
        written.append(option.value if option is not None else None)
    values, list_fields = _layer_values(kind, dialect, tuple(written))
    if list_fields:  # each layer gets lists of its own: the memoised values are shared
        values = {**values, **{name: list(values[name]) for name in list_fields}}
    model = _model_for(kind)
    return model(section=section, dialect=dialect, kind=kind, reads=read_keys(kind, dialect), **values)


@memoised(4096)
def _layer_values(
    kind: str, dialect: Dialect, written: tuple[str | None, ...]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The fields of a ``kind`` layer whose keys (in :func:`layer_keys` order) are written ``written``,
    and the names of those that hold a list.

    None stands for a key missing or written without ``=``. Memoised: a cfg
    repeats the same few layers, and the values depend on nothing else.
    Shared: never change the result.
    """
    values: dict[str, Any] = {}
    by_name: dict[str, Any] = {}
    for key, text in zip(layer_keys(kind, dialect), written):
        value = _convert(key, text, dialect) if text is not None else None
        if value is None and (text is None or key.kind in ("int", "flag", "float")):
            # missing, or a number hank-ai stops on (hankai_layer_problems): the default
            default = key.default
            value = default(by_name) if callable(default) else default
            if key.kind == "float" and isinstance(value, float):
                value = cnum.to_float32(value)
        by_name[key.name] = value
        values[key.field] = value
    return values, tuple(name for name, value in values.items() if isinstance(value, list))


def parse_layers(document: CfgDocument) -> list[Layer]:
    """Every layer of ``document`` (the sections after ``[net]``), typed."""
    return [parse_layer(section, document.dialect) for section in document.layers]


# Convenience derived values used by the network and the lint rules -----------------------------------


def yolo_mask(layer: Layer) -> list[int]:
    """The anchors this [yolo]/[Gaussian_yolo] uses: ``mask``, or all ``num`` when there is none."""
    mask = getattr(layer, "mask", None)
    if mask is None:
        return list(range(getattr(layer, "num", 1)))
    return mask


def expected_filters(layer: Layer) -> int | None:
    """The ``filters`` darknet needs in the [convolutional] feeding this detection layer."""
    if layer.kind == "yolo":
        return (layer.classes + 5) * len(yolo_mask(layer))
    if layer.kind == "Gaussian_yolo":
        return (layer.classes + 9) * len(yolo_mask(layer))
    if layer.kind == "region":
        return (layer.classes + layer.coords + 1) * layer.num
    return None


__all__ = [
    "COMMON_KEYS", "HEADERS", "LAYER_KEYS", "Key", "Layer", "UnknownLayer", "expected_filters", "known_keys",
    "layer_keys", "layer_kind", "parse_layer", "parse_layers", "read_keys", "yolo_mask",
]


def all_models() -> dict[str, type[Layer]]:
    """The class of every layer type, by canonical type name."""
    return {kind: _model_for(kind) for kind in LAYER_KEYS}
