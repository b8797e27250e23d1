"""Suppression comments."""

from __future__ import annotations

from cfgtools import frameworks
from cfgtools.lint.noqa import parse_suppressions
from cfgtools.lint.runner import lint_text
from cfgtools.lint.settings import LintSettings

NET = "[net]\nwidth=416\nheight=416\nchannels=3\n"
SETTINGS = LintSettings(select=["DN", "CF"])


def codes(text: str, path: str = "x.cfg") -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in lint_text(text, SETTINGS, path).diagnostics]


def test_noqa_with_codes_silences_the_next_line_only():
    text = NET + "# cfgtools: noqa: DN006,DN003\npolicy=steps # x\nlerning_rate=1\n"
    assert codes(text) == [("DN001", 7)]


def test_noqa_for_one_code_keeps_the_others():
    text = NET + "# cfgtools: noqa: DN003\npolicy=steps # x\n"
    assert codes(text) == [("DN006", 6)]


def test_bare_noqa_silences_everything_on_the_next_line():
    assert codes(NET + "# cfgtools: noqa\npolicy=steps # x\n") == []


def test_semicolon_comment_works_in_darknet():
    assert codes(NET + "; cfgtools: noqa: DN001\nlerning_rate=1\n") == []


def test_noqa_comments_stack():
    text = NET + "# cfgtools: noqa: DN003\n# cfgtools: noqa: DN006\npolicy=steps # x\n"
    assert codes(text) == []


def test_trailing_noqa_is_part_of_a_darknet_value():
    text = NET + "policy=STEPS # cfgtools: noqa: DN006\n"
    assert ("DN006", 5) in codes(text)


def test_noqa_file():
    text = "# cfgtools: noqa-file: DN001\n" + NET + "lerning_rate=1\nfoo=2\npolicy=STEPS\n"
    assert codes(text) == [("DN006", 8)]
    assert codes("# cfgtools: noqa-file\n" + NET + "policy=STEPS\n") == []


def test_prefix_codes():
    assert codes(NET + "# cfgtools: noqa: DN\npolicy=steps # x\n") == []


def test_prototxt_trailing_and_whole_line():
    solver = 'base_lr: 0.01\nlr_policy: "Step"  # cfgtools: noqa: CF004\nmax_iter: 10\n'
    assert codes(solver, "s.prototxt") == []
    solver = 'base_lr: 0.01\n# cfgtools: noqa: CF004\nlr_policy: "Step"\nmax_iter: 10\n'
    assert codes(solver, "s.prototxt") == []
    solver = 'base_lr: 0.01\nlr_policy: "Step"  # cfgtools: noqa: CF001\nmax_iter: 10\n'
    assert [c for c, _ in codes(solver, "s.prototxt")] == ["CF004"]


def test_parse_is_case_insensitive_and_tolerates_spaces():
    found = parse_suppressions("#  CFGTOOLS:  NOQA :  dn003 , dn006\nx=1\n",
                               frameworks.get("darknet").comment_syntax("alexeyab"))
    assert found.suppresses("DN003", 2) and found.suppresses("DN006", 2) and not found.suppresses("DN001", 2)
