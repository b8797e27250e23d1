"""``cfgtools lint --fix`` / ``--diff``: apply the fixes of the findings to the files, as ruff does.

A fix is a set of text edits attached to a finding (:class:`~cfgtools.lint.core.Fix`),
safe or unsafe. One pass applies the applicable fixes to the original text
with positions, in order of their first edit (ruff's ``apply_fixes``,
crates/ruff_linter/src/fix/mod.rs): an edit identical to one already applied
is not applied twice, and a fix whose first new edit starts at or before the
end of the last applied edit is left for the next pass. The file is then linted
again and the next pass applies what the new findings offer, until no fix is
left (at most :data:`MAX_PASSES` passes). A fixed text that no longer reads
(an input error, or no framework recognises it) or that never settles leaves
the file untouched, and the outcome says why. Nothing here writes: the command
writes the fixed texts atomically.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cfgtools.edits import LineIndex
from cfgtools.lint.core import Diagnostic
from cfgtools.lint.runner import FileResult, lint_source
from cfgtools.lint.settings import LintSettings
from cfgtools.sources import UTF8_BOM, SourceText

#: passes of fix-and-lint before a file is given up on (ruff allows 100; a config settles in two or three)
MAX_PASSES = 10


@dataclass
class FixOutcome:
    """What fixing one file gives: the fixed text, the fixes applied, and the findings left."""

    source: SourceText
    #: the text after the fixes (the original when nothing applied or the fixes were given up)
    fixed: str
    #: code -> fixes applied
    applied: Counter = field(default_factory=Counter)
    #: the lint result of the fixed text (of the original when the fixes were given up)
    remaining: FileResult | None = None
    #: why the fixes were given up (None: they were not)
    problem: str | None = None

    @property
    def changed(self) -> bool:
        return self.fixed != self.source.text


def apply_fixes(text: str, diagnostics: list[Diagnostic], unsafe: bool = False) -> tuple[str, Counter]:
    """One pass: ``text`` with the applicable fixes of ``diagnostics`` applied, and how many of each code.

    Fixes go in order of their first edit; an edit already applied is skipped, and a fix that would start
    at or before the end of the last applied edit waits for the next pass (ruff's rule for overlaps).
    """
    index = LineIndex(text)
    candidates = []
    for order, diagnostic in enumerate(diagnostics):
        fix = diagnostic.fix
        if fix is None or not fix.applies(unsafe):
            continue
        try:
            edits = sorted((*index.range(edit.span), edit.content) for edit in fix.text_edits)
        except ValueError:  # a position outside this text: a fix of another text, never applied
            continue
        candidates.append((edits[0][0], order, diagnostic.code, edits))
    out: list[str] = []
    applied_edits: set[tuple[int, int, str]] = set()
    counts: Counter = Counter()
    last: int | None = None
    for _, _, code, edits in sorted(candidates, key=lambda item: (item[0], item[1])):
        new = [edit for edit in edits if edit not in applied_edits]
        if not new:
            continue
        if last is not None and last >= new[0][0]:
            continue
        for start, end, content in new:
            out.append(text[last or 0: start])
            out.append(content)
            last = end
        applied_edits.update(new)
        counts[code] += 1
    out.append(text[last or 0:])
    return "".join(out), counts


def fix_source(source: SourceText, settings: LintSettings, unsafe: bool = False) -> FixOutcome:
    """Fix one already-read file until no applicable fix is left (see the module docstring)."""
    result = lint_source(source, settings)
    outcome = FixOutcome(source=source, fixed=source.text, remaining=result)
    if result.kind is None:  # not a config, or unreadable: nothing to fix
        return outcome
    text, applied = source.text, Counter()
    for _ in range(MAX_PASSES):
        fixed, counts = apply_fixes(text, result.diagnostics, unsafe)
        if not counts or fixed == text:
            break
        fixed_source = SourceText(source.path, fixed, fixed.startswith(UTF8_BOM))
        fixed_result = lint_source(fixed_source, settings)
        if fixed_result.errors or fixed_result.kind != result.kind:
            why = "; ".join(fixed_result.errors) or "no longer recognised as a config"
            outcome.problem = f"the fixes would make the file unreadable ({why}): left untouched"
            return outcome
        text, result = fixed, fixed_result
        applied += counts
    else:
        if any(d.fix is not None and d.fix.applies(unsafe) for d in result.diagnostics):
            outcome.problem = f"the fixes did not settle after {MAX_PASSES} passes: left untouched"
            return outcome
    outcome.fixed, outcome.applied, outcome.remaining = text, applied, result
    return outcome


def hidden_fixes(outcome: FixOutcome) -> int:
    """How many of the remaining findings have a fix only ``--unsafe-fixes`` applies."""
    remaining = outcome.remaining.diagnostics if outcome.remaining is not None else []
    return sum(1 for d in remaining if d.fix is not None and d.fix.applies(True) and not d.fix.applies(False))
