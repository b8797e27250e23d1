from __future__ import annotations

from typing import Iterator

from cfgtools.darknet import DIALECTS, fork_name
from cfgtools.darknet.document import Option
from cfgtools.darknet.layers import ACTIVATIONS, Layer, activation_problems
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import comment_moved_above, comment_start, did_you_mean
from cfgtools.lint.rules.yl_common import where
from cfgtools.values import quoted


class UnknownActivation(Rule):
    """## What it does
    Checks `activation=` (and `[conv_lstm]`'s `lstm_activation=`) for a name the
    darknet fork does not know, or that the layer type does not support.

    ## Why is this bad?
    `get_activation` (src/activations.c) compares the name with `strcmp` (exact,
    case-sensitive), prints `Couldn't find activation function X, going with ReLU`
    among the layer lines and builds the layer with ReLU: the network trains and
    runs, but it is not the network the file describes, and weights trained with
    the intended activation give wrong detections. `Leaky`, `leaky_relu` and
    `mish # was swish` (a comment is part of the value in the C forks) are all
    unknown. pjreddie's darknet knows 14 names: `mish`, `swish`, `hard_mish`,
    `relu6`, `gelu`, `revleaky` and the `normalize_channels` family are
    AlexeyAB's, so YOLOv4 cfgs train with ReLU there (reported once per name, at
    its first layer, with the number of layers using it). hank-ai knows AlexeyAB's
    names and stops on any other (`activation name "X" is not supported`,
    `get_activation_from_name`, src-lib/darknet_enums.cpp).

    `[sam]` and `[scale_channels]` do not support `swish` and `mish`: AlexeyAB
    prints "[sam] layer doesn't support SWISH or MISH activations" and builds the
    layer anyway, whose `activate()` has no case for them and returns 0 (the layer
    outputs zeros on the CPU); hank-ai stops.

    ## Example
    ```cfg
    [net]
    width=416
    height=416
    channels=3

    [convolutional]
    filters=32
    size=3
    activation=Leaky
    ```

    ## Use instead
    ```cfg
    [net]
    width=416
    height=416
    channels=3

    [convolutional]
    filters=32
    size=3
    activation=leaky
    ```

    ## Fix safety
    Unsafe: the name it writes is a guess from the spelling, and it changes the
    network darknet builds (from ReLU to that activation). Only `--unsafe-fixes`
    applies it. A known name followed by a comment (`activation=leaky # note`)
    gets DN003's safe fix instead: the comment moves to a line of its own above
    and the name is left alone.
    """

    code = "YL012"
    name = "unknown-activation"
    severity = Severity.ERROR
    needs = ("document", "layers")
    summary = "unknown activation name: the C forks build the layer with ReLU, hank-ai stops"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        dialect = self.ctx.document.dialect
        known = ACTIVATIONS[dialect]
        # a name of another fork (pjreddie and YOLOv4's mish) is one finding at its first layer, not one per layer:
        # the fix is the fork, not the line
        elsewhere: dict[str, list[tuple[Layer, Option]]] = {}
        for layer in self.ctx.layers:
            for option, problem in activation_problems(layer):
                if problem == "unsupported":
                    yield self._unsupported(layer, option, dialect)
                    continue
                name = _other_forks_name(option.value, known)
                if name is not None:
                    elsewhere.setdefault(name, []).append((layer, option))
                else:
                    yield self._finding(option, f"{option.key} {quoted(option.value)} in {where(layer)}", dialect, known)
        for name, uses in elsewhere.items():
            layer, option = uses[0]
            more = f" and {len(uses) - 1} more layer(s)" if len(uses) > 1 else ""
            owners = [fork_name(d) for d in DIALECTS if name in ACTIVATIONS[d]]
            said = (f"{_read_as(option.value, dialect, f'{option.key} {quoted(option.value)} in {where(layer)}{more}')}"
                    f"; {name} exists only in {' and '.join(owners)}'s darknet")
            yield self.diagnostic(option.value_span or option.key_span, said,
                                  Fix(f"train with {owners[0]}'s darknet, or write an activation "
                                      f"{fork_name(dialect)}'s darknet has ({', '.join(sorted(known))})"))

    def _finding(self, option: Option, what: str, dialect: str, known: frozenset[str]) -> Diagnostic:
        value = option.value
        span = option.value_span or option.key_span
        said = _read_as(value, dialect, what)
        base = _name(value)
        start = comment_start(option) if "#" in value else None
        comment = option.line_text[start - 1:].rstrip("\r").rstrip() if start is not None else ""
        if comment:
            said += f" (the comment {quoted(comment)} is part of the name: there are no inline comments in the C forks)"
        hint = base if base in known else did_you_mean(base, known)
        if hint is None:
            return self.diagnostic(span, said + f"; darknet ({fork_name(dialect)}) knows {', '.join(sorted(known))}",
                                   Fix("write an activation darknet knows"))
        if base in known and comment:
            # DN003's fix, and as safe: the comment moves above and the name is left as written
            return self.diagnostic(span, said, Fix(f"move {quoted(comment)} to its own line above and write "
                                                   f"{option.key}={base}", base, span,
                                                   edits=comment_moved_above(option, start, base),
                                                   applicability=Applicability.SAFE))
        if base in known:
            said += " (the \\r of a CRLF line end is part of the name)"
        else:
            said += f"; did you mean {quoted(hint)}?"
        edits = comment_moved_above(option, start, hint) if comment else None  # a guess keeps the comment too
        what_fix = f"move {quoted(comment)} to its own line above and write" if comment else "write"
        return self.diagnostic(span, said, Fix(f"{what_fix} {option.key}={hint}", hint, span, edits=edits))

    def _unsupported(self, layer: Layer, option: Option, dialect: str) -> Diagnostic:
        name = layer.section.name
        what = f"{option.key} {quoted(option.value)} in {where(layer)}"
        if dialect == "hankai":
            said = (f'{what}: hank-ai stops with "[{name}] layer on line #{layer.section.span.line} does not support '
                    f'SWISH or MISH activation"')
        else:
            said = (f"{what}: AlexeyAB prints \"[{name}] layer doesn't support SWISH or MISH activations\" and builds "
                    f"it anyway, with an activate() that has no case for them and returns 0 (the layer outputs zeros "
                    f"on the CPU)")
        return self.diagnostic(option.value_span or option.key_span, said,
                               Fix(f"write another activation for [{name}] (its default is linear)"))


def _name(value: str) -> str:
    """The name a value was meant to be: without a '#' comment and a CRLF's \\r, which the C forks keep."""
    return value.split("#", 1)[0].rstrip("\r")


def _other_forks_name(value: str, known: frozenset[str]) -> str | None:
    """The activation of another fork that ``value`` names (case aside), when this fork does not know it."""
    base = _name(value).lower()
    return next((n for d in DIALECTS for n in sorted(ACTIVATIONS[d] - known) if n.lower() == base), None)


def _read_as(value: str, dialect: str, what: str) -> str:
    """What the fork does with an activation name it does not know."""
    if dialect == "hankai":
        return f'{what}: hank-ai stops with "activation name "{value}" is not supported"'
    return (f"{what}: darknet ({fork_name(dialect)}) prints \"Couldn't find activation function {value}, "
            f"going with ReLU\" and builds the layer with ReLU")
