"""darknet training logs (AlexeyAB, pjreddie and hank-ai), line by line.

The iteration lines, every era (the rate is ``get_current_rate()`` after the
update, printed with ``%f``; hank-ai prints it with 8 decimals):

- AlexeyAB ``train_detector`` (src/detector.c:325 at 59596d7)::

      "\\n %d: %f, %f avg loss, %f rate, %lf seconds, %d images, %f hours left\\n"

  ``time left`` instead of ``hours left`` in March 2020 (8800212f), no such
  field before (c814d56e and older), and ``avg`` instead of ``avg loss``
  before May 2018 (eb9c88ef); before December 2018 the first field was
  ``get_current_batch()``, since then ``cur_iteration``;
- AlexeyAB ``train_classifier`` (src/classifier.c:211)::

      "%d, %.3f: %f, %f avg, %f rate, %lf seconds, %" PRIu64 " images, %f hours left\\n"

  (batch, epoch, loss, avg, rate, CPU seconds, ``seen``; no hours left
  before March 2020);
- pjreddie ``train_detector`` (examples/detector.c:129 at f6afaab)::

      "%ld: %f, %f avg, %f rate, %lf seconds, %d images\\n"

- pjreddie ``train_classifier`` (examples/classifier.c:144)::

      "%ld, %.3f: %f, %f avg, %f rate, %lf seconds, %ld images\\n"

- hank-ai (src-lib/detector.cpp:605-617 at f684e1d), after its colour codes::

      5989: loss=0.444, avg loss=0.329, last=..., best=..., mAP=..., rate=0.00002600,
      load 64=15.1 milliseconds, train=64.424 milliseconds, 383296 images, time remaining=7 seconds

Other lines read: ``Learning Rate: %g, Momentum: %g, Decay: %g`` (once per
run, after the GPU multiplier), ``Loading weights from F...``, ``Saving
weights to F`` (``_final`` at the end), AlexeyAB's ``mini_batch = %d, batch =
%d, ...`` (parser.c:1380: ``batch`` is batch x subdivisions, printed once per
GPU) and its closing ``If you want to train from the beginning ...``, and
hank-ai's ``Training iteration has reached max batch limit``.

pjreddie never flushes stdout, so stderr text (``Saving weights to``,
``Loading weights from``, ``Done!``) lands inside stdout lines and the rest
of the stdout line follows later. Such a line is cut at the stderr text and
joined with the next line that is not stderr text, so no iteration line is
lost. NaN and infinity come as glibc's ``nan``/``-nan``/``inf``, MSVC's
``-nan(ind)`` or the old ``1.#QNAN0``/``-1.#IND00``/``1.#INF00``.
"""

from __future__ import annotations

import math
import re
from bisect import insort
from typing import Iterable, Iterator

from cfgtools.trainlog.model import (
    BATCH_INFO,
    CHECKPOINT_SAVED,
    FIXED_6,
    FIXED_8,
    LOADING_WEIGHTS,
    RATE_HEADER,
    TRAINING_DONE,
    Event,
    Record,
    Row,
)
from cfgtools.trainlog.reader import clean_line

# (every repetition is bounded or anchored: a hostile line of a megabyte is searched in linear time; counts
# have at most 18 digits, so they fit the int64 arrays the rates are compared in: darknet prints C ints)
_NUM = rb"[-+]?(?:nan(?:\(\w{0,32}\))?|inf(?:inity)?|1\.#(?:QNAN|SNAN|IND|INF)\d*|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_ITERATION = re.compile(
    rb"(?<![\w.])(?P<iteration>-?\d{1,18})(?:, (?P<epoch>" + _NUM + rb"))?: (?P<loss>" + _NUM + rb"), (?P<avg>"
    + _NUM + rb") avg(?: loss)?, (?P<rate>" + _NUM + rb") rate, (?P<seconds>" + _NUM
    + rb") seconds, (?P<images>-?\d{1,18}) images"
)
#: hank-ai's line: its head, then "rate=", "train=T unit" and "N images" within HANK_TAIL bytes after it
_HANK_HEAD = re.compile(rb"(?<![\w.])(?P<iteration>-?\d{1,18}): loss=(?P<loss>" + _NUM + rb"), avg loss=(?P<avg>" + _NUM + rb"),")
_HANK_RATE = re.compile(rb"\brate=(" + _NUM + rb")")
_HANK_TRAIN = re.compile(rb"\btrain=(" + _NUM + rb") ([a-z]{1,16})")
_HANK_IMAGES = re.compile(rb"(?<!\d)(-?\d{1,18}) images")
#: bytes after the head that hold the rest of the line (the real one has some 200 once uncoloured)
HANK_TAIL = 512
_HEADER = re.compile(
    rb"Learning Rate: (?P<lr>" + _NUM + rb"), Momentum: (?P<momentum>" + _NUM + rb"), Decay: (?P<decay>"
    + _NUM + rb")"
)
_BATCH_INFO = re.compile(rb"mini_batch = (\d+), batch = (\d+), time_steps = (\d+)")
_LOADING = re.compile(rb"Loading weights from (.*?)(?:\.\.\.|$)")
_SAVING = re.compile(rb"Saving weights to (\S+)")
_DONE_TEXTS = (b"If you want to train from the beginning", b"reached max batch limit")
#: stderr messages that can land inside a pjreddie stdout line (parser.c)
_STDERR_TEXTS = (b"Saving weights to ", b"Loading weights from ", b"Done!")
#: lines only darknet prints (for telling a darknet log from others)
_SNIFF = re.compile(
    rb"Learning Rate: \S+, Momentum: \S+, Decay: |Loading weights from |mini_batch = \d+, batch = \d+"
    rb"|^\s*layer +filters +size|Total BFLOPS|^\s*\d+ (?:conv|max|yolo|route|shortcut|upsample) "
)
#: hank-ai's duration units, in seconds (darknet.cpp format_duration_string)
_UNITS = {
    b"nanoseconds": 1e-9, b"microseconds": 1e-6, b"millisecond": 1e-3, b"milliseconds": 1e-3,
    b"second": 1.0, b"seconds": 1.0, b"minutes": 60.0, b"hours": 3600.0, b"days": 86400.0, b"weeks": 604800.0,
}


def to_float(text: bytes) -> float:
    """A number as C or C++ printed it, NaN and infinity in any of their spellings included."""
    try:
        return float(text)
    except ValueError:
        lower = text.lower()
        negative = lower.startswith(b"-")
        if b"inf" in lower:
            return -math.inf if negative else math.inf
        return math.nan  # nan(ind), 1.#QNAN0, -1.#IND00


class DarknetLog:
    """The darknet log format (see the module docstring); an instance of :class:`~cfgtools.trainlog.model.LogFormat`."""

    name = "darknet"

    def sniff(self, line: bytes) -> bool:
        if _SNIFF.search(line):
            return True
        if b"rate" in line:
            text = clean_line(line)
            return bool(_ITERATION.search(text) or _hank_fields(text))
        return False

    def parse(self, chunks: Iterable[tuple[int, bytes]]) -> Iterator[Record]:
        # Only the lines holding one of the keys are looked at, found with bytes.find at C speed: a 1 GB
        # AlexeyAB log has some 15 million lines, a fifth of them iteration lines.
        pending: bytes | None = None  # a stdout fragment cut by stderr text
        pending_line = 0
        for first_line, data in chunks:
            rate_lines, other_lines = _line_starts(data)
            wanted = rate_lines | other_lines
            starts = sorted(wanted)
            # the line that completes a pending fragment is read even without a key
            continuation = _continuation(data, 0) if pending is not None else -1
            if continuation >= 0 and continuation not in wanted:
                insort(starts, continuation)
                wanted.add(continuation)
            number, counted = first_line, 0
            index = 0
            while index < len(starts):
                start = starts[index]
                index += 1
                number += data.count(b"\n", counted, start)
                counted = start
                end = data.find(b"\n", start)
                raw = data[start:] if end < 0 else data[start:end]
                if start not in other_lines and start != continuation and b"\r" not in raw:
                    row = _row(raw, number)  # the common case: an iteration line and nothing else
                    if row is not None:
                        yield row
                    continue
                line_number = number
                joined = 0  # bytes of an earlier line's fragment at the start of raw
                if pending is not None and start == continuation:
                    if _row(raw, number) is None:  # the rest of the cut line
                        raw, line_number, joined = pending + raw, pending_line, len(pending)
                    pending = None  # else a line of its own: the fragment was never completed
                if b"weights" in raw or b"Done!" in raw:
                    cut = _stderr_position(raw)
                    if cut > 0:
                        fragment, raw = raw[:cut], raw[cut:]
                        row = _row(fragment, line_number)
                        if row is not None:
                            yield row  # complete already: what follows later is its tail (" left", "")
                        elif cut > joined:
                            # this line's own part waits for its tail; an earlier fragment is not carried
                            # further (a fragment is one line's: memory stays bounded on mangled logs)
                            pending, pending_line = fragment[joined:], number
                            continuation = -1 if end < 0 else _continuation(data, end + 1)
                            if continuation >= 0 and continuation not in wanted:
                                insort(starts, continuation, lo=index)
                                wanted.add(continuation)
                    yield from _weights_events(raw, number)
                # a carriage return ends what a terminal shows as a line (progress output, CR-only files)
                for piece in raw.split(b"\r") if b"\r" in raw else (raw,):
                    record = _line(piece, line_number, number)
                    if record is not None:
                        yield record
        if pending is not None:
            row = _row(pending, pending_line)
            if row is not None:
                yield row


#: Every line the parser reads holds one of these: the iteration lines ...
_RATE_KEY = b"rate"
#: ... and the others.
_OTHER_KEYS = (b"weights", b"Done!", b"Learning Rate:", b"mini_batch = ") + _DONE_TEXTS


def _line_starts(data: bytes) -> tuple[set[int], set[int]]:
    """Where the lines holding the rate key, and those holding another key, start in ``data`` (found at C speed)."""
    found = []
    for keys in ((_RATE_KEY,), _OTHER_KEYS):
        starts: set[int] = set()
        for key in keys:
            at = data.find(key)
            while at >= 0:
                starts.add(data.rfind(b"\n", 0, at) + 1)
                end = data.find(b"\n", at)
                if end < 0:
                    break
                at = data.find(key, end)
        found.append(starts)
    return found[0], found[1]


def _continuation(data: bytes, position: int) -> int:
    """The start of the first line from ``position`` on that is not stderr text (-1: not in ``data``)."""
    while position < len(data):
        if not data.startswith(_STDERR_TEXTS, position):
            return position
        end = data.find(b"\n", position)
        if end < 0:
            return -1
        position = end + 1
    return -1


def _line(raw: bytes, row_line: int, number: int) -> Record | None:
    """The row or the event in one line (``row_line``: where the row starts, for a joined line)."""
    if b"rate" in raw:
        row = _row(raw, row_line)
        if row is not None:
            return row
    if b"Learning Rate:" in raw:
        match = _HEADER.search(clean_line(raw))
        if match:
            return Event(RATE_HEADER, number, values=(
                ("learning_rate", to_float(match["lr"])),
                ("momentum", to_float(match["momentum"])),
                ("decay", to_float(match["decay"])),
            ))
    elif b"mini_batch = " in raw:
        match = _BATCH_INFO.search(raw)
        if match:
            return Event(BATCH_INFO, number, values=(
                ("mini_batch", float(match[1])), ("batch", float(match[2])), ("time_steps", float(match[3])),
            ))
    elif _DONE_TEXTS[0] in raw or _DONE_TEXTS[1] in raw:
        return Event(TRAINING_DONE, number)
    return None


def _stderr_position(raw: bytes) -> int:
    """Where the first stderr message starts in ``raw`` (-1 when there is none)."""
    found = [at for at in (raw.find(text) for text in _STDERR_TEXTS) if at >= 0]
    return min(found) if found else -1


def _weights_events(raw: bytes, number: int) -> Iterator[Event]:
    text = clean_line(raw)
    loading = _LOADING.search(text)
    if loading:
        yield Event(LOADING_WEIGHTS, number, detail=_text(loading[1]))
    for saving in _SAVING.finditer(text):
        path = _text(saving[1])
        yield Event(CHECKPOINT_SAVED, number, detail=path)
        if path.endswith("_final.weights"):
            yield Event(TRAINING_DONE, number, detail=path)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").strip()


def _has_controls(raw: bytes) -> bool:
    return raw != raw.translate(None, _CONTROL_BYTES)


_CONTROL_BYTES = bytes([*range(0, 9), *range(10, 32), 127])


def _row(raw: bytes, number: int) -> Row | None:
    """The iteration row in ``raw``, wherever it is in the line, or None."""
    if b"rate=" in raw:
        return _hank_row(raw, number)
    match = _ITERATION.search(raw)
    if match is None and _has_controls(raw):
        match = _ITERATION.search(clean_line(raw))
    if match is not None:
        iteration, epoch, loss, avg, rate, seconds, images = match.groups()
        try:  # the common case: plain numbers (positional Row arguments: this runs once per iteration)
            return Row(number, int(iteration), float(loss), float(avg), float(rate), float(seconds), int(images),
                       None if epoch is None else float(epoch), (), None, FIXED_6)
        except ValueError:  # nan(ind), 1.#QNAN0 ...
            return Row(number, int(iteration), to_float(loss), to_float(avg), to_float(rate), to_float(seconds),
                       int(images), None if epoch is None else to_float(epoch), (), None, FIXED_6)
    return None


def _hank_fields(text: bytes) -> tuple[bytes, ...] | None:
    """iteration, loss, avg, rate, train, unit, images of the first complete hank-ai line in ``text``."""
    for head in _HANK_HEAD.finditer(text):
        end = head.end() + HANK_TAIL
        rate = _HANK_RATE.search(text, head.end(), end)
        if rate is None:
            continue
        images = _HANK_IMAGES.search(text, rate.end(), end)
        if images is None:
            continue
        train = _HANK_TRAIN.search(text, rate.end(), images.start())
        return (*head.groups(), rate[1], *(train.groups() if train else (None, None)), images[1])
    return None


def _hank_row(raw: bytes, number: int) -> Row | None:
    fields = _hank_fields(clean_line(raw))  # hank-ai colours its numbers
    if fields is None:
        return None
    iteration, loss, avg, rate, train, unit, images = fields
    seconds = None if train is None or unit not in _UNITS else to_float(train) * _UNITS[unit]
    return Row(number, int(iteration), to_float(loss), to_float(avg), to_float(rate), seconds, int(images),
               None, (), None, FIXED_8)


#: The format object :func:`cfgtools.trainlog.source.open_log` takes.
DARKNET_LOG = DarknetLog()
