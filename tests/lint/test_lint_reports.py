"""The output formats: text, json, sarif, github."""

from __future__ import annotations

import json

import pytest

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.report import FORMATS, escape_data, escape_property, render, render_text, use_color
from cfgtools.lint.runner import FileResult, LintRun, lint_text
from cfgtools.lint.settings import LintSettings
from cfgtools.positions import Span

BAD = "[net]\nwidth=416\nheight=416\nchannels=3\npolicy=steps # x\nsteps=10,20\nscales=.1,.1\n"


def _run(text: str = BAD, path: str = "models/yolo.cfg", **settings) -> LintRun:
    lint_settings = LintSettings(select=["DN", "CF"], **settings)
    run = LintRun(settings=lint_settings)
    run.files.append(lint_text(text, lint_settings, path))
    return run


def test_text_lines_are_sorted_and_summarised():
    out = render_text(_run())
    lines = out.splitlines()
    assert lines[0].startswith("models/yolo.cfg:5:8: DN006 ")  # with DN003's fix: one finding (issue 10)
    assert any(line.startswith("    help: ") for line in lines)
    assert lines[-1].startswith("Found ") and "error" in lines[-1] and "warning" in lines[-1] and "info)." in lines[-1]
    assert "\033[" not in out


def test_text_summary_counts_each_severity():
    out = render_text(_run())
    # DN006 is an error (the comment after the policy is its finding alone); info findings are counted as info
    assert out.splitlines()[-1] == "Found 1 problem (1 error, 0 warnings, 0 info)."
    info = render_text(_run(BAD.replace("width=416", "width=416 # px")))
    assert info.splitlines()[-1] == "Found 2 problems (1 error, 0 warnings, 1 info)."


def test_clean_file_says_all_checks_passed():
    out = render_text(_run("[net]\nwidth=416\nheight=416\nchannels=3\n"))
    assert out == "All checks passed!\n"


def test_show_fixes_prints_the_replacement():
    out = render(_run(), "text", show_fixes=True)
    assert "fix: replace 5:8-5:17 with 'steps'" in out


def test_colour_only_on_a_tty_and_never_with_no_color(monkeypatch):
    class Tty:
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert use_color(Tty()) is True
    assert use_color(object()) is False
    monkeypatch.setenv("NO_COLOR", "")
    assert use_color(Tty()) is False
    coloured = render_text(_run(), color=True)
    assert "\033[" in coloured


def test_json_fields():
    data = json.loads(render(_run(), "json"))
    assert isinstance(data, list) and data
    first = data[0]
    assert set(first) == {"path", "line", "column", "end_line", "end_column", "code", "severity", "message", "fix"}
    assert first["path"] == "models/yolo.cfg"
    assert (first["line"], first["column"], first["code"], first["severity"]) == (5, 8, "DN006", "error")
    assert first["fix"]["replacement"] == "steps"
    assert first["fix"]["span"] == {"line": 5, "column": 8, "end_line": 5, "end_column": 17}


def test_sarif_is_what_code_scanning_reads():
    doc = json.loads(render(_run(), "sarif"))
    assert doc["version"] == "2.1.0"
    assert "sarif" in doc["$schema"]
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "cfgtools" and driver["informationUri"].startswith("https://") and driver["version"]
    ids = [rule["id"] for rule in driver["rules"]]
    assert "DN003" in ids and "CF001" in ids
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        # GitHub renders the Markdown; the text is for viewers that do not
        assert rule["help"]["markdown"].startswith("## What it does\n")
        assert "`" not in rule["help"]["text"] and rule["help"]["text"].startswith("What it does\n------------\n")
    dn003 = next(rule for rule in driver["rules"] if rule["id"] == "DN003")
    assert dn003["fullDescription"]["text"] == "Checks for a # comment after a value on the same line."
    assert run["results"]
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "models/yolo.cfg"
        region = location["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert region["endLine"] >= region["startLine"] and region["endColumn"] >= 1
    dn006 = next(r for r in run["results"] if r["ruleId"] == "DN006")
    assert dn006["level"] == "error"
    assert dn006["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 5, "startColumn": 8, "endLine": 5, "endColumn": 17,
    }


def test_sarif_uri_is_relative_with_forward_slashes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    absolute = str(tmp_path / "sub" / "a b.cfg")
    doc = json.loads(render(_run(path=absolute), "sarif"))
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "sub/a%20b.cfg"


def test_sarif_severity_override_changes_the_level():
    doc = json.loads(render(_run(severity={"DN006": "warning"}), "sarif"))
    result = next(r for r in doc["runs"][0]["results"] if r["ruleId"] == "DN006")
    assert result["level"] == "warning"


def test_github_escaping():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    diagnostic = Diagnostic(
        path="dir/we,ird:name.cfg", span=Span(line=3, column=2, end_line=3, end_column=9), code="DN003",
        severity=Severity.WARNING, message="100% odd\nline", fix=Fix("do x"),
    )
    run = LintRun(settings=LintSettings())
    run.files.append(FileResult(path=diagnostic.path, kind="darknet", diagnostics=[diagnostic]))
    out = render(run, "github")
    # the message's own newline is text (as in every format); only the fix hint goes on a line of its own
    assert out == (
        "::warning file=dir/we%2Cird%3Aname.cfg,line=3,col=2,endLine=3,endColumn=9,title=DN003::"
        "DN003 100%25 odd\\nline%0Ahelp: do x\n"
    )


def test_github_uses_error_for_errors():
    out = render(_run(), "github")
    assert out.startswith("::error file=models/yolo.cfg,line=5,col=8,")
    assert "title=DN006::" in out


# ----------------------------------------------------------------------------- output is data, not code

#: a value that would forge a clean verdict for another file if printed raw
FORGED = "\nother.cfg:1:1: all good"
SEPARATORS = ("\n", "\r", "\u2028", "\u2029", "\x85")


def _lint(text: str | bytes, path: str, select: list[str]) -> LintRun:
    settings = LintSettings(select=select)
    run = LintRun(settings=settings)
    run.files.append(lint_text(text, settings, path))
    assert run.diagnostics, "the input must give findings, or the test checks nothing"
    return run


def _caffe_with_policy(value: str) -> str:
    """A solver whose lr_policy string holds ``value`` (protobuf text escapes: \\n is a newline)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'base_lr: 0.01\nlr_policy: "{escaped}"\nmax_iter: 100\n'


def _no_line_breaks_inside(text: str) -> None:
    for separator in SEPARATORS[1:]:
        assert separator not in text, repr(separator)


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_a_value_with_a_newline_never_makes_a_second_line(fmt):
    # CF004 quotes Caffe's own message, which carries the policy as it is
    run = _lint(_caffe_with_policy("steps" + FORGED), "solver.prototxt", ["CF004"])
    out = render(run, fmt, show_fixes=True)
    _no_line_breaks_inside(out)
    lines = out.splitlines()
    assert not any(line.startswith("other.cfg") for line in lines)
    findings = [line for line in lines if line.startswith(("solver.prototxt:", "::"))]
    assert len(findings) == 1 and "other.cfg:1:1: all good" in findings[0]
    assert "steps\\nother.cfg" in findings[0]


@pytest.mark.parametrize("separator", SEPARATORS)
@pytest.mark.parametrize("fmt", ["text", "github", "json", "sarif"])
def test_a_file_name_with_a_line_separator_stays_on_its_line(fmt, separator):
    path = f"evil{separator}other.cfg:1:1: all good{separator}x.cfg"
    run = _lint("[net]\nwidth=416\nheight=416\nchannels=3\npolicy=STEPS\n", path, ["DN006"])
    out = render(run, fmt)
    _no_line_breaks_inside(out)
    assert not any(line.startswith("other.cfg") for line in out.splitlines())
    if fmt == "text":
        (finding,) = [line for line in out.splitlines() if " DN006 " in line]
        assert finding.startswith("evil\\") and finding.endswith("did you mean 'steps'?")
    if fmt == "json":
        assert json.loads(out)[0]["path"] == path  # the path as it is: tools open it


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x1b[2J"])
def test_unicode_line_separators_and_terminal_codes_in_a_value_are_escaped(separator):
    run = _lint(f"[net]\nwidth=416\nheight=416\nchannels=3\npolicy=steps{separator}x\n", "a.cfg", ["DN006"])
    for fmt in FORMATS:
        out = render(run, fmt)
        _no_line_breaks_inside(out)
        assert "\x1b" not in out
    text = render(run, "text")
    shown = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\x85", "\x1b[2J": "\\x1b[2J"}[separator]
    assert f"steps{shown}x" in text


def _strict_json(text: str):
    def refuse(name):
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_an_undecodable_byte_is_shown_as_the_byte_in_every_format():
    run = _lint(b"[net]\nwidth=416\nheight=416\nchannels=3\npolicy=st\xe9ps\n", "a.cfg", ["DN006"])
    text = render(run, "text")
    assert "st\\xe9ps" in text and "\udce9" not in text
    for fmt in ("json", "sarif"):
        out = render(run, fmt)
        out.encode("utf-8")  # no lone surrogate: the report can be written as UTF-8
        _strict_json(out)
    assert "st\\\\xe9ps" in render(run, "json")  # the JSON text of the two characters \ and x


def test_quoted_values_in_yl_lr_rs_messages_show_the_file_bytes():
    cfg = (b"[net]\nwidth=416\nheight=416\nchannels=3\n\n[convolutional]\nfilters=16\nsize=3\n"
           b"st\xe9de=2\n")
    run = _lint(cfg, "a.cfg", ["YL008"])
    (diagnostic,) = run.diagnostics
    assert "Unused field: 'st\\xe9de = 2'" in diagnostic.message and "\udce9" not in diagnostic.message


def test_sarif_uri_percent_encodes_what_a_uri_cannot_carry():
    run = _lint("[net]\nwidth=416\nheight=416\nchannels=3\npolicy=STEPS\n", "a b\n\udce9\u2028.cfg", ["DN006"])
    doc = _strict_json(render(run, "sarif"))
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "a%20b%0A%E9%E2%80%A8.cfg"
