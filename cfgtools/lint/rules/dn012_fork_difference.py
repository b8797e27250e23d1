from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.darknet import fork_name, other_dialects
from cfgtools.darknet.net import lacks_input
from cfgtools.darknet.plugin import hankai_stop
from cfgtools.positions import Span
from cfgtools.values import quoted

#: [net] values compared between the forks when no specific cause was found.
_COMPARED = ("effective_policy", "max_batches", "learning_rate", "steps", "scales", "step", "gamma", "burn_in", "power")


def _shown(value) -> str:
    """A value as read: text from the file quoted with its own bytes, numbers and lists as Python writes them."""
    return quoted(value) if isinstance(value, str) else repr(value)


class ForkDifference(Rule):
    """## What it does
    Checks whether the other darknet fork reads or runs the file differently.

    ## Why is this bad?
    The forks read the same text differently in a few places. hank-ai stops on much
    that the C forks read (unknown or unused keys, duplicates, `5e5`, `[ net ]`; see
    DN011), ends a value at `#`, reads lists as runs of digits (no empty items), pads
    missing scales with 0 and computes some rates in float (1 ulp apart). Between the
    C forks: pjreddie keeps
    the `\\r` of CRLF line ends (`strip` in src/utils.c, so `[net]\\r` is not `[net]`
    and it refuses the file), has no `sgdr` policy, computes `sigmoid` with an
    unsigned batch number (`get_current_rate` in src/network.c: the rate is 0 before
    `step`), blocks every step after a negative one, and counts `steps` items past a
    `#`. A cfg meant for both forks, or moved from one to the other, then trains
    differently.

    ## Example
    ```cfg
    [net]
    # pjreddie: unknown policy, constant rate
    policy=sgdr
    ```

    ## Use instead
    ```cfg
    [net]
    policy=steps
    steps=4000,4500
    scales=.1,.1
    ```
    """

    code = "DN012"
    name = "fork-difference"
    severity = Severity.WARNING
    needs = ("document",)
    summary = "another darknet fork reads or runs this file differently"

    def check(self) -> Iterator[Diagnostic]:
        document = self.ctx.document
        for other in other_dialects(document.dialect):
            yield from self._against(other)

    def _against(self, other_dialect: str) -> Iterator[Diagnostic]:
        """What the fork ``other_dialect`` reads or runs differently from the selected one."""
        document = self.ctx.document
        other = self.ctx.in_dialect(other_dialect)
        here, there = fork_name(document.dialect), fork_name(other.dialect)
        found = False
        if "hankai" in (document.dialect, other.dialect) and len(document.sections) < 2:
            return  # hank-ai refuses a [net] alone: no cfg to compare (DN011 says so under hank-ai)
        if "hankai" in (document.dialect, other.dialect):
            hank = self.ctx.loaded if document.dialect == "hankai" else other
            # unknown keys and duplicates are the selected fork's DN001/DN002 findings, the layer types each
            # fork builds YL007's
            stop = hankai_stop(hank, ignore=("duplicate-key",), lines=False, layer_names=False)
            c_fork = other if hank is self.ctx.loaded else self.ctx.loaded
            c_net = c_fork.view("net")
            if stop is not None and not c_fork.model.fatal_problems and c_net is not None and not c_net.fatal \
                    and not lacks_input(c_net, c_fork.model.net):
                message, where = stop
                who = fork_name(c_fork.dialect)
                yield self.diagnostic(where, f"{message}, where {who}'s darknet reads the file" if hank is other
                                      else f"{who}'s darknet reads this file, where {message}")
                return
        if "pjreddie" not in (document.dialect, other.dialect):
            yield from self._compare(other, here, there)
            return
        ab_side = self.ctx.loaded if document.dialect != "pjreddie" else other
        ab_name = fork_name(ab_side.dialect)
        if document.crlf_lines:
            first = document.crlf_lines[0]
            line_text = document.lines()[first - 1]
            if document.dialect != "pjreddie":
                message = (
                    f"{len(document.crlf_lines)} line(s) end with CRLF: {here} drops the \\r but pjreddie keeps it, "
                    "so pjreddie reads the header as '[net]\\r' and stops with 'First section must be [net] or "
                    "[network]' (and string values such as policy get a trailing \\r)"
                )
            else:  # said once for the forks that drop it, not once per fork
                others = other_dialects(document.dialect)
                message = (
                    f"{len(document.crlf_lines)} line(s) end with CRLF: pjreddie keeps the \\r (see DN011), "
                    f"{' and '.join(fork_name(d) for d in others)} drop it and read the file normally"
                )
            found = True
            if document.dialect != "pjreddie" or other_dialect == other_dialects(document.dialect)[0]:
                yield self.diagnostic(
                    Span(line=first, column=max(1, len(line_text)), end_line=first, end_column=len(line_text) + 1),
                    message, Fix("save the file with LF line ends"),
                )
        net_ab = ab_side.view("net")
        net_here = self.ctx.net
        if net_ab is None or net_here is None:
            return
        if net_ab.policy.value == "sgdr":
            found = True
            yield self.diagnostic(
                net_here.policy.span or net_here.policy.key_span,
                "policy=sgdr exists only in AlexeyAB's and hank-ai's darknet: pjreddie prints "
                f"\"Couldn't find policy sgdr\" and trains with the constant rate {net_ab.learning_rate.value:g}",
            )
        if net_ab.effective_policy == "sigmoid" and net_ab.step.value > 0 and net_ab.gamma.value > 0:
            found = True
            yield self.diagnostic(
                net_here.policy.span or net_here.policy.key_span,
                f"policy=sigmoid: pjreddie computes batch - step with unsigned numbers, so its rate is exactly 0 "
                f"for every batch before step={net_ab.step.value}; {ab_name} gives the logistic curve",
            )
        if net_ab.effective_policy == "steps" and net_ab.steps.from_file:
            negative = [s for s in net_ab.steps.value if s < 0]
            if negative:
                found = True
                yield self.diagnostic(
                    net_here.steps.span or net_here.steps.key_span,
                    f"negative step {negative[0]}: {ab_name} applies it from batch 0, but pjreddie compares it as a "
                    "huge unsigned number, so that step and every later one never fire",
                    Fix("remove the negative steps"),
                )
            raw = net_ab.steps.raw or ""
            if ab_side.dialect == "alexeyab" and "#" in raw and "," in raw.split("#", 1)[1]:
                found = True
                yield self.diagnostic(
                    net_here.steps.span or net_here.steps.key_span,
                    f"steps={raw}: AlexeyAB stops counting steps at '#' ({raw.split('#')[0].count(',') + 1}), "
                    f"pjreddie counts every comma ({raw.count(',') + 1})",
                    Fix("move the comment to its own line"),
                )
        if not found:
            yield from self._compare(other, here, there)

    def _compare(self, other, here: str, there: str) -> Iterator[Diagnostic]:
        """The [net] values the two forks train with, when no specific cause was found."""
        document = self.ctx.document
        net_here, net_there = self.ctx.net, other.view("net")
        if net_here is None or net_there is None:
            return
        differences = []
        written = document.net.lookup("policy") if document.net is not None else None
        # a comment after the policy: DN006/DN003 say how each fork reads it
        commented = written is not None and "#" in (written.line_text or "") and document.dialect != "hankai"
        for name in _COMPARED:
            if commented and name == "effective_policy":
                continue
            a, b = getattr(net_here, name), getattr(net_there, name)
            a_value = a.value if hasattr(a, "value") else a
            b_value = b.value if hasattr(b, "value") else b
            a_read = getattr(a, "read", True)
            b_read = getattr(b, "read", True)
            if (a_read or b_read) and a_value != b_value:
                differences.append(f"{name}: {here} {_shown(a_value)}, {there} {_shown(b_value)}")
        if bool(net_here.fatal) != bool(net_there.fatal):
            stops = there if net_there.fatal else here
            differences.append(f"{stops} stops on this [net]")
        if differences:
            yield self.diagnostic(
                document.net.span,
                f"{there}'s darknet reads this [net] differently: " + "; ".join(differences),
            )
