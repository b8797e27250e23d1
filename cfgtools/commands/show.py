"""``cfgtools show FILE...``: the typed model, with effective values and where each came from."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

HELP = "print what darknet or Caffe reads from a config: every training value and where it came from"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="darknet .cfg or Caffe solver .prototxt")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--dialect", choices=("alexeyab", "pjreddie"), default="alexeyab",
                        help="darknet fork whose reading rules apply (default: alexeyab)")


def run(args: argparse.Namespace) -> int:
    from cfgtools.errors import InputError

    status = 0
    documents = []
    for path in args.files:
        try:
            model, warnings = load_model(path, args.dialect)
        except InputError as error:
            print(error.with_path(path).format(), file=sys.stderr)
            status = 2
            continue
        for warning in warnings:
            print(warning, file=sys.stderr)
        if args.format == "json":
            documents.append(model)
        else:
            sys.stdout.write(render_text(model))
            if len(args.files) > 1:
                sys.stdout.write("\n")
    if args.format == "json":
        payload: Any = documents[0] if len(args.files) == 1 and documents else documents
        json.dump(payload, sys.stdout, indent=2, allow_nan=True)
        sys.stdout.write("\n")
    return status


def load_model(path: str, dialect: str) -> tuple[dict, list[str]]:
    """Read ``path`` into a plain, JSON-ready description; warnings are one-line messages."""
    from cfgtools.errors import InputError
    from cfgtools.sources import describe_kind, detect_kind, read_source

    source = read_source(path)
    kind = detect_kind(source)
    if kind == "darknet":
        return _darknet_model(source, dialect)
    if kind == "caffe-solver":
        return _caffe_model(source)
    raise InputError(describe_kind(source), path)


def _position(span) -> dict | None:
    return None if span is None else {"line": span.line, "column": span.column}


def _darknet_model(source, dialect: str) -> tuple[dict, list[str]]:
    from cfgtools.darknet.document import read_cfg
    from cfgtools.darknet.net import read_net
    from cfgtools.sources import SourceText

    document = read_cfg(source, source.path, dialect)
    warnings = [f"{source.path}:{p.span.line}:{p.span.column}: warning: {p.message}" for p in document.fatal_problems]
    readable = document
    if document.has_bom:  # show what darknet would read once the BOM is gone
        readable = read_cfg(SourceText(source.path, source.text[1:], False), source.path, dialect)
    net = read_net(readable) if readable.net is not None else None
    model: dict[str, Any] = {"path": source.path, "kind": "darknet", "dialect": dialect}
    if net is None:
        model["net"] = None
    else:
        warnings += [f"{source.path}:{readable.net.span.line}:1: warning: {reason}" for reason in net.fatal]
        model["net"] = {
            setting.key: {
                "value": setting.value,
                "source": setting.source,
                "read": setting.read,
                "written": setting.raw,
                "position": _position(setting.span),
            }
            for setting in net.settings()
        }
        model["effective_policy"] = net.effective_policy
        model["mini_batch"] = net.mini_batch
    model["layers"] = [
        {"index": s.layer_index, "type": s.header, "line": s.span.line, "options": len(s.options)}
        for s in readable.layers
    ]
    return model, warnings


def _caffe_model(source) -> tuple[dict, list[str]]:
    from cfgtools.caffe.solver import read_solver

    solver = read_solver(source)
    warnings = []
    for unknown in solver.unknown_fields:
        warnings.append(
            f"{source.path}:{unknown.span.line}:{unknown.span.column}: warning: unknown field "
            f"{unknown.name!r}: Caffe refuses this file (the rest is shown)"
        )
    fields = {}
    for name, field in solver.fields.items():
        if not field.explicit and field.value in ([], None):
            continue
        fields[name] = {
            "value": field.value,
            "source": "file" if field.explicit else "default",
            "position": _position(field.span),
        }
    model = {
        "path": source.path,
        "kind": "caffe-solver",
        "solver_type": solver.solver_type_name,
        "fields": fields,
        "unknown_fields": [
            {"name": u.name, "position": _position(u.span)} for u in solver.unknown_fields
        ],
    }
    return model, warnings


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        from cfgtools.darknet.cnum import format_float32

        return format_float32(value)
    if isinstance(value, list):
        return ",".join(_format_value(v) for v in value) if value else "(empty)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _origin(entry: dict) -> str:
    position = entry["position"]
    if entry["source"] == "default":
        return "default"
    return f"line {position['line']}" if position else "file"


def render_text(model: dict) -> str:
    lines = []
    if model["kind"] == "darknet":
        lines.append(f"{model['path']}: darknet cfg, read as {model['dialect']} reads it")
        if model["net"] is None:
            lines.append("  no [net] section: darknet stops before reading any option")
        else:
            lines.append("[net]")
            for key, entry in model["net"].items():
                value = _format_value(entry["value"])
                note = _origin(entry)
                if entry["written"] is not None and entry["written"] != value and not _same_number(entry):
                    note += f", written {entry['written']!r}"
                if not entry["read"]:
                    note += f", not read under policy={model['effective_policy']}"
                lines.append(f"  {key:<18} {value:<24} {note}")
            lines.append(f"  {'(policy used)':<18} {model['effective_policy']}")
            lines.append(f"  {'(mini-batch)':<18} {model['mini_batch']}")
        types: dict[str, int] = {}
        for layer in model["layers"]:
            types[layer["type"]] = types.get(layer["type"], 0) + 1
        summary = ", ".join(f"{name} x{count}" for name, count in types.items())
        lines.append(f"layers: {len(model['layers'])}" + (f" ({summary})" if summary else ""))
    else:
        lines.append(f"{model['path']}: Caffe solver ({model['solver_type']})")
        for name, entry in model["fields"].items():
            lines.append(f"  {name:<22} {_format_value(entry['value']):<24} {_origin(entry)}")
        for unknown in model["unknown_fields"]:
            position = unknown["position"]
            where = f"line {position['line']}" if position else ""
            lines.append(f"  {unknown['name']:<22} {'(unknown: Caffe refuses the file)':<24} {where}")
    return "\n".join(lines) + "\n"


def _same_number(entry: dict) -> bool:
    """True when the text says the same number darknet reads (``.1,.1`` for 0.1,0.1)."""
    value, written = entry["value"], entry["written"]
    values = value if isinstance(value, list) else [value]
    texts = written.split(",")
    if len(texts) != len(values):
        return False
    from cfgtools.darknet.cnum import to_float32

    for number, text in zip(values, texts):
        try:
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                return False
            if isinstance(number, int) and int(text) != number:
                return False
            if isinstance(number, float) and to_float32(float(text)) != number:
                return False
        except ValueError:
            return False
    return True
