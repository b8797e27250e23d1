"""Random and mutated configs through the whole lint pipeline: nothing escapes, exit codes stay 0/1/2."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cfgtools.lint.report import FORMATS, render
from cfgtools.lint.runner import LintRun, lint_text
from cfgtools.lint.settings import LintSettings

from tests.lint.rule_cases import load_cases

#: the inputs of the rule-test cases (every rule's problems and clean files) as seeds to mutate
SEEDS = sorted({case.data for case in load_cases()}) or [b"[net]\nbatch=1\n"]
SPECIAL = [b"\xef\xbb\xbf", b"\r", b"\r\n", b"=", b"#", b";", b",", b"[", b"]", b"\n", b"\0", b"\xff", b" ", b"\t",
           b"[net]\n", b"policy=steps\n", b"steps=", b"lr_policy: ", b"\"", b"{", b"}", b"1e99", b"-1", b"nan"]


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(("insert", "delete", "special", "bytes")))
        if action == "delete" and data:
            end = min(len(data), position + draw(st.integers(1, 20)))
            del data[position:end]
        elif action == "special":
            data[position:position] = draw(st.sampled_from(SPECIAL))
        elif action == "bytes":
            data[position:position] = draw(st.binary(max_size=6))
        else:
            data[position:position] = draw(st.text(max_size=6)).encode("utf-8", "surrogatepass")
    return bytes(data)


inputs = st.one_of(mutated(), st.binary(max_size=200), st.text(max_size=200).map(lambda t: t.encode("utf-8", "replace")))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=inputs, suffix=st.sampled_from([".cfg", ".prototxt"]), dialect=st.sampled_from(["alexeyab", "pjreddie"]))
def test_whole_pipeline_never_raises(data, suffix, dialect):
    """Every rule of every family: a rule may fail (reported as an internal error), nothing escapes."""
    _check(data, suffix, LintSettings(dialect=dialect), internal_errors_allowed=True)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=inputs, suffix=st.sampled_from([".cfg", ".prototxt"]), dialect=st.sampled_from(["alexeyab", "pjreddie"]))
def test_dn_and_cf_rules_never_fail(data, suffix, dialect):
    _check(data, suffix, LintSettings(dialect=dialect, select=["DN", "CF"]), internal_errors_allowed=False)


def _check(data: bytes, suffix: str, lint_settings: LintSettings, internal_errors_allowed: bool) -> None:
    run = LintRun(settings=lint_settings)
    result = lint_text(data, lint_settings, "fuzz" + suffix)
    run.files.append(result)
    if not internal_errors_allowed:
        internal = [e for e in result.errors if "internal error in rule" in e]
        assert not internal, internal
    assert run.exit_code in (0, 1, 2)
    for fmt in FORMATS:
        out = render(run, fmt, show_fixes=True, color=True)
        assert isinstance(out, str)
        if fmt in ("json", "sarif"):
            json.loads(out)
    for diagnostic in run.diagnostics:
        assert diagnostic.span.line >= 1 and diagnostic.span.column >= 1
