"""What a training log holds once read: rows, events, and the precision rates are printed with.

A framework's log format (``cfgtools.darknet.log``, ``cfgtools.caffe.log``)
turns the lines of a log into a stream of :class:`Row` and :class:`Event`
records, in the order the lines appear. Everything downstream (segments, the
comparison with a schedule, the findings, the export) is framework-neutral
and works on that stream.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Iterator, Literal, NamedTuple, Protocol

#: Event kinds a log format emits. Stable names: exports and findings use them.
RATE_HEADER = "rate-header"  # darknet "Learning Rate: %g, Momentum: %g, Decay: %g" (once per run)
SOLVER = "solver"  # Caffe "Initializing solver from parameters:" + the solver text (once per run)
LOADING_WEIGHTS = "loading-weights"  # darknet "Loading weights from FILE..."
RESUMING_FROM = "resuming-from"  # Caffe "Resuming from FILE.solverstate" (iteration and history restored)
FINETUNING_FROM = "finetuning-from"  # Caffe "Finetuning from FILE.caffemodel" (weights only: iteration 0)
BATCH_INFO = "batch-info"  # AlexeyAB "mini_batch = %d, batch = %d, time_steps = %d, train = %d"
MULTISTEP_STATUS = "multistep-status"  # Caffe "MultiStep Status: Iteration N, step = K"
PLATEAU_STATUS = "plateau-status"  # SSD Caffe "Plateau Status: Iteration N, step = K"
CHECKPOINT_SAVED = "checkpoint-saved"  # darknet "Saving weights to F", Caffe "Snapshotting to binary proto file F"
TRAINING_DONE = "training-done"  # the program says it reached its last iteration
STOPPED_EARLY = "stopped-early"  # Caffe "Optimization stopped early." (a requested stop)
#: Kinds the segmenter derives from the sequence of iterations (not printed by the program).
RESUME = "resume"
RESTART = "restart"
ITERATION_JUMP = "iteration-jump"  # forward, inside a run: lines missing or multi-GPU

#: A new process starts writing to the log: the next row opens a new segment.
RUN_START_KINDS = frozenset({RATE_HEADER, SOLVER})
#: Caffe's ``current_step_`` grew at the event's iteration (printed whatever ``display`` is).
STEP_STATUS_KINDS = frozenset({MULTISTEP_STATUS, PLATEAU_STATUS})
#: Lines printed just before a run's first row that say where its weights come from.
WEIGHTS_KINDS = frozenset({LOADING_WEIGHTS, RESUMING_FROM, FINETUNING_FROM})


@dataclass(frozen=True, slots=True)
class Precision:
    """How a program prints a rate: a fixed number of decimals (C ``%f``) or of significant digits (``%g``).

    ``float_ulps``: how many float32 ulps the program's rate may differ from
    the schedule engine's before printing (hank-ai's compiler contractions,
    see the class constants).
    """

    kind: Literal["decimals", "significant"]
    digits: int
    float_ulps: int = 0

    def text(self, value: float) -> str:
        """``value`` as the program prints it (C's and Python's conversions are both correctly rounded)."""
        if math.isnan(value):
            return "nan"
        if self.kind == "decimals":
            return f"{value:.{self.digits}f}"
        return f"{value:.{self.digits}g}"

    def __str__(self) -> str:
        if self.kind == "decimals":
            return f"{self.digits} decimals"
        return f"{self.digits} significant digits"


#: darknet (AlexeyAB, pjreddie): ``%f``
FIXED_6 = Precision("decimals", 6)
#: hank-ai darknet: ``std::fixed << std::setprecision(8)``; its -Ofast build differs from AlexeyAB's
#: arithmetic by 1 float32 ulp in poly, burn-in, sgdr and sigmoid rates (darknet-hankai.md C)
FIXED_8 = Precision("decimals", 8, float_ulps=1)
#: Caffe: ``LOG(INFO) << rate`` with the stream's default precision
SIGNIFICANT_6 = Precision("significant", 6)


class Output(NamedTuple):
    """One value of a Caffe ``Test net output #k`` line (net: the test net's index)."""

    net: int
    name: str
    value: float

    @property
    def label(self) -> str:
        return self.name if self.net == 0 else f"#{self.net}/{self.name}"


@dataclass(frozen=True, slots=True)
class Event:
    """Something the log says besides an iteration's numbers (see the kind constants above)."""

    kind: str
    line: int
    iteration: int | None = None
    detail: str = ""  #: a file name, or the solver text for SOLVER
    values: tuple[tuple[str, float], ...] = ()

    def value(self, name: str) -> float | None:
        for key, number in self.values:
            if key == name:
                return number
        return None


@dataclass(slots=True)
class Row:
    """One logged iteration. ``None`` where the program printed no such number.

    - ``loss``: darknet's loss of this iteration; Caffe's loss smoothed over
      ``average_loss`` iterations (the ``Iteration N ..., loss = L`` line);
    - ``avg_loss``: darknet's running average (``0.9 avg + 0.1 loss``);
    - ``rate``: the rate as printed, at ``precision``;
    - ``seconds``: time since the previous printed row (darknet: one
      iteration; Caffe: the ``Ys/D iters`` lapse);
    - ``images``: darknet's images column (detector: iteration x batch x
      GPUs, a C int that wraps; classifier: ``seen``);
    - ``epoch``: the classifier's epoch column;
    - ``test_outputs``: Caffe's test pass at this iteration;
    - ``line``: the line that names the iteration first; ``rate_line`` the
      line of the rate (Caffe prints it on its own line).

    ``segment`` and ``events`` are filled in by the segmenter
    (:mod:`cfgtools.trainlog.segments`): the run this row belongs to, and the
    events logged since the previous row. (The darknet parser passes the
    fields by position, once per iteration: keep their order.)
    """

    line: int
    iteration: int
    loss: float | None = None
    avg_loss: float | None = None
    rate: float | None = None
    seconds: float | None = None
    images: int | None = None
    epoch: float | None = None
    test_outputs: tuple[Output, ...] = ()
    rate_line: int | None = None
    precision: Precision | None = None
    segment: int = -1
    events: tuple[Event, ...] = ()

    @property
    def smoothed_loss(self) -> float | None:
        """The least noisy loss the row has: darknet's avg loss, else the loss."""
        return self.avg_loss if self.avg_loss is not None else self.loss


Record = Row | Event


class LogFormat(Protocol):
    """A framework's log format, as :func:`cfgtools.trainlog.source.open_log` uses it."""

    #: "darknet", "caffe", ...
    name: str

    def sniff(self, line: bytes) -> bool:
        """True when ``line`` (raw bytes, no newline) can only come from this framework's log."""
        ...

    def parse(self, chunks: Iterable[tuple[int, bytes]]) -> Iterator[Record]:
        """Rows and events of the log, in order, from chunks of whole lines
        ``(number of the first line, bytes)`` (:meth:`cfgtools.trainlog.reader.LogLines.chunks`)."""
        ...
