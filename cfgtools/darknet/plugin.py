"""darknet as a cfgtools framework: recognise, read, schedule, checkpoints, show, convert.

The views a loaded cfg offers (see :class:`~cfgtools.plugin.Framework`):
``document`` (the text as the fork reads it, with positions), ``net`` (the
typed ``[net]``), ``layers`` (the typed layers) and ``network`` (shapes and
BFLOPs); the last three exist only when ``[net]`` is the first section.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Mapping

from cfgtools.darknet import DIALECTS, fork_name
from cfgtools.darknet.document import CfgDocument, read_cfg
from cfgtools.darknet.edit import edit_net
from cfgtools.darknet.hankai import read_hankai_cfg
from cfgtools.darknet.layers import HEADERS, hankai_layer_problems, hankai_size_stop, parse_layers
from cfgtools.darknet.log import DARKNET_LOG
from cfgtools.darknet.net import NetConfig, Setting, lacks_input, read_net
from cfgtools.darknet.network import infer_network
from cfgtools.darknet.recipe import darknet_recipe, express, write_net
from cfgtools.darknet.schedule import schedule_from_net
from cfgtools.darknet.weights import iteration_from_seen, read_weights_header
from cfgtools.errors import InputError
from cfgtools.values import format_value, printable, to_float32
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
from cfgtools.recipe import Expression, Recipe, WrittenRecipe
from cfgtools.schedule.model import Schedule
from cfgtools.sources import UTF8_BOM, SourceText
from cfgtools.trainlog.model import LogFormat

if TYPE_CHECKING:
    from cfgtools.schedule.extend import Plan

_NETWORK_HEADER = re.compile(r"\[(net|network)\]")
#: every section name a darknet fork knows, lowercased (a first section like these is darknet's, misspelt)
_DARKNET_NAMES = frozenset(header.strip("[]").lower() for headers in HEADERS.values() for header in headers)


def _content_lines(text: str):
    """Lines that are not blank and not whole-line comments, stripped of blanks at the ends."""
    for raw in text.lstrip(UTF8_BOM).split("\n"):
        line = raw.strip(" \t\r")
        if line and line[0] not in "#;":
            yield line


class Darknet(Framework):
    name = "darknet"
    noun = "darknet cfg"
    dialects = DIALECTS
    suffixes = (".cfg",)
    views = ("document", "net", "layers", "network")
    setting_names = {"base_lr": "learning_rate", "horizon": "max_batches", "policy": "policy"}

    def recognise(self, source: SourceText) -> Recognition:
        """A cfg's first content line is a ``key=value`` or a ``[section]``, and its first section is ``[net]``.

        Stray options before ``[net]`` make darknet crash, so such a file is
        still recognised (the linter must say so). A file whose first section
        only looks like darknet's (``[NET]``, ``[net``, a layer type such as
        ``[convolutional]``) is recognised as a fallback, so that the linter
        reports why darknet refuses it; a first section of another tool
        (``[metadata]``, ``[general]``) is not darknet.
        """
        lines = _content_lines(source.text)
        first = next(lines, None)
        if first is None or not ("=" in first or first.startswith("[")):
            return Recognition.NO
        header = first if first.startswith("[") else next((line for line in lines if line.startswith("[")), None)
        if header is None:
            return Recognition.NO
        compact = "".join(header.split())
        if _NETWORK_HEADER.fullmatch(compact):
            return Recognition.YES
        name = compact.lower().split("]")[0].lstrip("[")
        if name in _DARKNET_NAMES or name.startswith(("net", "network")):
            return Recognition.FALLBACK
        return Recognition.NO

    def comment_syntax(self, dialect: str) -> CommentSyntax:
        if dialect == "hankai":  # its regex ends a value at '#'
            return CommentSyntax(line_prefixes="#;", trailing=True)
        # read_cfg skips lines starting with '#' or ';'; a '#' after a value is part of the value
        return CommentSyntax(line_prefixes="#;", trailing=False)

    def unrecognised(self, source: SourceText) -> str | None:
        first = next(_content_lines(source.text), None)
        if first is not None and re.match(r"\[[^\]\n]*\]", first):
            return (f"not a darknet config: it starts with {first[:40]!r}, "
                    "and a darknet cfg starts with [net] or [network]")
        return None

    def read(self, source: SourceText, dialect: str) -> CfgDocument:
        try:
            if dialect == "hankai":
                return read_hankai_cfg(source, source.path)
            return read_cfg(source, source.path, dialect)  # type: ignore[arg-type]
        except InputError as exc:
            raise exc.with_path(source.path) from None

    def view(self, loaded: LoadedConfig, name: str) -> Any:
        document: CfgDocument = loaded.model
        if name == "document":
            return document
        if document.net is None:
            return None
        if name == "net":
            return read_net(document)
        if name == "layers":
            return parse_layers(document)
        if name == "network":
            return infer_network(document, net=loaded.view("net"), layers=loaded.view("layers"))
        return None

    def schedule(self, loaded: LoadedConfig, options: RunOptions) -> Schedule:
        net = loaded.view("net")
        if net is None:
            sections = loaded.model.sections
            where = sections[0].span if sections else Span.point(1)
            raise InputError(f"no [net] or [network] section first: darknet ({fork_name(loaded.dialect)}) refuses "
                             "the file", loaded.path, where.line, where.column)
        if loaded.dialect == "hankai":
            stop = hankai_stop(loaded)
            if stop is not None:  # hank-ai aborts while reading: it trains with no schedule at all
                message, where = stop
                raise InputError(message, loaded.path, where.line, where.column)
        return schedule_from_net(net, gpus=options.gpus, source=loaded.path, seed=options.seed)

    def checkpoint(self, path: str, loaded: LoadedConfig) -> Checkpoint:
        header = read_weights_header(path, loaded.dialect)
        net = loaded.view("net")
        # darknet divides by the *current* cfg's stored mini-batch times subdivisions
        per_iteration = net.mini_batch * net.subdivisions.value if net is not None else 0
        iteration = iteration_from_seen(header.seen, per_iteration)
        return Checkpoint(iteration, None, f"{path} (seen={header.seen}: iteration {iteration})")

    def setting_span(self, loaded: LoadedConfig, name: str) -> Span | None:
        net = loaded.view("net")
        setting = getattr(net, name, None) if net is not None else None
        if isinstance(setting, Setting) and setting.from_file:
            return setting.span or setting.key_span
        return None

    def plan_extension(self, loaded: LoadedConfig, checkpoint: Checkpoint, request: ExtensionRequest) -> list[Plan]:
        from cfgtools.darknet.extension import as_written  # lazy: it imports numpy, which show must not

        return as_written(super().plan_extension(loaded, checkpoint, request), loaded.view("net"))

    def edit_text(self, loaded: LoadedConfig, changes: Mapping[str, Any]) -> str:
        return edit_net(loaded.model, changes)

    def anchor(self, loaded: LoadedConfig) -> Span:
        section = loaded.model.net
        return section.span if section is not None else Span.point(1)

    def changed_settings(self, old: LoadedConfig, new: LoadedConfig) -> tuple[str, ...]:
        before, after = old.view("net"), new.view("net")
        if before is None or after is None:
            return ()
        # only keys darknet reads in either config (sgdr_cycle follows max_batches unread under poly)
        read = {s.key for s in after.settings() if s.read} | {s.key for s in before.settings() if s.read}
        old_values = {s.key: s.value for s in before.settings()}
        return tuple(s.key for s in after.settings() if s.key in read and old_values.get(s.key) != s.value)

    def images_per_update(self, loaded: LoadedConfig, options: RunOptions) -> int | None:
        net = loaded.view("net")
        if net is None:
            return None
        # one iteration is batch//subdivisions * time_steps * subdivisions images whatever the GPU count:
        # with N GPUs each loop trains N such batches and advances the iteration by N (AlexeyAB
        # train_networks: cur_iteration += n - 1; pjreddie sync_nets adds (n - 1) batches to seen)
        return max(1, net.mini_batch * net.subdivisions.value)

    def log_format(self) -> LogFormat:
        return DARKNET_LOG

    def log_header(self, loaded: LoadedConfig) -> dict[str, float]:
        # detector.c/classifier.c print net->momentum and net->decay (float) in the "Learning Rate:" line
        net = loaded.view("net")
        if net is None:
            return {}
        return {"momentum": net.momentum.value, "decay": net.decay.value}

    def schedule_notes(self, schedule: Schedule, options: RunOptions) -> list[str]:
        notes = []
        if schedule.is_random:
            notes.append("darknet's policy=random draws rand() at every update and is not reproducible; "
                         f"these values are seeded (--seed {options.seed})")
        if schedule.horizon <= 0:
            notes.append(f"max_batches is {schedule.horizon} (unset?): darknet's detector trains zero iterations "
                         "(its classifier never stops)")
        return notes

    def recipe(self, loaded: LoadedConfig, options: RunOptions) -> Recipe:
        return darknet_recipe(loaded, options)

    def express(self, schedule: Schedule) -> Expression:
        return express(schedule)

    def write_recipe(self, recipe: Recipe, schedule: Schedule) -> WrittenRecipe:
        return write_net(recipe, schedule)

    def describe(self, loaded: LoadedConfig) -> Description:
        document: CfgDocument = loaded.model
        path = loaded.path
        warnings = [printable(f"{path}:{p.span.line}:{p.span.column}: warning: {p.message}")
                    for p in document.fatal_problems]
        if loaded.dialect == "hankai" and document.net is not None:
            warnings += [printable(f"{path}:{o.line}:{o.key_span.column}: warning: {message}")
                         for layer in loaded.view("layers") for o, message, _ in hankai_layer_problems(layer)]
            warnings += [printable(f"{path}:{o.line}:{o.key_span.column}: warning: hank-ai stops with \"config "
                                   f"line #{o.line} from section [{document.net.name}] is unused or invalid: "
                                   f"{o.line_text.strip()}\"") for o in hankai_unused_net_lines(loaded)]
            size = _hankai_size_stop(loaded)  # its last check: it stops there only when nothing stopped it before
            if size is not None and hankai_stop(loaded) == size:
                warnings.append(printable(f"{path}:{size[1].line}:{size[1].column}: warning: {size[0]}"))
        readable = document
        if document.has_bom:  # show what darknet would read once the BOM is gone
            readable = self.read(SourceText(path, loaded.source.text[1:], False), loaded.dialect)
        net = read_net(readable) if readable.net is not None else None
        data: dict[str, Any] = {"path": path, "kind": "darknet", "dialect": loaded.dialect}
        if net is None:
            data["net"] = None
        else:
            warnings += [printable(f"{path}:{readable.net.span.line}:1: warning: {reason}") for reason in net.fatal]
            data["net"] = {
                setting.key: {
                    "value": setting.value,
                    "source": setting.source,
                    "read": setting.read,
                    "written": setting.raw,
                    "position": None if setting.span is None else {"line": setting.span.line,
                                                                   "column": setting.span.column},
                }
                for setting in net.settings()
            }
            data["effective_policy"] = net.effective_policy
            data["mini_batch"] = net.mini_batch
        data["layers"] = [
            {"index": s.layer_index, "type": s.header, "line": s.span.line, "options": len(s.options)}
            for s in readable.layers
        ]
        return Description(data, _render(data, net), warnings)


def _render(data: dict, net: NetConfig | None) -> str:
    lines = [printable(f"{data['path']}: darknet cfg, read as {data['dialect']} reads it")]
    if net is None:
        lines.append("  no [net] section: darknet stops before reading any option")
    else:
        lines.append("[net]")
        for setting in net.settings():
            value = format_value(setting.value)
            note = "default" if setting.source == "default" else (
                f"line {setting.span.line}" if setting.span is not None else "file")
            if setting.raw is not None and printable(setting.raw) != value and not _same_number(setting.value, setting.raw):
                note += f", written '{printable(setting.raw)}'"
            if not setting.read:
                note += f", not read under policy={net.effective_policy}"
            lines.append(f"  {setting.key:<18} {value:<24} {note}")
        lines.append(f"  {'(policy used)':<18} {net.effective_policy}")
        lines.append(f"  {'(mini-batch)':<18} {net.mini_batch}")
    types: dict[str, int] = {}
    for layer in data["layers"]:
        types[layer["type"]] = types.get(layer["type"], 0) + 1
    summary = ", ".join(f"{printable(name)} x{count}" for name, count in types.items())
    lines.append(f"layers: {len(data['layers'])}" + (f" ({summary})" if summary else ""))
    return "\n".join(lines) + "\n"


def _same_number(value: Any, written: str) -> bool:
    """True when the text says the same number darknet reads (``.1,.1`` for 0.1,0.1)."""
    values = value if isinstance(value, list) else [value]
    texts = written.split(",")
    if len(texts) != len(values):
        return False
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


def hankai_unused_net_lines(loaded: LoadedConfig) -> list:
    """[net] lines hank-ai never looks up (``find_unused_lines``: each is fatal), in file order."""
    net, section = loaded.view("net"), loaded.model.net
    if net is None or section is None:
        return []
    return [o for o in section.options if o.stored and section.lookup(o.key) is o and o.key not in net.lookups]


def hankai_stop(loaded: LoadedConfig, ignore: tuple[str, ...] = (), lines: bool = True,
                layer_names: bool = True) -> tuple[str, Span] | None:
    """The first error hank-ai stops on while reading the file (message, where), or None when it reads it.

    ``ignore``: reading problems (``ReadProblem.kind``) not to count; ``lines=False``: nor the lines
    it never reads (unknown keys, in [net] or a layer); ``layer_names=False``: nor layer types it lacks.
    """
    document: CfgDocument = loaded.model
    first_line = document.sections[0].span.line if document.sections else 0
    found: list[tuple[str, Span]] = [
        (p.message, p.span) for p in document.fatal_problems
        if p.kind not in ignore and (layer_names or p.kind != "unsupported-section" or p.span.line == first_line)
    ]
    net = loaded.view("net")
    if net is not None:
        settings = {s.key: s for s in net.settings()}
        for key, message in net.fatal_keys:
            setting = settings.get(key)
            found.append((message, (setting.span or setting.key_span) if setting and setting.from_file
                          else document.net.span))
        if lines:
            found += [(f'hank-ai stops with "config line #{o.line} from section [{document.net.name}] is unused or '
                       f'invalid: {o.line_text.strip()}"', o.key_span) for o in hankai_unused_net_lines(loaded)]
            found += [(message, o.key_span) for layer in loaded.view("layers") or []
                      for o, message, _ in hankai_layer_problems(layer)]
        if lacks_input(net, document.net):  # parse_net_section, before any layer
            found.append(('hank-ai stops with "no input parameters supplied"', document.net.span))
        if not found and lines and layer_names and not ignore:  # checked last, once the network is built
            size = _hankai_size_stop(loaded)
            if size is not None:
                found.append(size)
    return min(found, key=lambda item: (item[1].line, item[1].column)) if found else None


def _hankai_size_stop(loaded: LoadedConfig) -> tuple[str, Span] | None:
    """hank-ai's multiple-of-32 check once the network is built (message, where), or None when it passes."""
    net = loaded.view("net")
    size = hankai_size_stop(net.width, net.height, loaded.view("layers") or []) if net is not None else None
    if size is None:
        return None
    return size[0], size[1].span or size[1].key_span or loaded.model.net.span


DARKNET = Darknet()
