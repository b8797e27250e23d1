"""Rule docs: ruff's headings in every rule's docstring, Options that match what the rule reads, plain rendering."""

from __future__ import annotations

import inspect
import re

import pytest

from cfgtools.lint import numeric, ruledoc
from cfgtools.lint.context import LintContext
from cfgtools.lint.core import DOC_HEADINGS, REQUIRED_HEADINGS, Applicability
from cfgtools.lint.registry import RULES
from cfgtools.lint.runner import lint_text
from cfgtools.lint.settings import LintSettings

DOC = """## What it does
Checks for `a`
and ``b ` c``.

## Example
```cfg
[net]
## not a heading
```

Text `x`.
"""


def test_sections_keep_code_blocks_whole():
    assert ruledoc.sections(DOC) == [
        ("What it does", "Checks for `a`\nand ``b ` c``."),
        ("Example", "```cfg\n[net]\n## not a heading\n```\n\nText `x`."),
    ]
    assert ruledoc.code_blocks(DOC) == [("cfg", "[net]\n## not a heading")]


def test_to_text_underlines_headings_indents_code_and_drops_backticks():
    assert ruledoc.to_text(DOC) == (
        "What it does\n------------\nChecks for a\nand b ` c.\n\n"
        "Example\n-------\n    [net]\n    ## not a heading\n\nText x.\n"
    )


def test_inline_code_may_run_onto_the_next_line():
    assert ruledoc.to_text("stops with `Non-repeated\nfield`.") == "stops with Non-repeated\nfield.\n"


def test_description_is_what_it_does_on_one_line():
    assert ruledoc.description(DOC) == "Checks for a and b ` c."
    assert ruledoc.description("no headings") == ""


# ----------------------------------------------------------------------------- every rule's doc


@pytest.mark.parametrize("code", sorted(RULES))
def test_doc_has_ruffs_headings_in_order(code):
    doc = RULES[code].doc()
    titles = [title for title, _ in ruledoc.sections(doc)]
    assert titles[:4] == list(REQUIRED_HEADINGS) and titles == [h for h in DOC_HEADINGS if h in titles], titles
    body = dict(ruledoc.sections(doc))
    assert body["What it does"].startswith("Checks ")
    assert body["Why is this bad?"].strip()
    for title in ("Example", "Use instead"):
        blocks = ruledoc.code_blocks(body[title])
        assert blocks, f"{title} has no fenced code block"
        # log excerpts (the LG rules) are plain text
        languages = ("cfg", "prototxt", "yaml", "text") if code.startswith("LG") else ("cfg", "prototxt", "yaml")
        assert all(language in languages and code_text.strip() for language, code_text in blocks)


@pytest.mark.parametrize("code", sorted(RULES))
def test_doc_has_no_restructuredtext(code):
    doc = RULES[code].doc()
    assert "``" not in doc.replace("```", "") and not re.search(r"::\s*$", doc, re.MULTILINE), doc


#: rules whose examples are fragments (YOLO layers without the network around them) or need
#: command-line inputs (--epochs, --resume-from, a --log): the linter cannot check them alone
FRAGMENTS = {"YL001", "YL002", "YL003", "YL004", "YL005", "YL006", "YL007", "YL008", "YL010", "YL011",
             "LR005", "LR006", "RS001", "RS002", "RS003", "UL009", "UL010"} | {code for code in RULES if code.startswith("LG")}


@pytest.mark.parametrize("code", sorted(set(RULES) - FRAGMENTS))
def test_example_has_the_problem_and_use_instead_does_not(code):
    body = dict(ruledoc.sections(RULES[code].doc()))
    found = {}
    for title in ("Example", "Use instead"):
        (language, text), = ruledoc.code_blocks(body[title])
        result = lint_text(text + "\n", LintSettings(select=[code]), f"example.{language}")
        assert result.kind is not None and result.errors == [], title
        found[title] = [d.code for d in result.diagnostics]
    assert code in found["Example"]
    assert found["Use instead"] == []


# ----------------------------------------------------------------------------- Options

#: what each rule reads beyond severity, selection of its own code and the dialect every file is read in
#: (LintSettings field names); cross-checked against the source below
READS = {
    "DN003": {"select", "extend_select", "ignore"},
    "DN004": {"select", "extend_select", "ignore"},
    "DN011": {"select", "extend_select", "ignore"},
    "YL007": {"select", "extend_select", "ignore"},
    "YL008": {"select", "extend_select", "ignore"},
    "LR001": {"goal", "epochs", "images", "gpus"},
    "LR003": {"lr_floor_fraction", "lr_floor_share", "goal", "epochs", "images", "gpus"},
    "LR004": {"rise_factor", "goal", "epochs", "images", "gpus"},
    "LR005": {"goal", "epochs", "images", "gpus"},
    "LR006": {"goal", "epochs", "images", "gpus", "goal_ratio"},
    "RS001": {"resume_from", "previous", "previous_gpus", "gpus", "clear", "spike_ratio"},
    "RS002": {"resume_from", "clear"},
    "RS003": {"resume_from", "previous", "previous_gpus", "gpus", "clear", "spike_ratio"},
    "UL008": {"gpus", "images", "batches_per_epoch", "classes", "resume_from", "previous"},
    "UL009": {"resume_from", "previous", "clear", "gpus", "images", "batches_per_epoch", "classes", "spike_ratio"},
    "UL010": {"resume_from", "previous", "clear", "gpus", "images", "batches_per_epoch", "classes", "spike_ratio"},
    "UL011": {"images", "classes"},
    "UL012": {"gpus", "images", "batches_per_epoch"},
    **{f"LG{n:03d}": {"log", "gpus"} for n in range(1, 13)},
    "LG010": {"log", "gpus", "spike_ratio"},
    "YL011": {"data"},
}
#: settings of every rule, never listed under Options
EVERY_RULE = {"severity", "dialect"}
#: the linter's views (LintContext properties) and the functions that compute them from the settings
VIEWS = {
    "schedule": (),
    "goal": (numeric.training_goal,),
    "profile": (numeric.rate_profile,),
    "resume": (numeric.resume_point, numeric.previous_config),
    "log": (),
    "log_reading": (),
    "data": (),
}
_SETTINGS_READ = re.compile(r"\bsettings\.([a-z_]+)")
_VIEWS_USED = re.compile(r"\bself\.(?:ctx\.)?(schedule|goal|profile|resume|log_reading|log|data)\b")


def settings_fields(function) -> set[str]:
    """The LintSettings fields ``function`` reads as ``settings.X`` (properties and methods expanded)."""
    found = set()
    for name in _SETTINGS_READ.findall(inspect.getsource(function)):
        member = inspect.getattr_static(LintSettings, name, None)
        if name in LintSettings.model_fields:
            found.add(name)
        elif member is not None:  # e.g. run_options -> gpus, is_enabled -> select, extend_select, ignore
            body = inspect.getsource(member.fget if isinstance(member, property) else member)
            found |= {field for field in re.findall(r"\bself\.([a-z_]+)", body) if field in LintSettings.model_fields}
        else:
            raise AssertionError(f"{function.__qualname__} reads settings.{name}, which LintSettings does not have")
    return found


def view_settings(view: str, seen: frozenset[str] = frozenset()) -> set[str]:
    """Every setting a view of LintContext may read, through its helpers and the views it uses."""
    prop = inspect.getattr_static(LintContext, view).fget
    source = inspect.getsource(prop)
    found = settings_fields(prop)
    callers = [source]  # the view, then each helper: a helper is called by the view or an earlier helper
    for helper in VIEWS[view]:
        called = any(helper.__name__ in caller for caller in callers)
        assert called, f"LintContext.{view} no longer calls {helper.__name__}"
        found |= settings_fields(helper)
        callers.append(inspect.getsource(helper))
    for used in set(_VIEWS_USED.findall(source)) - {view} - seen:
        found |= view_settings(used, seen | {view})
    return found


def direct(code: str) -> set[str]:
    """The settings a rule's module reads itself."""
    module = inspect.getmodule(RULES[code])
    return settings_fields(module) if _SETTINGS_READ.search(inspect.getsource(module)) else set()


def reachable(code: str) -> set[str]:
    """The settings a rule can depend on: what its module reads and what the views it uses read."""
    rule = RULES[code]
    views = set(rule.needs) | set(_VIEWS_USED.findall(inspect.getsource(inspect.getmodule(rule))))
    found = direct(code)
    for view in views & set(VIEWS):
        found |= view_settings(view)
    return found


def documented_options(doc: str) -> set[str]:
    """The settings the Options list names: `--flag ARG` or `file-key` before each item's first ': '."""
    body = dict(ruledoc.sections(doc)).get("Options", "")
    names = set()
    for item in re.split(r"^- ", body, flags=re.MULTILINE)[1:]:
        lead = item.split(": ", 1)[0]
        for token in re.findall(r"`([^`]+)`", lead):
            match = re.match(r"^(?:--)?([a-z][a-z0-9]*(?:-[a-z0-9]+)*)", token)
            if match:
                names.add(match.group(1).replace("-", "_"))
    return names


@pytest.mark.parametrize("code", sorted(RULES))
def test_options_list_what_the_rule_reads(code):
    expected = READS.get(code, set())
    assert direct(code) - EVERY_RULE <= expected, "the rule reads settings that READS does not list"
    assert expected <= reachable(code) - EVERY_RULE, "READS lists settings the rule cannot reach"
    doc = RULES[code].doc()
    has_options = "Options" in dict(ruledoc.sections(doc))
    assert has_options == bool(expected)
    assert documented_options(doc) == expected
    assert documented_options(doc) <= set(LintSettings.model_fields)


# ----------------------------------------------------------------------------- Fix safety


@pytest.mark.parametrize("code", sorted(RULES))
def test_doc_says_whether_the_rule_has_a_fix_and_whether_it_is_safe(code):
    rule = RULES[code]
    body = dict(ruledoc.sections(rule.doc())).get("Fix safety")
    if rule.fix_safety is None:
        assert body is None, "a rule without fixes --fix applies has no Fix safety section"
        return
    assert body is not None, f"{code} declares fix_safety={rule.fix_safety.value}: its doc needs ## Fix safety"
    first_word = body.split()[0].rstrip(":.").lower()
    assert first_word == rule.fix_safety.value, f"the section starts with {first_word!r}, the rule is {rule.fix_safety}"
    applied_by = "`--fix`" if rule.fix_safety == Applicability.SAFE else "`--unsafe-fixes`"
    assert applied_by in body

