"""Shapes and BFLOPs through a whole darknet network, as ``parse_network_cfg`` computes them.

Each layer gets its input ``w x h x c`` from the previous layer's output
(``params.w/h/c`` in src/parser.c), except the layers that read other layers
by index (route, shortcut, sam, scale_channels). The output shape and the
BFLOPs follow each fork's ``make_*_layer``; BFLOPs are stored in a C
``float`` (``l.bflops``) and AlexeyAB sums them in a ``float`` too
(``if (l.bflops > 0) bflops += l.bflops``), so :attr:`Network.total_bflops`
is that float sum, which is what AlexeyAB prints as ``Total BFLOPS``.

Nothing here raises for a broken network: what darknet would stop on, crash
on or silently get wrong is recorded in :attr:`LayerShape.problems`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cfgtools.darknet import in_alexeyab_family
from cfgtools.darknet.cnum import atoi
from cfgtools.darknet.document import CfgDocument, Dialect
from cfgtools.darknet.layers import Layer, parse_layers, yolo_mask
from cfgtools.darknet.net import NetConfig, read_net
from cfgtools.values import to_float32

Shape = tuple[int, int, int]  # (w, h, c)


@dataclass
class LayerShape:
    """One row of darknet's layer table."""

    layer: Layer
    index: int
    input: Shape
    output: Shape
    outputs: int  #: l.outputs (elements per image)
    bflops: float = 0.0  #: l.bflops, a C float
    #: layer indices this layer reads besides its input (route/shortcut/sam/scale_channels), resolved
    sources: list[int] = field(default_factory=list)
    #: what darknet stops on, crashes on or mishandles here (human sentences)
    problems: list[str] = field(default_factory=list)
    #: the text after the index in AlexeyAB's table
    text: str = ""

    @property
    def kind(self) -> str | None:
        return self.layer.kind


@dataclass
class Network:
    dialect: Dialect
    width: int
    height: int
    channels: int
    layers: list[LayerShape]
    total_bflops: float  #: AlexeyAB's float sum of the positive per-layer BFLOPs

    def __getitem__(self, index: int) -> LayerShape:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    @property
    def last_kind(self) -> str | None:
        return self.layers[-1].kind if self.layers else None


def _f32(value: float) -> float:
    return to_float32(value)


def _resolve(index: int, current: int) -> int:
    """``parse_route``/``parse_shortcut``: a negative index counts back from the current layer."""
    return current + index if index < 0 else index


def _conv_out(size_in: int, padding: int, size: int, stride: int) -> int:
    if stride == 0:
        return 0
    return _cdiv(size_in + 2 * padding - size, stride) + 1


def _cdiv(a: int, b: int) -> int:
    """C integer division (truncates toward zero)."""
    if b == 0:
        return 0
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def infer_network(
    document: CfgDocument, width: int | None = None, height: int | None = None, channels: int | None = None,
    *, net: NetConfig | None = None, layers: list[Layer] | None = None,
) -> Network:
    """Walk every layer of ``document`` as darknet does when it builds the network.

    ``net`` and ``layers`` are the document's typed ``[net]`` and layers when
    the caller has them already.
    """
    net = net if net is not None else read_net(document)
    w0 = width if width is not None else net.width.value
    h0 = height if height is not None else net.height.value
    c0 = channels if channels is not None else net.channels.value
    inputs0 = w0 * h0 * c0
    if inputs0 == 0 and document.net is not None:
        option = document.net.lookup("inputs")
        if option is not None and option.value is not None:
            inputs0 = atoi(option.value)
    dialect = document.dialect
    layers = layers if layers is not None else parse_layers(document)
    shapes: list[LayerShape] = []
    w, h, c, inputs = w0, h0, c0, inputs0
    total = 0.0
    for i, layer in enumerate(layers):
        row = _infer_one(layer, i, (w, h, c), inputs, shapes, dialect, len(layers))
        shapes.append(row)
        w, h, c = row.output
        inputs = row.outputs
        if row.bflops > 0:
            total = _f32(total + row.bflops)
    return Network(dialect=dialect, width=w0, height=h0, channels=c0, layers=shapes, total_bflops=total)


def _needs_image(row: LayerShape, what: str) -> bool:
    w, h, c = row.input
    if not (w and h and c):
        row.problems.append(f"darknet stops: 'Layer before {what} layer must output image.' (input {w}x{h}x{c})")
        return False
    return True


def _index_problem(index: int, current: int, n_layers: int) -> str | None:
    if index < 0 or index >= n_layers:
        return f"layer {index} does not exist (the network has {n_layers} layers): darknet reads past its layer array"
    if index >= current:
        what = "itself" if index == current else "a later layer"
        return f"layer {index} is {what}: darknet reads a layer that is not built yet (zero shape, garbage data)"
    return None


def _infer_one(
    layer: Layer, i: int, shape_in: Shape, inputs: int, done: list[LayerShape], dialect: Dialect, n_layers: int
) -> LayerShape:
    w, h, c = shape_in
    row = LayerShape(layer=layer, index=i, input=shape_in, output=(0, 0, 0), outputs=0)
    kind = layer.kind

    def other(index: int) -> LayerShape | None:
        return done[index] if 0 <= index < len(done) else None

    def io(text: str) -> str:
        ow, oh, oc = row.output
        return f"{text}{w:4d} x{h:4d} x{c:4d} -> {ow:4d} x{oh:4d} x{oc:4d}"

    if kind == "convolutional":
        size, groups = layer.size, max(layer.groups, 1)
        if layer.xnor:
            groups = 1
        if in_alexeyab_family(dialect):
            sx = layer.stride_x if layer.stride_x >= 1 and layer.stride_y >= 1 else (
                layer.stride_x if layer.stride_x >= 1 else layer.stride)
            sy = layer.stride_y if layer.stride_x >= 1 and layer.stride_y >= 1 else (
                layer.stride_y if layer.stride_y >= 1 else layer.stride)
            dilation = 1 if size == 1 else layer.dilation
        else:
            sx = sy = layer.stride
            dilation = 1
        padding = size // 2 if layer.pad else layer.padding
        _needs_image(row, "convolutional")
        aa = in_alexeyab_family(dialect) and layer.antialiasing
        hx, hy = (1, 1) if aa else (sx, sy)
        ow, oh = _conv_out(w, padding, size, hx), _conv_out(h, padding, size, hy)
        nweights = (c // groups) * layer.filters * size * size
        row.bflops = _f32((2.0 * nweights * oh * ow) / 1e9)
        if layer.xnor and in_alexeyab_family(dialect):
            row.bflops = _f32(row.bflops / 32)
        if aa:  # AlexeyAB appends a blur layer with the real stride; the next layer reads its output
            blur, blur_pad = (2, 0) if layer.antialiasing == 2 else (3, 1)
            ow, oh = _conv_out(ow, blur_pad, blur, sx), _conv_out(oh, blur_pad, blur, sy)
        row.output = (ow, oh, layer.filters)
        if c and c % groups:
            row.problems.append(f"{c} input channels are not divisible by groups={groups}")
        name = "conv  "
        if layer.xnor:
            name = "convX "
        elif in_alexeyab_family(dialect) and layer.share_index != -1000000000:
            name = "convS "
        filt = f"{layer.filters:5d}/{groups:4d} " if groups > 1 else f"{layer.filters:5d}      "
        if sx != sy:
            geom = f"{size:2d}x{size:2d}/{sx:2d}x{sy:2d} "
        elif dilation > 1:
            geom = f"{size:2d} x{size:2d}/{sx:2d}({dilation:1d})"
        else:
            geom = f"{size:2d} x{size:2d}/{sx:2d}   "
        row.text = io(name + filt + geom)
    elif kind in ("maxpool", "local_avgpool"):
        stride = layer.stride
        sx = getattr(layer, "stride_x", stride) if in_alexeyab_family(dialect) or kind == "local_avgpool" else stride
        sy = getattr(layer, "stride_y", stride) if in_alexeyab_family(dialect) or kind == "local_avgpool" else stride
        size, padding = layer.size, layer.padding
        _needs_image(row, f"[{kind}]")
        depth = getattr(layer, "maxpool_depth", 0) if in_alexeyab_family(dialect) else 0
        if depth:
            row.output = (w, h, layer.out_channels)
        else:
            ow = _cdiv(w + padding - size, sx) + 1 if sx else 0
            oh = _cdiv(h + padding - size, sy) + 1 if sy else 0
            row.output = (ow, oh, c)
        ow, oh, oc = row.output
        if in_alexeyab_family(dialect):
            row.bflops = _f32((size * size * c * oh * ow) / 1e9)
        name = "max " if kind == "maxpool" else "avg "
        if sx == sy:
            geom = f"         {size:2d}x{size:2d}/{sx:2d}   "
        else:
            geom = f"         {size:2d}x{size:2d}/{sx:2d}x{sy:2d} "
        row.text = io(name + geom)
    elif kind == "avgpool":
        _needs_image(row, "avgpool")
        row.output = (1, 1, c)
        row.text = io("avg                          ")
    elif kind == "upsample":
        stride = layer.stride
        if stride < 0:  # AlexeyAB: a negative stride downsamples
            s = -stride
            row.output = (_cdiv(w, s), _cdiv(h, s), c)
            row.text = io(f"downsample              {s:2d}x  ")
        else:
            row.output = (w * stride, h * stride, c)
            row.text = io(f"upsample                {stride:2d}x  ")
    elif kind == "route":
        indices = [_resolve(x, i) for x in (layer.layers or [0])]
        row.sources = indices
        for index in indices:
            problem = _index_problem(index, i, n_layers)
            if problem:
                row.problems.append(problem)
        inputs_ = [other(x) for x in indices]
        first = inputs_[0]
        if first is None:
            row.output = (0, 0, 0)
        else:
            ow, oh, oc = first.output
            for j, nxt in enumerate(inputs_[1:], 1):
                if nxt is None:
                    continue
                if nxt.output[0] == first.output[0] and nxt.output[1] == first.output[1]:
                    oc += nxt.output[2]
                else:
                    a, b = first.output, nxt.output
                    msg = (f"inputs have different width/height: layer {indices[0]} is {a[0]}x{a[1]}, "
                           f"layer {indices[j]} is {b[0]}x{b[1]}")
                    if in_alexeyab_family(dialect):
                        msg += " (AlexeyAB prints 'The width and height of the input layers are different.' and " \
                               "gives 0x0x0)"
                        ow = oh = oc = 0
                    else:
                        msg += " (pjreddie keeps the first input's width/height and concatenates garbage)"
                        oc += nxt.output[2]
                    row.problems.append(msg)
            groups = max(getattr(layer, "groups", 1), 1) if in_alexeyab_family(dialect) else 1
            if groups > 1 and oc % groups:
                row.problems.append(f"{oc} channels are not divisible by groups={groups}")
            row.output = (ow, oh, _cdiv(oc, groups))
        listed = ", ".join(str(x) for x in indices)
        groups = max(getattr(layer, "groups", 1), 1) if in_alexeyab_family(dialect) else 1
        split = f"{layer.group_id}/{groups}" if groups > 1 else ""
        row.text = f"route  {listed}".ljust(40) + split.rjust(5) + " -> {:4d} x{:4d} x{:4d}".format(*row.output)
    elif kind == "shortcut":
        froms = layer.from_ or [0]
        if dialect == "pjreddie":
            froms = froms[:1]
        indices = [_resolve(x, i) for x in froms]
        row.sources = indices
        for index in indices:
            problem = _index_problem(index, i, n_layers)
            if problem:
                row.problems.append(problem)
        row.output = (w, h, c)
        if in_alexeyab_family(dialect):
            row.bflops = _f32((w * h * c * len(indices)) / 1e9)
            if getattr(layer, "weights_type", "none") in ("per_feature", "per_layer", "per_channel"):
                row.bflops = _f32(row.bflops * 2)
        for index in indices:
            src = other(index)
            if src is None:
                continue
            sw, sh, sc = src.output
            if (sw, sh) != (w, h):
                row.problems.append(f"adds layer {index} ({sw}x{sh}x{sc}) to a {w}x{h}x{c} input: "
                                    "the width/height differ")
        listed = ", ".join(str(x) for x in indices)
        row.text = f"Shortcut Layer: {listed},  wt = 0, wn = 0, outputs:{w:4d} x{h:4d} x{c:4d} {row.bflops:5.3f} BF"
    elif kind in ("sam", "scale_channels"):
        index = _resolve(layer.from_ or 0, i)
        row.sources = [index]
        problem = _index_problem(index, i, n_layers)
        if problem:
            row.problems.append(problem)
        src = other(index)
        so = src.output if src else (0, 0, 0)
        row.output = so
        name = "sam" if kind == "sam" else "scale Layer:"
        row.text = f"{name} {index}".ljust(45) + " -> {:4d} x{:4d} x{:4d}".format(*row.output)
    elif kind in ("reorg", "reorg3d"):
        s = layer.stride
        _needs_image(row, "reorg")
        if layer.reverse:
            row.output = (w * s, h * s, _cdiv(c, s * s))
        else:
            row.output = (_cdiv(w, s), _cdiv(h, s), c * s * s)
        name = "reorg_old" if kind == "reorg" and in_alexeyab_family(dialect) else "reorg"
        row.text = io(f"{name}              /{s:2d}      ")
    elif kind in ("yolo", "Gaussian_yolo", "region"):
        row.output = (w, h, c)
        if kind == "region":
            expected = w * h * layer.num * (layer.classes + layer.coords + 1)
        else:
            extra = 5 if kind == "yolo" else 9
            expected = w * h * len(yolo_mask(layer)) * (layer.classes + extra)
            if kind == "yolo" and dialect == "pjreddie":
                expected = w * h * len(yolo_mask(layer)) * (layer.classes + 5)
        if expected != inputs:
            row.problems.append(
                f"needs {expected} inputs but the previous layer gives {inputs}: darknet stops "
                "(filters= does not match classes/mask/num)")
        row.text = {"yolo": "yolo", "Gaussian_yolo": "Gaussian_yolo", "region": "detection"}[kind]
    elif kind == "detection":
        row.output = (0, 0, 0)
        row.text = "Detection Layer"
    elif kind == "connected":
        row.output = (1, 1, layer.output)
        row.bflops = _f32((2.0 * inputs * layer.output) / 1e9) if in_alexeyab_family(dialect) else 0.0
        row.text = f"connected                            {inputs:4d}  ->  {layer.output:4d}"
    elif kind in ("rnn", "gru", "lstm"):
        row.output = (1, 1, layer.output)
        row.text = f"{kind.upper()} Layer: {inputs} inputs, {layer.output} outputs"
    elif kind in ("crnn", "conv_lstm"):
        size = getattr(layer, "size", 3)
        stride = getattr(layer, "stride", 1)
        padding = size // 2 if getattr(layer, "pad", 0) else getattr(layer, "padding", 0)
        if dialect == "pjreddie" and kind == "crnn":
            size, stride, padding = 3, 1, 1
        row.output = (_conv_out(w, padding, size, stride), _conv_out(h, padding, size, stride), layer.output)
        row.text = io(f"{kind.upper()} Layer: ")
    elif kind == "local":
        size, stride = layer.size, layer.stride
        ow = _cdiv(w - (1 if layer.pad else size), stride) + 1 if stride else 0
        oh = _cdiv(h - (1 if layer.pad else size), stride) + 1 if stride else 0
        row.output = (ow, oh, layer.filters)
        row.text = io(f"Local Layer: {layer.filters:5d} {size:2d} x{size:2d} /{stride:2d}  ")
    elif kind == "crop":
        row.output = (layer.crop_width, layer.crop_height, c)
        row.text = io("Crop Layer: ")
    elif kind == "implicit":
        row.output = (1, 1, layer.filters)
        row.text = f"implicit Layer: {layer.filters}"
    elif kind == "deconvolutional":
        size, stride = layer.size, layer.stride
        padding = size // 2 if layer.pad else layer.padding
        row.output = ((w - 1) * stride + size - 2 * padding, (h - 1) * stride + size - 2 * padding, layer.filters)
        row.text = io(f"deconv{layer.filters:5d} {size:2d} x{size:2d} /{stride:2d}  ")
    elif kind is None:
        row.output = (0, 0, 0)
        row.problems.append(f"Type not recognized: {layer.header} (darknet leaves an empty 0x0x0 layer)")
        row.text = f"Type not recognized: {layer.header}"
    else:  # dropout, softmax, cost, batchnorm, normalization, activation, empty, contrastive, ...
        row.output = (w, h, c)
        labels = {"dropout": "dropout", "softmax": "softmax", "cost": "cost", "batchnorm": "Batch Normalization Layer:",
                  "normalization": "Local Response Normalization Layer:", "activation": "Activation Layer:",
                  "empty": "empty", "contrastive": "contrastive"}
        row.text = labels.get(kind or "", kind or "") + (f" {inputs}" if kind in ("dropout", "softmax", "cost") else "")
    ow, oh, oc = row.output
    if kind in ("yolo", "Gaussian_yolo", "region", "dropout", "softmax", "cost", "detection", "contrastive",
                "empty", "activation") and kind is not None:
        row.outputs = inputs
    elif kind in ("rnn", "gru", "lstm", "connected"):
        row.outputs = layer.output
    else:
        row.outputs = ow * oh * oc
    return row
