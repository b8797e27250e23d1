"""Fork-specific behaviour (DN011, DN012, DN006) on texts built in the test (CRLF, BOM)."""

from __future__ import annotations

from cfgtools.lint.runner import lint_text
from cfgtools.lint.settings import LintSettings

NET = "[net]\nwidth=416\nheight=416\nchannels=3\nmax_batches=1000\n"


def found(text, dialect="alexeyab", select=("DN",), path="x.cfg"):
    result = lint_text(text, LintSettings(dialect=dialect, select=list(select)), path)
    assert not result.errors
    return result.diagnostics


def test_crlf_breaks_pjreddie():
    text = (NET + "policy=steps\nsteps=100,200\nscales=.1,.1\n").replace("\n", "\r\n")
    ab = found(text)
    assert [(d.code, d.span.line) for d in ab] == [("DN012", 1)]
    assert "pjreddie" in ab[0].message and "[net]\\r" in ab[0].message
    pj = found(text, "pjreddie")
    assert ("DN011", 1) in [(d.code, d.span.line) for d in pj]


def test_bom_is_fatal():
    diagnostics = found("\ufeff" + NET)
    assert [(d.code, d.span.line, d.span.column) for d in diagnostics] == [("DN011", 1, 1)]
    assert "byte-order mark" in diagnostics[0].message


def test_bom_bytes_through_the_decoder():
    result = lint_text(("\ufeff" + NET).encode("utf-8"), LintSettings(select=["DN011"]), "x.cfg")
    assert [d.code for d in result.diagnostics] == ["DN011"]


def test_sgdr_is_unknown_to_pjreddie():
    text = NET + "policy=sgdr\n"
    pj = found(text, "pjreddie")
    dn006 = [d for d in pj if d.code == "DN006"]
    assert dn006 and "only in AlexeyAB" in dn006[0].message
    ab = found(text)
    assert [d.code for d in ab] == ["DN012"]


def test_hash_in_steps_counts_differently():
    text = NET + "policy=steps\nsteps=100,200 # a,b\nscales=.1,.1\n"
    codes = sorted({d.code for d in found(text)})
    assert codes == ["DN003", "DN012"]
    message = next(d.message for d in found(text) if d.code == "DN003")
    assert "AlexeyAB stops counting" in message and "2 items" in message and "3 items" in message


def test_number_with_comment_is_info_and_says_the_number():
    diagnostics = found(NET + "learning_rate=0.01 # base\n")
    assert [(d.code, d.severity.value) for d in diagnostics] == [("DN003", "info")]
    assert "still get 0.01" in diagnostics[0].message


def test_unknown_policy_suggestions():
    def hint(policy, dialect="alexeyab"):
        return next(d for d in found(NET + f"policy={policy}\n", dialect) if d.code == "DN006").fix.replacement

    assert hint("sig") == "sigmoid"
    assert hint("STEPS") == "steps"
    assert hint("polly") == "poly"


def test_steps_item_written_as_exponent():
    diagnostics = found(NET + "policy=steps\nsteps=8e2,9e2\nscales=.1,.1\n", select=["DN004"])
    assert len(diagnostics) == 1
    assert diagnostics[0].fix.replacement == "800,900" and "[8, 9]" in diagnostics[0].message


def test_fewer_scales_is_an_error_reported_once():
    diagnostics = found(NET + "policy=steps\nsteps=100,200\nscales=.1\n")
    assert [(d.code, d.severity.value) for d in diagnostics] == [("DN007", "error")]
    only_dn011 = found(NET + "policy=steps\nsteps=100,200\nscales=.1\n", select=["DN011"])
    assert [d.code for d in only_dn011] == ["DN011"]


def test_duplicate_in_a_layer_section():
    text = NET + "\n[convolutional]\nfilters=16\nsize=3\nfilters=32\n"
    diagnostics = found(text, select=["DN002"])
    assert [(d.code, d.span.line) for d in diagnostics] == [("DN002", 10)]
    assert "filters=16 at line 8" in diagnostics[0].message and "layer 0" in diagnostics[0].message
