"""Caffe training logs (glog), line by line.

Every line starts with a glog prefix (``I0515 14:43:38.669777 1279
solver.cpp:228] `` or, with newer glog, ``I20261121 19:23:50.551389 ...``);
line numbers in the prefix differ between versions, so only the text after
``] `` is matched. The lines read (BVLC src/caffe/solver.cpp and
solvers/sgd_solver.cpp at 9b89154, tools/caffe.cpp):

- ``Iteration N (P iter/s, Ts/D iters), loss = L`` (``Solver::Step``, since
  3ba20549, January 2017) or ``Iteration N, loss = L`` (before, in the SSD and
  py-faster-rcnn forks, and for the extra forward pass after the last update);
  printed when ``N % display == 0``; L is smoothed over ``average_loss``;
- ``    Train net output #K: NAME = V (* W = V*W loss)`` (not kept: the last
  forward pass, not smoothed);
- ``Iteration N, lr = R`` (``SGDSolver::ApplyUpdate``, same condition, six
  significant digits; forks append ``, m = ..., wd = ...``);
- ``Iteration N, Testing net (#I)`` then ``    Test net output #K: NAME = V ...``
  (before the training lines of iteration N);
- ``MultiStep Status: Iteration N, step = K`` (``GetLearningRate``, at the
  exact iteration, whatever ``display`` is), and in the SSD fork ``Plateau
  Status: Iteration N, step = K`` (the same for ``lr_policy: "plateau"``; its
  ``Plateau Status: Iteration N, current minimum_loss = L`` lines are not
  kept);
- ``Initializing solver from parameters: `` followed by the SolverParameter in
  protobuf text format on lines without a prefix (the solver actually used:
  :func:`solver_text` returns it);
- ``Resuming from F`` / ``Restoring previous solver status from F``
  (``--snapshot``: iteration and history restored), ``Finetuning from F``
  (``--weights``: the schedule starts again at 0), ``Snapshotting to binary
  proto file F``, ``Optimization Done.``, ``Optimization stopped early.``.

The lines of one iteration (test outputs, loss, lr) become one
:class:`~cfgtools.trainlog.model.Row`. NaN and infinity print as ``nan``,
``-nan``, ``inf``.
"""

from __future__ import annotations

import math
import os
import re
from typing import Iterable, Iterator

from cfgtools.trainlog.model import (
    CHECKPOINT_SAVED,
    FINETUNING_FROM,
    MULTISTEP_STATUS,
    PLATEAU_STATUS,
    RESUMING_FROM,
    SIGNIFICANT_6,
    SOLVER,
    STOPPED_EARLY,
    TRAINING_DONE,
    Event,
    Output,
    Record,
    Row,
)
from cfgtools.trainlog.reader import LogLines

_NUM = rb"[-+]?(?:nan|inf|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_SEVERITIES = frozenset(b"IWEF")
_GLOG = re.compile(rb"[IWEF]\d{4}(?:\d{4})? \d\d:\d\d:\d\d\.\d+ +\d+ [^\s:\]]+:\d+\] ")
# (counts have at most 18 digits: they fit the int64 arrays the rates are compared in; Caffe prints C ints)
_ITERATION = re.compile(
    rb"Iteration (?P<iteration>\d{1,18})(?:, lr = (?P<lr>" + _NUM + rb")|, loss = (?P<old_loss>" + _NUM
    + rb")| \((?:" + _NUM + rb") iter/s, (?P<lapse>" + _NUM + rb")s/\d+ iters?\), loss = (?P<loss>" + _NUM
    + rb")|, Testing net \(#(?P<test_net>\d{1,18})\))"
)
_TEST_OUTPUT = re.compile(rb"    Test net output #\d+: (.+?) = (" + _NUM + rb")")
_STEP_STATUS = re.compile(rb"(MultiStep|Plateau) Status: Iteration (\d{1,18}), step = (\d{1,18})(?!\d)")
_STEP_KINDS = {b"MultiStep": MULTISTEP_STATUS, b"Plateau": PLATEAU_STATUS}
#: messages only Caffe prints, for telling a Caffe log from other glog users
_SNIFF_MESSAGES = (
    b"Initializing solver from parameters", b"Creating training net", b"Solving ", b"Iteration ",
    b"Use CPU.", b"Use GPU", b"Using GPUs", b"Initializing net from parameters", b"Network initialization done",
    b"Solver scaffolding done", b"Starting Optimization", b"Finetuning from", b"Resuming from",
)
#: at most this many outputs are kept per iteration, and this many bytes of solver text
MAX_OUTPUTS = 1024
MAX_SOLVER_TEXT = 1 << 18


def to_float(text: bytes) -> float:
    try:
        return float(text)
    except ValueError:  # float() reads nan, -nan and inf; this is for anything odder
        return math.nan


class CaffeLog:
    """The Caffe glog format (see the module docstring); an instance of :class:`~cfgtools.trainlog.model.LogFormat`."""

    name = "caffe"

    def sniff(self, line: bytes) -> bool:
        prefix = _GLOG.match(line)
        return prefix is not None and line[prefix.end():].startswith(_SNIFF_MESSAGES)

    def parse(self, chunks: Iterable[tuple[int, bytes]]) -> Iterator[Record]:
        row: Row | None = None  # the iteration being read (several lines)
        test_outputs: list[Output] = []
        solver: list[bytes] | None = None  # the solver text being collected
        solver_line = solver_size = 0
        test_net = 0
        names: dict[bytes, str] = {}  # output names repeat on every test pass: decode each once
        for first_line, data in chunks:
            lines = data.split(b"\n")
            if data.endswith(b"\n"):
                lines.pop()
            number = first_line - 1
            for raw in lines:
                number += 1
                if solver is not None:
                    if _GLOG.match(raw) is None:
                        if solver_size < MAX_SOLVER_TEXT:
                            solver.append(raw)
                            solver_size += len(raw) + 1
                        continue
                    yield Event(SOLVER, solver_line, detail=_text(b"\n".join(solver)) + "\n")
                    solver = None
                if raw and raw[0] in _SEVERITIES:  # a glog line: the message follows the first "] "
                    start = raw.find(b"] ") + 2
                    if start == 1:
                        continue
                else:  # something else (another program's output) may be glued before the glog prefix
                    prefix = _GLOG.search(raw)
                    if prefix is None:
                        continue
                    start = prefix.end()
                head = raw[start:start + 4]
                if head == b"Iter":
                    match = _ITERATION.match(raw, start)
                    if match is None:
                        continue
                    iteration, lr, old_loss, lapse, loss, net = match.groups()
                    iteration = int(iteration)
                    if row is None or row.iteration != iteration:
                        if row is not None:
                            yield _finish(row, test_outputs)
                            test_outputs = []
                        row = Row(number, iteration)
                    if lr is not None:
                        row.rate = to_float(lr)
                        row.rate_line = number
                        row.precision = SIGNIFICANT_6
                    elif loss is not None:
                        row.loss = to_float(loss)
                        row.seconds = to_float(lapse)
                    elif old_loss is not None:
                        row.loss = to_float(old_loss)
                    else:
                        test_net = int(net)
                elif head == b"    ":
                    # "    Test net output #K: NAME = V": train outputs (the last forward pass) are not kept
                    match = _TEST_OUTPUT.match(raw, start)
                    if match is None or row is None or len(test_outputs) >= MAX_OUTPUTS:
                        continue
                    name, value = match.groups()
                    label = names.get(name)
                    if label is None:
                        label = _text(name)
                        if len(names) < MAX_OUTPUTS:
                            names[name] = label
                    test_outputs.append(Output(test_net, label, to_float(value)))
                elif head == b"Mult" or head == b"Plat":
                    match = _STEP_STATUS.match(raw, start)
                    if match:
                        yield Event(_STEP_KINDS[match[1]], number, iteration=int(match[2]),
                                    values=(("step", float(match[3])),))
                else:
                    message = raw[start:]
                    event = _event(message, number)
                    if event is None and not message.startswith(b"Initializing solver from parameters:"):
                        continue
                    if row is not None:  # these lines come between iterations: the row is complete
                        yield _finish(row, test_outputs)
                        test_outputs = []
                        row = None
                    if event is not None:
                        yield event
                        continue
                    solver, solver_line, solver_size = [], number, 0
                    rest = message[len(b"Initializing solver from parameters:"):].strip()
                    if rest:
                        solver.append(rest)
        if solver is not None:
            yield Event(SOLVER, solver_line, detail=_text(b"\n".join(solver)) + "\n")
        if row is not None:
            yield _finish(row, test_outputs)


def _finish(row: Row, test_outputs: list[Output]) -> Row:
    if test_outputs:
        row.test_outputs = tuple(test_outputs)
    return row


def _event(message: bytes, number: int) -> Event | None:
    for prefix, kind in _PATH_EVENTS:
        if message.startswith(prefix):
            return Event(kind, number, detail=_text(message[len(prefix):]))
    if message.startswith(b"Optimization Done."):
        return Event(TRAINING_DONE, number)
    if message.startswith(b"Optimization stopped early."):
        return Event(STOPPED_EARLY, number)
    return None


_PATH_EVENTS = (
    (b"Resuming from ", RESUMING_FROM),
    (b"Restoring previous solver status from ", RESUMING_FROM),
    (b"Finetuning from ", FINETUNING_FROM),
    (b"Snapshotting to binary proto file ", CHECKPOINT_SAVED),
    (b"Snapshotting to HDF5 file ", CHECKPOINT_SAVED),
)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").strip()


def solver_text(path: str | os.PathLike[str]) -> str | None:
    """The solver the log's first run used (the text after ``Initializing solver from parameters:``), or None.

    Reads only up to that text. Raises :class:`~cfgtools.errors.InputError`
    when the file cannot be read as a log.
    """
    records = CAFFE_LOG.parse(LogLines(path).chunks())
    try:
        for record in records:
            if isinstance(record, Event) and record.kind == SOLVER:
                return record.detail
    finally:
        records.close()
    return None


#: The format object :func:`cfgtools.trainlog.source.open_log` takes.
CAFFE_LOG = CaffeLog()
