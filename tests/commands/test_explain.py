"""``cfgtools explain CODE``: a rule's documentation as readable terminal text."""

from __future__ import annotations

import re

import pytest

from cfgtools.cli import main
from cfgtools.lint.registry import RULES


def test_explain_renders_the_headings_and_the_examples(capsys):
    assert main(["explain", "DN003"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["DN003 inline-comment (warning, darknet)", "=" * len("DN003 inline-comment (warning, darknet)")]
    for title in ("What it does", "Why is this bad?", "Example", "Use instead"):
        at = lines.index(title)
        assert lines[at + 1] == "-" * len(title)
    # the examples: indented four spaces, without their fences
    example = lines[lines.index("Example") + 2 : lines.index("Use instead") - 1]
    assert example == ["    [net]", "    policy=steps   # the default is constant"]
    # inline code loses its backticks
    assert "Checks for a # comment after a value on the same line." in lines


def test_options_are_listed_for_a_rule_that_reads_settings(capsys):
    assert main(["explain", "LR003"]) == 0
    out = capsys.readouterr().out
    assert "Options\n-------\n" in out and "- lr-floor-fraction (" in out


@pytest.mark.parametrize("code", sorted(RULES))
def test_no_markup_is_left(code, capsys):
    assert main(["explain", code]) == 0
    out = capsys.readouterr().out
    assert "`" not in out and "Bad::" not in out and "Good::" not in out and "## " not in out
    assert not re.search(r"(?<![\w*])\*[A-Za-z][^*\n]*\*(?![\w*])", out), "Markdown emphasis"


def test_rule_names_and_unknown_codes(capsys):
    assert main(["explain", "inline-comment"]) == 0
    assert capsys.readouterr().out.startswith("DN003 inline-comment")
    assert main(["explain", "DN03"]) == 2
    assert "did you mean DN003?" in capsys.readouterr().err
    assert main(["explain", "XX999"]) == 2
