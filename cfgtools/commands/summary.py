"""``cfgtools summary FILE``: darknet's layer table (shapes and BFLOPs) without building the network."""

from __future__ import annotations

import argparse
import json
import sys

from cfgtools.commands._args import add_dialect_argument, bounded_int
from cfgtools.darknet.network import Network, infer_network
from cfgtools.errors import InputError
from cfgtools.loading import load, without_bom
from cfgtools.values import json_safe, printable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="darknet .cfg")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_dialect_argument(parser, "reading rules apply")
    parser.add_argument("--width", type=bounded_int(1, 65536), metavar="W", help="network width instead of [net] width=")
    parser.add_argument("--height", type=bounded_int(1, 65536), metavar="H", help="network height instead of [net] height=")


def run(args: argparse.Namespace) -> int:
    try:
        network = _network(args.file, args.dialect, args.width, args.height)
    except InputError as error:
        print(error.with_path(args.file).format(), file=sys.stderr)
        return 2
    if args.format == "json":
        json.dump(json_safe(to_json(network, args.file)), sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(network))
    for row in network.layers:
        for problem in row.problems:
            span = row.layer.section.span
            print(printable(f"{args.file}:{span.line}:{span.column}: layer {row.index}: {problem}"), file=sys.stderr)
    return 0


def _network(path: str, dialect: str, width: int | None, height: int | None) -> Network:
    """The network darknet builds from the cfg at ``path`` (read as if a byte-order mark were removed)."""
    loaded = without_bom(load(path, {"darknet": dialect}))
    if "network" not in loaded.framework.views:
        raise InputError(f"a {loaded.framework.noun}, not a darknet cfg: summary needs a darknet .cfg", path)
    document = loaded.view("document")
    if document.net is None:
        problem = document.fatal_problems[0] if document.fatal_problems else None
        if problem is not None:
            raise InputError(problem.message, path, problem.span.line, problem.span.column)
        raise InputError("not a darknet config: the first section is not [net] or [network]", path)
    if width is None and height is None:
        return loaded.view("network")
    return infer_network(document, width=width, height=height, net=loaded.view("net"), layers=loaded.view("layers"))


def render_text(network) -> str:
    """AlexeyAB's layer table (stderr of ``darknet detector ...``) and its total line."""
    lines = ["   layer   filters  size/strd(dil)      input                output"]
    for row in network.layers:
        text = row.text
        if row.kind in ("convolutional", "maxpool", "local_avgpool") and not text.endswith("BF"):
            text += f" {row.bflops:5.3f} BF"
        lines.append(f"{row.index:4d} {printable(text)}")
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
