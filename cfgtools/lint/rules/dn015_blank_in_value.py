from __future__ import annotations

from typing import Iterator

from cfgtools.darknet import cnum, fork_name, other_dialects
from cfgtools.darknet.document import Option
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._helpers import before_comment, has_inner_blank

#: keys darknet reads as a list of numbers (in [net] or a layer)
_LISTS = {"steps", "scales", "seq_scales", "anchors", "mask", "layers", "from", "counters_per_class"}


class BlankInValue(Rule):
    """## What it does
    Checks for a blank inside a key or between two parts of a value (`batch=6 4`,
    `anchors = 10,13, 16,30  33,23`, `learning _rate=0.01`).

    ## Why is this bad?
    The forks read it differently, and none as meant. AlexeyAB's and pjreddie's
    `strip` (src/utils.c) deletes every blank of a line before `read_option` sees it:
    `batch=6 4` is 64, and in `30  33` two anchors glue into 3033 (one anchor short).
    hank-ai's reader (src-lib/darknet_cfg.cpp) keeps the blank: a number with a
    blank inside is fatal (`key "batch" on line #N should be numeric`), a list reads
    the blank as a separator (30 and 33), and a key with a blank does not match its
    pattern, so the line is skipped silently. A blank after a comma is harmless.

    ## Example
    ```cfg
    [net]
    batch=6 4
    ```

    ## Use instead
    ```cfg
    [net]
    batch=64
    ```

    ## Fix safety
    Unsafe: the fix writes one reading of the line (the parts glued, or a comma
    where a list has a blank), which changes what at least one fork trains with;
    whether it is the one meant is a guess. Only `--unsafe-fixes` applies it.
    """

    code = "DN015"
    name = "blank-in-value"
    severity = Severity.WARNING
    needs = ("document",)
    summary = "a blank inside a key or value: the C forks glue the parts, hank-ai refuses or splits them"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        document = self.ctx.document
        dialect = document.dialect
        for section in document.sections:
            for option in section.options:
                if " " not in option.line_text and "\t" not in option.line_text:
                    continue  # nothing to glue: most lines
                key_text, value_text = _written(option)
                if key_text is not None and has_inner_blank(key_text) and "=" in option.line_text:
                    yield self._key(option, key_text, value_text or "", dialect)
                elif option.stored and value_text and has_inner_blank(value_text):
                    yield self._value(option, value_text, dialect)

    def _key(self, option: Option, key_text: str, value: str, dialect: str) -> Diagnostic:
        glued = "".join(key_text.split())
        reads = {"hankai": f"hank-ai skips the line silently (a key cannot contain a blank) and uses the default "
                           f"for {glued!r}"}
        c_forks = f"reads {glued}={''.join(value.split())}"
        return self.diagnostic(option.key_span, _message(f"the key {key_text!r} has a blank inside", reads, c_forks,
                                                         dialect),
                               Fix(f"write the key as {glued!r}", glued, option.key_span))

    def _value(self, option: Option, value: str, dialect: str) -> Diagnostic:
        key = option.key
        core = value.split("#", 1)[0].strip()
        glued = "".join(core.split())
        severity = None
        written = before_comment(option)  # a fix keeps a comment after the value
        if key in _LISTS or "," in core:
            split = cnum.hankai_float_list_texts(core) if cnum.hankai_numeric(glued.replace(",", "")) else None
            hank = (f"hank-ai reads the blank as a separator ({', '.join(split)})" if split is not None
                    else f"hank-ai keeps {core!r}")
            fix = Fix(f"write {key}={','.join(split)} (a comma between numbers)", ",".join(split),
                      written) if split is not None else Fix(f"write {key}={glued} or separate with commas")
        elif cnum.hankai_numeric(glued):
            hank = f'hank-ai stops with "key "{key}" on line #{option.line} should be numeric, but found "{core}""'
            fix = Fix(f"write {key}={glued}, or the number you mean", glued, written)
            severity = Severity.ERROR if dialect == "hankai" else None
        else:
            hank = f"hank-ai reads {core!r}"
            fix = Fix(f"write {key}={glued}, or the text you mean", glued, written)
        return self.diagnostic(option.value_span or option.key_span,
                               _message(f"{key}={core} has a blank inside", {"hankai": hank}, f"reads {key}={glued}",
                                        dialect), fix, severity=severity)


def _written(option: Option) -> tuple[str | None, str | None]:
    """The key and value of a line as written (blanks kept), or None when there is no '='."""
    line = option.line_text.strip(" \t\r")
    if "=" not in line:
        return None, None
    key, _, value = line.partition("=")
    return key.strip(" \t"), value.strip(" \t")


def _message(what: str, hank: dict[str, str], c_forks: str, dialect: str) -> str:
    """What the selected fork reads first, then what each other fork reads."""
    def reads(fork: str) -> str:
        return hank[fork] if fork in hank else f"darknet ({fork_name(fork)}) removes every blank and {c_forks}"

    others = "; ".join(reads(other) for other in other_dialects(dialect))
    return f"{what}: {reads(dialect)}; {others}"
