"""Text edits at positions (cfgtools.edits): offsets, applying, the edits between two texts, diffs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cfgtools.edits import LineIndex, TextEdit, apply_edits, edits_between, unified_diff
from cfgtools.positions import Span

TEXT = "[net]\r\nlr=0.01\nmax=5"


def test_line_index_counts_characters_and_keeps_line_ends():
    index = LineIndex(TEXT)
    assert index.line_count == 3
    assert index.offset(2, 1) == len("[net]\r\n")
    assert index.offset(3, 6) == len(TEXT)  # just after the last character
    assert index.position(len("[net]\r\nlr=")) == (2, 4)
    assert index.line_text(1) == "[net]\r" and index.line_text(3) == "max=5"
    assert (index.line_end(1), index.line_end(2), index.line_end(3)) == ("\r\n", "\n", "")
    for bad in ((0, 1), (4, 1), (2, 20)):
        with pytest.raises(ValueError):
            index.offset(*bad)


def test_apply_edits_in_any_order_and_insertions_in_their_order():
    edits = [
        TextEdit(Span(2, 4, 2, 8), "0.02"),
        TextEdit.insertion(1, 1, "# a\n"),
        TextEdit.insertion(1, 1, "# b\n"),
        TextEdit(Span(3, 5, 3, 6), "7"),
    ]
    assert apply_edits(TEXT, edits) == "# a\n# b\n[net]\r\nlr=0.02\nmax=7"
    assert apply_edits(TEXT, []) == TEXT


def test_overlapping_edits_are_refused():
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits(TEXT, [TextEdit(Span(2, 1, 2, 5), "x"), TextEdit(Span(2, 3, 2, 8), "y")])


def test_unified_diff_marks_a_last_line_without_newline():
    diff = unified_diff("a\nb", "a\nc", "a/f", "b/f")
    assert diff.splitlines() == ["--- a/f", "+++ b/f", "@@ -1,2 +1,2 @@", " a", "-b", "\\ No newline at end of file",
                                 "+c", "\\ No newline at end of file"]
    assert unified_diff("same\n", "same\n", "a/f", "b/f") == ""


lines = st.lists(st.sampled_from(["[net]\n", "lr=0.01\n", "max=5\r\n", "# c\n", "\n", "x=1"]), max_size=8)


@given(lines, lines)
def test_edits_between_two_texts_turn_one_into_the_other(old, new):
    old_text, new_text = "".join(old), "".join(new)
    edits = edits_between(old_text, new_text)
    assert apply_edits(old_text, edits) == new_text
    # whole lines only: every edit starts at a line start
    assert all(edit.span.column == 1 for edit in edits)


def test_edits_between_many_equal_lines_is_one_edit_at_the_changed_line():
    # 5,000 equal lines with the 2,501st changed: the equal head and tail are matched directly
    old = "activation=linear\n" * 5000
    new = "activation=linear\n" * 2500 + "activation=leaky\n" + "activation=linear\n" * 2499
    (edit,) = edits_between(old, new)
    assert (edit.span.line, edit.span.column, edit.span.end_line, edit.span.end_column) == (2501, 1, 2502, 1)
    assert edit.content == "activation=leaky\n"
    assert apply_edits(old, (edit,)) == new
