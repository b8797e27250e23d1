from __future__ import annotations

from typing import Iterator

from cfgtools.darknet import fork_name, other_dialects
from cfgtools.darknet.layers import LAYER_KEYS, known_keys, layer_keys
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import did_you_mean, unused_line
from cfgtools.lint.rules.yl_common import where
from cfgtools.values import quoted


#: a key read by at most this many other layer types is named as theirs
MAX_READERS = 3


class UnusedField(Rule):
    """## What it does
    Checks for keys a layer type never reads.

    ## Why is this bad?
    Each layer type's parse function (`parse_convolutional`, `parse_yolo`, ... in
    src/parser.c) looks up a fixed set of keys (plus a few read for every layer,
    such as `stopbackward` and `learning_rate`); anything else, typically a typo or a
    key of another layer type or fork, has no effect. darknet only prints "Unused
    field" (`option_unused`, src/option_list.c) while it loads the network.
    hank-ai stops instead (`find_unused_lines`, src-lib/darknet_cfg.cpp: "config
    line #N from section [X] is unused or invalid"), which DN011 reports.

    ## Example
    ```cfg
    [convolutional]
    filters=64
    size=3
    # typo: the layer keeps stride=1
    stide=2
    ```

    ## Use instead
    ```cfg
    [convolutional]
    filters=64
    size=3
    stride=2
    ```

    ## Fix safety
    Unsafe: the key it renames to is a guess from the spelling, and the renamed
    line changes the layer. Only `--unsafe-fixes` applies it, and not when that
    key is written already (the hint stays).

    ## Options
    - `--select`, `--extend-select`, `--ignore` (or `select`, `extend-select`,
      `ignore` in `[tool.cfgtools]`): under hank-ai an unused line is DN011's finding; this rule reports it only when DN011 does not run.
    """

    code = "YL008"
    name = "unused-field"
    severity = Severity.WARNING
    needs = ("document", "layers")
    summary = "a key the layer type never reads (darknet prints 'Unused field')"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        document = self.ctx.document
        dialect = document.dialect
        hankai = dialect == "hankai"
        if hankai and self.ctx.settings.is_enabled("DN011"):
            return  # hank-ai stops on the line (find_unused_lines): DN011 reports it, once
        here = f"darknet ({fork_name(dialect)}) never reads it for this layer type"
        for layer in self.ctx.layers:
            if layer.kind is None:
                continue  # YL007
            for option in layer.unused_options():
                key = option.key
                if not key.strip("\r") or key.startswith(("#", ";")):
                    continue
                guess = None
                readers = [fork_name(other) for other in other_dialects(dialect)
                           if key in {k.name for k in layer_keys(layer.kind, other)}]
                if readers:
                    hint = f": only {' and '.join(readers)}'s darknet reads it in [{layer.kind}]"
                else:
                    guess = did_you_mean(key, layer.reads)
                    kinds = [kind for kind in LAYER_KEYS if kind != layer.kind and key in known_keys(kind)]
                    if guess:
                        hint = f"; did you mean {quoted(guess)}?"
                    elif 0 < len(kinds) <= MAX_READERS:  # a key of another layer type (uc_normalizer in [yolo])
                        hint = f": it is a key of {' and '.join(f'[{kind}]' for kind in kinds)}"
                    else:
                        hint = ""
                value = "(null)" if option.value is None else option.value
                said = unused_line(option, layer.section.name) if hankai else here
                yield self.diagnostic(
                    option.key_span,
                    f"Unused field: {quoted(f'{key} = {value}')} in {where(layer)}: {said}{hint}",
                    Fix(f"write {quoted(guess)}", replacement=guess, span=option.key_span,
                        edits=() if layer.option(guess) is not None else None) if guess
                    else Fix("delete the line, or fix the key"),
                    severity=Severity.ERROR if hankai else None,
                )
