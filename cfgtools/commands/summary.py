"""``cfgtools summary FILE``: darknet's layer table (shapes and BFLOPs) without building the network."""

from __future__ import annotations

import argparse
import json
import sys

HELP = "print darknet's layer table for a .cfg: every layer's input/output shape, BFLOPs and the total"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="darknet .cfg")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--dialect", choices=("alexeyab", "pjreddie"), default="alexeyab",
                        help="darknet fork whose reading rules apply (default: alexeyab)")
    parser.add_argument("--width", type=int, metavar="W", help="network width instead of [net] width=")
    parser.add_argument("--height", type=int, metavar="H", help="network height instead of [net] height=")


def run(args: argparse.Namespace) -> int:
    from cfgtools.errors import InputError

    try:
        network, document = _load(args.file, args.dialect, args.width, args.height)
    except InputError as error:
        print(error.with_path(args.file).format(), file=sys.stderr)
        return 2
    if args.format == "json":
        json.dump(to_json(network, args.file), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(network))
    for row in network.layers:
        for problem in row.problems:
            span = row.layer.section.span
            print(f"{args.file}:{span.line}:{span.column}: layer {row.index}: {problem}", file=sys.stderr)
    return 0


def _load(path: str, dialect: str, width: int | None, height: int | None):
    from cfgtools.darknet.document import read_cfg
    from cfgtools.darknet.network import infer_network
    from cfgtools.errors import InputError
    from cfgtools.sources import SourceText, describe_kind, detect_kind, read_source

    source = read_source(path)
    if detect_kind(source) != "darknet":
        message = describe_kind(source)
        if detect_kind(source) == "caffe-solver":
            message = "a Caffe solver, not a darknet cfg: summary needs a darknet .cfg"
        raise InputError(message, path)
    if source.has_bom:  # read what darknet would read without the BOM
        source = SourceText(source.path, source.text[1:], False)
    document = read_cfg(source, path, dialect)  # type: ignore[arg-type]
    if document.net is None:
        problem = document.fatal_problems[0] if document.fatal_problems else None
        if problem is not None:
            raise InputError(problem.message, path, problem.span.line, problem.span.column)
        raise InputError("not a darknet config: the first section is not [net] or [network]", path)
    return infer_network(document, width=width, height=height), document


def render_text(network) -> str:
    """AlexeyAB's layer table (stderr of ``darknet detector ...``) and its total line."""
    lines = ["   layer   filters  size/strd(dil)      input                output"]
    for row in network.layers:
        text = row.text
        if row.kind in ("convolutional", "maxpool", "local_avgpool") and not text.endswith("BF"):
            text += f" {row.bflops:5.3f} BF"
        lines.append(f"{row.index:4d} {text}")
    lines.append(f"Total BFLOPS {network.total_bflops:5.3f} ")
    return "\n".join(lines) + "\n"


def to_json(network, path: str) -> dict:
    return {
        "path": path,
        "dialect": network.dialect,
        "width": network.width,
        "height": network.height,
        "channels": network.channels,
        "total_bflops": round(network.total_bflops, 6),
        "layers": [
            {
                "index": row.index,
                "type": row.kind or row.layer.header,
                "line": row.layer.section.span.line,
                "input": list(row.input),
                "output": list(row.output),
                "outputs": row.outputs,
                "bflops": round(row.bflops, 6),
                "sources": row.sources,
                "problems": row.problems,
            }
            for row in network.layers
        ],
    }
