"""The one rule-test harness: every case of ``tests/lint/cases/<CODE>.yml`` through the real linter.

The format of a cases file is described in ``rule_cases.py``. Each case is
linted with ``LintSettings(select=[CODE] + the case's select, ...)`` and must
give exactly the expected findings: code and line (column, severity and parts
of the message where the case says), and for a finding with a fix hint its
exact help text and replacement. Every rule has a case with findings and a
clean one, and every rule that writes fix hints has a case that checks one.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from cfgtools.lint.context import LintContext
from cfgtools.lint.core import Diagnostic
from cfgtools.lint.logcheck import check_log
from cfgtools.lint.registry import RULES
from cfgtools.lint.fixes import fix_source
from cfgtools.lint.runner import lint_file, lint_source
from cfgtools.lint.settings import LintSettings
from cfgtools.loading import load
from cfgtools.sources import SourceText, read_source
from tests.lint.rule_cases import CASES_DIR, Case, fixture_path, load_cases
from tests.ultralytics.checkpoint_files import write_checkpoint

CASES = load_cases()


def settings_for(case: Case, workdir: Path) -> LintSettings:
    """The case's settings and command-line inputs as the linter gets them (previous text and log written to files)."""
    values = {**case.settings, **case.args}
    if case.log is not None:
        log = workdir / "logs" / "train.log"
        log.parent.mkdir()
        log.write_bytes(case.log)
        values["log"] = str(log)
    resume = values.get("resume_from")
    if isinstance(resume, dict) and set(resume) == {"checkpoint"}:
        values["resume_from"] = str(write_checkpoint(workdir / "last.pt", resume["checkpoint"]))
    elif isinstance(resume, dict):
        values["resume_from"] = str(fixture_path(resume, case.id))
    previous = values.get("previous")
    if isinstance(previous, dict):
        values["previous"] = str(fixture_path(previous, case.id))
    elif isinstance(previous, str):
        written = workdir / "previous" / case.lint_as
        written.parent.mkdir()
        written.write_text(previous, encoding="utf-8")
        values["previous"] = str(written)
    return LintSettings(select=[case.rule, *case.select], **values)


def expanded(expected: dict, settings: LintSettings, path: Path) -> dict:
    """The expectation with ``{path}``, ``{previous}`` and ``{checkpoint}`` in its help replaced by the case's
    paths (the linted file's, the previous config's, the checkpoint's)."""
    if "help" not in expected or not isinstance(expected["help"], str):
        return expected
    paths = {"{path}": path, "{previous}": settings.previous, "{checkpoint}": settings.resume_from}
    text = expected["help"]
    for placeholder, value in paths.items():
        text = text.replace(placeholder, str(value))
    return {**expected, "help": text}


def observed(diagnostic: Diagnostic, expected: dict) -> dict:
    """What the finding shows of the keys the expectation checks (the fix hint always, when there is one)."""
    row = {"code": diagnostic.code, "line": diagnostic.span.line}
    if "column" in expected:
        row["column"] = diagnostic.span.column
    if "severity" in expected:
        row["severity"] = diagnostic.severity.value
    if "message_contains" in expected:
        parts = expected["message_contains"]
        # the expected parts when the message has them all, else the whole message to show the difference
        row["message_contains"] = parts if all(p in diagnostic.message for p in _as_list(parts)) else diagnostic.message
    if diagnostic.fix is not None:
        row["help"] = diagnostic.fix.description
        row["replacement"] = diagnostic.fix.replacement
    return row


def _as_list(parts: str | list[str]) -> list[str]:
    return [parts] if isinstance(parts, str) else list(parts)


def pair(found: list[Diagnostic], expect: list[dict]) -> tuple[list[tuple[Diagnostic, dict]], list[Diagnostic], list[dict]]:
    """Each finding with the first unused expectation of its code and line (and column, when given)."""
    left = list(expect)
    pairs, unexpected = [], []
    for diagnostic in found:
        match = next(
            (e for e in left if e["code"] == diagnostic.code and e["line"] == diagnostic.span.line
             and e.get("column", diagnostic.span.column) == diagnostic.span.column),
            None,
        )
        if match is None:
            unexpected.append(diagnostic)
        else:
            left.remove(match)
            pairs.append((diagnostic, match))
    return pairs, unexpected, left


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_case(case: Case, tmp_path: Path):
    settings = settings_for(case, tmp_path)
    if case.lint_as is None:  # a training log alone, as `cfgtools log` reads it
        _, result = check_log(settings)
        context = LintContext(None, settings)
        path = settings.log
    else:
        path = tmp_path / case.lint_as
        path.write_bytes(case.data)
        result = lint_file(str(path), settings)
        context = LintContext(load(path, settings.dialects), settings)
    assert result.errors == []
    assert result.kind is not None, "no framework recognises the input: the case tests nothing"
    # a clean result must mean the rule looked: the file gives it everything it needs
    assert context.has(RULES[case.rule].needs), f"{case.rule} does not run on this input (needs {RULES[case.rule].needs})"

    pairs, unexpected, missing = pair(result.diagnostics, [expanded(e, settings, path) for e in case.expect])
    assert not unexpected and not missing, "\n".join(
        [f"unexpected: {d.span.line}:{d.span.column} {d.code} {d.message}"
         + (f" [help: {d.fix.description!r}, replacement: {d.fix.replacement!r}]" if d.fix else "")
         for d in unexpected]
        + [f"missing: {e}" for e in missing]
    )
    assert [observed(d, e) for d, e in pairs] == [e for _, e in pairs]
    # a fix with edits says whether --fix applies it (the rule's fix_safety, or its own)
    assert [d.code for d in result.diagnostics if d.fix and d.fix.text_edits and d.fix.applicability is None] == []


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_fixed(case: Case, tmp_path: Path):
    if case.lint_as is None:
        pytest.skip("a training log alone: --fix edits configs")
    path = tmp_path / case.lint_as
    path.write_bytes(case.data)
    settings = settings_for(case, tmp_path)
    source = read_source(path)
    safe, unsafe = fix_source(source, settings), fix_source(source, settings, unsafe=True)
    assert safe.problem is None and unsafe.problem is None
    found = lint_source(source, settings).diagnostics
    has_safe = any(d.fix is not None and d.fix.applies(unsafe=False) for d in found)
    has_unsafe = any(d.fix is not None and d.fix.applies(unsafe=True) and not d.fix.applies(unsafe=False)
                     for d in found)
    if has_safe:
        assert case.fixed is not None, "a finding has a safe fix: give the file after --fix (fixed:)"
    if case.fixed is not None:
        assert safe.fixed.encode("utf-8", errors="surrogateescape") == case.fixed
    else:
        assert not safe.changed
    expected_unsafe = case.unsafe_fixed if case.unsafe_fixed is not None else case.fixed or case.data
    if has_unsafe and case.unsafe_fixed is None:
        assert unsafe.fixed == safe.fixed, ("a finding has an unsafe fix: give the file after --unsafe-fixes "
                                            "(unsafe_fixed:)")
    if case.unsafe_fixed is not None:
        assert case.unsafe_fixed != (case.fixed or case.data), "unsafe_fixed: equals fixed:, leave it out"
    assert unsafe.fixed.encode("utf-8", errors="surrogateescape") == expected_unsafe
    # fixing again changes nothing, and a safe fix leaves no finding of its own that --fix applies
    for outcome, unsafe_fixes in ((safe, False), (unsafe, True)):
        again = fix_source(SourceText(source.path, outcome.fixed, outcome.fixed.startswith("\ufeff")), settings,
                           unsafe=unsafe_fixes)
        assert not again.changed and again.problem is None


def test_every_rule_has_a_case_with_findings_and_a_clean_one():
    files = {path.stem for path in CASES_DIR.glob("*.yml")}
    assert sorted(files - set(RULES)) == [], "cases files for rules that do not exist"
    with_findings = {case.rule for case in CASES if any(e["code"] == case.rule for e in case.expect)}
    clean = {case.rule for case in CASES if case.is_clean}
    assert [code for code in RULES if code not in with_findings] == []
    assert [code for code in RULES if code not in clean] == []


def test_every_fix_hint_is_checked_by_a_case():
    # a rule writes fix hints when its module builds a Fix; some case must then check a hint's text
    writes_hints = {code for code, rule in RULES.items() if "Fix(" in inspect.getsource(inspect.getmodule(rule))}
    checked = {e["code"] for case in CASES for e in case.expect if "help" in e}
    assert sorted(writes_hints - checked) == [], "rules whose fix hints no case checks"
