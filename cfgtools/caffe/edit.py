"""Set SolverParameter fields in a solver.prototxt by editing its text, nothing else.

``edit_solver(solver, text, changes)`` writes each new value over the value
protobuf read (the first occurrence: a later duplicate of a scalar field makes
Caffe refuse the file anyway), rewrites a repeated field (``stepvalue``)
occurrence by occurrence (values kept where they are, the ones no longer
needed removed, new ones on new lines after the last), and adds a field the
file does not write on a new line after the schedule's fields. Comments,
order, blank lines and line ends stay as written. The edited text is read
again with protobuf and must give exactly the new values and nothing else new.
"""

from __future__ import annotations

from typing import Any, Mapping

from cfgtools.caffe.solver import CaffeSolver, SolverField, read_solver
from cfgtools.edits import LineIndex, TextEdit, apply_edits
from cfgtools.errors import InputError
from cfgtools.positions import Span
from cfgtools.sources import SourceText
from cfgtools.values import format_float32, to_float32

#: the fields of the learning-rate schedule: a new field goes after the last of these the file writes
SCHEDULE_FIELDS = ("base_lr", "lr_policy", "gamma", "power", "stepsize", "stepvalue", "max_iter")


def edit_solver(solver: CaffeSolver, text: str, changes: Mapping[str, Any]) -> str:
    """``text`` (the solver's own) with each field of ``changes`` set (an int, a float, or a list for stepvalue).

    Raises :class:`InputError` when the edit would not read back as asked.
    """
    index = LineIndex(text)
    edits: list[TextEdit] = []
    added: list[str] = []
    for name, value in changes.items():
        field = solver.field(name)
        if isinstance(value, (list, tuple)):
            edits_here, new = _repeated(field, value, index)
            edits.extend(edits_here)
            lines = [f"{name}: {_text(item)}" for item in new]
            if lines and field.spans:  # more occurrences go after the last one
                edits.append(_lines_after(index, field.spans[-1], lines))
            else:
                added.extend(lines)
        elif field.span is not None:
            edits.append(TextEdit(field.span, _text(value)))
        else:
            added.append(f"{name}: {_text(value)}")
    if added:
        edits.append(_new_lines(solver, index, added))
    edited = apply_edits(text, edits)
    _check(solver, edited, changes)
    return edited


def _repeated(field: SolverField, values, index: LineIndex) -> tuple[list[TextEdit], list[Any]]:
    """Edits of a repeated field's occurrences, and the values left to add on new lines."""
    written = [index.text[slice(*index.range(span))] for span in field.spans]
    if any(item.lstrip().startswith("[") for item in written):  # `stepvalue: [100, 200]`: one list, rewritten
        first = field.spans[written.index(next(w for w in written if w.lstrip().startswith("[")))]
        return [TextEdit(first, "[" + ", ".join(_text(v) for v in values) + "]")], []
    edits = [TextEdit(span, _text(value)) for span, value, old in zip(field.spans, values, field.value)
             if old != value]
    for key_span, span in zip(field.key_spans[len(values):], field.spans[len(values):]):
        edits.append(removal(index, key_span, span))
    return edits, list(values[len(field.spans):])


def removal(index: LineIndex, key_span: Span, span: Span) -> TextEdit:
    """An edit that removes one field occurrence (name at ``key_span``, value at ``span``): its whole line when
    nothing else is on it, else the occurrence alone with the blanks before it."""
    line = index.line_text(key_span.line)
    before, after = line[: key_span.column - 1], line[span.end_column - 1:]
    if key_span.line == span.end_line and not before.strip() and not after.strip(" \t\r;,"):
        if key_span.line < index.line_count:
            return TextEdit(Span(key_span.line, 1, key_span.line + 1, 1), "")
        return TextEdit(Span(key_span.line, 1, key_span.line, len(line) + 1), "")
    start = len(before.rstrip(" \t")) + 1  # with the blanks that separated it from what comes before
    return TextEdit(Span(key_span.line, start, span.end_line, span.end_column), "")


def _new_lines(solver: CaffeSolver, index: LineIndex, lines: list[str]) -> TextEdit:
    """New ``field: value`` lines after the last schedule field written (else after the last field)."""
    spans = [span for name in SCHEDULE_FIELDS for span in solver.field(name).spans]
    if not spans:
        spans = [span for field in solver.fields.values() for span in field.spans]
    if not spans:  # nothing written: the new fields start the file
        ending = index.line_end(1) or "\n"
        return TextEdit.insertion(1, 1, "".join(line + ending for line in lines))
    return _lines_after(index, max(spans, key=lambda span: (span.end_line, span.end_column)), lines)


def _lines_after(index: LineIndex, anchor: Span, lines: list[str]) -> TextEdit:
    """``lines`` after the line where ``anchor`` ends, indented as the line it starts on."""
    line_text = index.line_text(anchor.line)
    indent = line_text[: len(line_text) - len(line_text.lstrip(" \t"))]
    ending = index.line_end(anchor.end_line) or index.line_end(1) or "\n"
    if anchor.end_line == index.line_count:  # the last line, without a line end
        column = len(index.line_text(anchor.end_line)) + 1
        return TextEdit.insertion(anchor.end_line, column, "".join(ending + indent + line for line in lines))
    return TextEdit.insertion(anchor.end_line + 1, 1, "".join(indent + line + ending for line in lines))


def _text(value: Any) -> str:
    """A number as protobuf text: floats as their shortest text that reads back as the same C float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"a schedule field is a number, not {value!r}")
    return str(value) if isinstance(value, int) else format_float32(to_float32(value))


def _check(solver: CaffeSolver, edited: str, changes: Mapping[str, Any]) -> None:
    """The edited text must read as the old one with exactly ``changes`` applied."""
    after = read_solver(SourceText(solver.path, edited, edited.startswith("\ufeff")))
    problems = []
    for name, field in after.fields.items():
        old = solver.field(name).value
        if name in changes:
            wanted = changes[name]
            wanted = [_stored(v) for v in wanted] if isinstance(wanted, (list, tuple)) else _stored(wanted)
            if field.value != wanted:
                problems.append(f"{name} reads {field.value!r}, not {wanted!r}")
        elif name not in changes and _plain(field.value) != _plain(old):
            problems.append(f"{name} changed")
    if problems:
        raise InputError(f"the edited solver would not read back as planned: {'; '.join(problems)}", solver.path)


def _stored(value: Any) -> Any:
    return to_float32(value) if isinstance(value, float) else value


def _plain(value: Any) -> Any:
    """A field's value comparable across two reads (protobuf messages as their text)."""
    return str(value) if hasattr(value, "ListFields") else value
