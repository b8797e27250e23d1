"""Applying fixes (cfgtools.lint.fixes): ruff's order and overlap rule, passes until settled, refusals."""

from __future__ import annotations

from cfgtools.edits import TextEdit
from cfgtools.lint import fixes
from cfgtools.lint.core import Applicability, Diagnostic, Fix, Severity
from cfgtools.lint.fixes import apply_fixes, fix_source, hidden_fixes
from cfgtools.lint.runner import FileResult, lint_source
from cfgtools.lint.settings import LintSettings
from cfgtools.positions import Span
from cfgtools.sources import SourceText, read_source

SAFE, UNSAFE = Applicability.SAFE, Applicability.UNSAFE
TEXT = "class A(object):\n    ...\n"


def finding(*edits: TextEdit, code: str = "XX001", applicability=SAFE) -> Diagnostic:
    first = edits[0].span if edits else Span.point(1)
    return Diagnostic("f", first, code, Severity.WARNING, "m",
                      Fix("d", edits=tuple(edits), applicability=applicability))


def edit(line: int, column: int, end_column: int, content: str) -> TextEdit:
    return TextEdit(Span(line, column, line, end_column), content)


# the cases of ruff's own tests of apply_fixes (crates/ruff_linter/src/fix/mod.rs), on the same text


def test_one_insertion_replacement_and_removal():
    assert apply_fixes(TEXT, [finding(TextEdit.insertion(1, 1, "import sys\n"))])[0] == "import sys\n" + TEXT
    assert apply_fixes(TEXT, [finding(edit(1, 9, 15, "Bar"))])[0] == "class A(Bar):\n    ...\n"
    assert apply_fixes(TEXT, [finding(edit(1, 8, 16, ""))])[0] == "class A:\n    ...\n"


def test_two_removals_of_one_fix():
    text = "class A(object, object, object):\n    ...\n"
    fixed, counts = apply_fixes(text, [finding(edit(1, 9, 17, ""), edit(1, 23, 31, ""))])
    assert fixed == "class A(object):\n    ...\n" and counts == {"XX001": 1}


def test_an_overlapping_fix_waits_for_the_next_pass():
    fixed, counts = apply_fixes(TEXT, [finding(edit(1, 8, 16, "")), finding(edit(1, 10, 12, "ignored"), code="XX002")])
    assert fixed == "class A:\n    ...\n" and counts == {"XX001": 1}


def test_a_fix_starting_where_the_last_one_ended_waits_too():
    # ruff skips a fix whose first edit starts at or before the end of the last applied edit
    fixed, counts = apply_fixes(TEXT, [finding(edit(1, 7, 8, "B")), finding(TextEdit.insertion(1, 8, "1"))])
    assert fixed == "class B(object):\n    ...\n" and sum(counts.values()) == 1


def test_fixes_go_in_order_of_their_first_edit_and_shared_edits_apply_once():
    later = finding(edit(2, 5, 8, "pass"), code="XX002")
    shared = edit(1, 1, 6, "struct")
    both = [later, finding(shared), finding(shared, edit(2, 1, 5, ""), code="XX003")]
    fixed, counts = apply_fixes(TEXT, both)
    # XX001 applies `struct`; XX003's first new edit (line 2) comes after it; XX002 then overlaps XX003
    assert fixed == "struct A(object):\n...\n" and counts == {"XX001": 1, "XX003": 1}


def test_unsafe_fixes_and_hints_apply_only_when_asked():
    unsafe = finding(edit(1, 7, 8, "B"), applicability=UNSAFE)
    hint = Diagnostic("f", Span.point(1), "XX003", Severity.WARNING, "m", Fix("just words", "B", None))
    assert apply_fixes(TEXT, [unsafe, hint])[0] == TEXT
    assert apply_fixes(TEXT, [unsafe, hint], unsafe=True)[0] == "class B(object):\n    ...\n"


def test_a_fix_outside_the_text_is_not_applied():
    assert apply_fixes(TEXT, [finding(edit(9, 1, 2, "x"))]) == (TEXT, {})


# fixing a file: passes, refusals

SOLVER = 'base_lr: 0.01\nlr_policy: "fixed"\nmax_iter: 100\nsolver_type: SGD\n'


def test_fix_source_reaches_a_file_without_fixes_and_counts_them():
    outcome = fix_source(SourceText("s.prototxt", SOLVER, False), LintSettings(select=["CF"]))
    assert outcome.fixed == 'base_lr: 0.01\nlr_policy: "fixed"\nmax_iter: 100\ntype: "SGD"\n'
    assert outcome.applied == {"CF006": 1} and outcome.problem is None and outcome.changed
    assert outcome.remaining.diagnostics == []


def _injecting(monkeypatch, bad_edit: TextEdit):
    """lint_source that adds a finding whose safe fix is ``bad_edit`` to every result."""
    real = fixes.lint_source

    def lint(source, settings):
        result = real(source, settings)
        return FileResult(result.path, result.kind, result.diagnostics + [finding(bad_edit)], result.errors)

    monkeypatch.setattr(fixes, "lint_source", lint)


def test_a_fix_that_makes_the_file_unreadable_leaves_it_untouched(monkeypatch):
    _injecting(monkeypatch, TextEdit.insertion(1, 1, "{{{ "))
    outcome = fix_source(SourceText("s.prototxt", SOLVER, False), LintSettings(select=["CF"]))
    assert not outcome.changed and outcome.applied == {}
    assert outcome.problem.startswith("the fixes would make the file unreadable") and "left untouched" in outcome.problem


def test_fixes_that_never_settle_leave_the_file_untouched(monkeypatch):
    _injecting(monkeypatch, TextEdit.insertion(1, 1, "# again\n"))  # every pass finds it anew
    outcome = fix_source(SourceText("s.prototxt", SOLVER, False), LintSettings(select=["CF"]))
    assert not outcome.changed
    assert outcome.problem == f"the fixes did not settle after {fixes.MAX_PASSES} passes: left untouched"


def test_hidden_fixes_are_the_unsafe_ones_left():
    cfg = "[net]\nwidth=416\nheight=416\nchannels=3\npolicy=STEPS\nsteps=10,20\nscales=.1,.1\nmax_batches=5e1\n"
    outcome = fix_source(SourceText("a.cfg", cfg, False), LintSettings(select=["DN004", "DN006"]))
    assert outcome.applied == {"DN004": 1} and "max_batches=50\n" in outcome.fixed
    assert hidden_fixes(outcome) == 1  # DN006's policy=steps


def test_a_file_no_framework_reads_is_left_alone():
    outcome = fix_source(SourceText("setup.cfg", "[metadata]\nname=x\n", False), LintSettings())
    assert not outcome.changed and outcome.problem is None and outcome.remaining.kind is None


# the shared corpus: only files with a finding that has a safe fix change, and they settle

CORPUS = (("darknet/alexeyab", "alexeyab"), ("darknet/pjreddie", "pjreddie"), ("caffe/bvlc", "alexeyab"),
          ("caffe/py-faster-rcnn", "alexeyab"))


def test_corpus_changes_only_where_a_finding_has_a_safe_fix(shared):
    changed = 0
    for folder, dialect in CORPUS:
        settings = LintSettings(dialect=dialect)
        for path in sorted(p for p in (shared / "corpus" / folder).rglob("*") if p.is_file()):
            source = read_source(path)
            outcome = fix_source(source, settings)
            assert outcome.problem is None, path
            safe = [d for d in lint_source(source, settings).diagnostics if d.fix and d.fix.applies(unsafe=False)]
            assert outcome.changed == bool(safe), path
            if outcome.changed:
                changed += 1
                assert set(outcome.applied) <= {d.code for d in safe}
                again = fix_source(SourceText(source.path, outcome.fixed, False), settings)
                assert not again.changed
    assert changed > 0  # the corpus has inline comments (DN003) to move
