from __future__ import annotations

from typing import Iterator

from cfgtools.darknet.netkeys import NET_KEYS
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.darknet import fork_name, other_dialects
from cfgtools.lint.rules._helpers import did_you_mean, unused_line
from cfgtools.values import quoted


class UnknownNetKey(Rule):
    """## What it does
    Checks for keys in `[net]` that darknet never reads.

    ## Why is this bad?
    darknet does not report unused keys of the `[net]` section: `parse_network_cfg`
    (src/parser.c) calls `option_unused` (src/option_list.c) only for layer sections.
    A misspelt or invented key is ignored silently and the default applies. hank-ai
    stops instead (`find_unused_lines`, src-lib/darknet_cfg.cpp: "config line #N
    from section [net] is unused or invalid"), so there it is an error. Keys that
    differ from a known key only by letter case are reported by DN013 instead; a
    key that only another fork reads is reported as info (an error under hank-ai).

    ## Example
    ```cfg
    [net]
    # darknet uses the default 0.001, by luck the intended value
    lerning_rate=0.001
    # no such key: training stops at max_batches
    max_epochs=100
    ```

    ## Use instead
    ```cfg
    [net]
    learning_rate=0.001
    max_batches=500200
    ```

    ## Fix safety
    Unsafe: the key it renames to is a guess from the spelling, and the renamed
    line changes what darknet trains with. Only `--unsafe-fixes` applies it,
    and not when that key is written already (the hint stays).
    """

    code = "DN001"
    name = "unknown-net-key"
    severity = Severity.WARNING
    needs = ("document", "net")
    summary = "unknown key in [net]: the C forks ignore it silently, hank-ai stops"
    fix_safety = Applicability.UNSAFE

    def check(self) -> Iterator[Diagnostic]:
        document = self.ctx.document
        net = document.net
        dialect = document.dialect
        known = NET_KEYS[dialect]
        lowered = {k.lower() for k in known}
        hankai = dialect == "hankai"
        for option in net.options:
            key = option.key
            if not option.stored or key in known or not key.strip("\r"):
                continue
            if key.lower() in lowered:  # DN013's business
                continue
            if hankai and net.lookup(key) is not option:
                continue  # a second line of the key: DN002 (hank-ai stops there first)
            here = unused_line(option, net.name) if hankai else f"{fork_name(dialect)} ignores it silently"
            readers = [fork_name(other) for other in other_dialects(dialect) if key in NET_KEYS[other]]
            if readers:
                yield self.diagnostic(
                    option.key_span,
                    f"{quoted(key)} is read only by {' and '.join(readers)}'s darknet: {here}",
                    Fix(f"delete the line (hank-ai stops on it), or lint as {' or '.join(readers)}") if hankai
                    else None,
                    severity=Severity.ERROR if hankai else Severity.INFO,
                )
                continue
            hint = did_you_mean(key.split("#")[0], known, cutoff=0.7)
            if hankai:
                message = f"unknown [net] key {quoted(key)}: {here}"
            else:
                message = (f"unknown [net] key {quoted(key)}: darknet ({fork_name(dialect)}) never reads it and ignores it "
                           "silently")
            fix = None
            if hint:
                message += f"; did you mean {hint!r}?"
                # a key written already would be read instead of it, or shadow it: then a hint only
                fix = Fix(f"rename the key to {hint!r}", hint, option.key_span,
                          edits=() if net.lookup(hint) is not None else None)
            elif hankai:
                fix = Fix("delete the line: hank-ai stops on a key it does not read")
            yield self.diagnostic(option.key_span, message, fix, severity=Severity.ERROR if hankai else None)
