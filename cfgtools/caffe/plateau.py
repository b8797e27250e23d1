"""The SSD fork's ``plateau`` lr_policy, computed from the smoothed training losses.

``SGDSolver<Dtype>::GetLearningRate`` (weiliu89/caffe, branch ssd,
src/caffe/solvers/sgd_solver.cpp), for ``lr_policy: "plateau"``, at each
iteration ``iter_`` before its update::

    if (smoothed_loss_ < minimum_loss_) { minimum_loss_ = smoothed_loss_; iter_last_event_ = iter_; }
    if (current_step_ < plateau_winsize_size()) {
      if (iter_ >= iter_last_event_ + plateau_winsize(current_step_)) {
        current_step_++; iter_last_event_ = iter_;   // logs "Plateau Status: Iteration N, step = k"
      }
    }
    rate = base_lr * pow(gamma, current_step_);       // pow(float, int): the double pow, as multistep

``smoothed_loss_`` is the loss ``Solver::Step`` averages over the last
``average_loss`` iterations (``UpdateSmoothedLoss``, src/caffe/solver.cpp; the
window restarts at every ``Step`` call, i.e. after a resume); it is what the
log prints as ``Iteration N, loss = L`` (6 significant digits). From scratch
``minimum_loss_`` is FLT_MAX (``PreSolve``) and ``iter_last_event_`` is not
initialised: the first finite loss sets both. A resume restores
``current_step``, ``minimum_loss`` and ``iter_last_event`` from the
.solverstate (``SolverState`` fields 4, 5 and 6).

So the rates exist only once the losses do: :func:`plateau_rates` is the hook
for whatever has them (a training log with ``display: 1``; with a larger
display the log shows one smoothed loss in ``display`` and its ``Plateau
Status`` lines give the steps instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from cfgtools.caffe.rate import double_pow_rate
from cfgtools.caffe.solver import CaffeSolver

if TYPE_CHECKING:
    import numpy as np

#: std::numeric_limits<float>::max(), PreSolve's minimum_loss_
FLT_MAX = 3.4028234663852886e38


@dataclass(frozen=True)
class PlateauState:
    """What the solver carries between iterations (and a .solverstate restores)."""

    current_step: int = 0
    minimum_loss: float = FLT_MAX
    #: None: never set (a run from scratch before its first finite loss)
    iter_last_event: int | None = None


class PlateauReplay:
    """The fork's plateau bookkeeping, fed one smoothed loss per iteration in order (see the module docstring).

    ``changes`` lists the iterations at which ``current_step_`` grew, i.e.
    where the fork logs ``Plateau Status: Iteration N, step = k``.
    """

    def __init__(self, winsizes: Sequence[int], state: PlateauState = PlateauState()):
        self.winsizes = tuple(winsizes)
        self.step = state.current_step
        self.minimum = state.minimum_loss
        self.last_event = state.iter_last_event
        self.changes: list[int] = []
        #: losses equal to the minimum so far: from printed losses, a new minimum too small to print
        self.ties = 0

    def feed(self, iteration: int, smoothed_loss: float) -> int:
        """Account for ``smoothed_loss_`` (a float32 value) at ``iteration``; return the step its rate uses."""
        if smoothed_loss < self.minimum:  # false for NaN, as in C++
            self.minimum, self.last_event = smoothed_loss, iteration
        elif smoothed_loss == self.minimum:
            self.ties += 1
        step = self.step
        if (step < len(self.winsizes) and self.last_event is not None
                and iteration >= self.last_event + self.winsizes[step]):
            self.step, self.last_event = step + 1, iteration
            self.changes.append(iteration)
        return self.step

    @property
    def state(self) -> PlateauState:
        return PlateauState(current_step=self.step, minimum_loss=self.minimum, iter_last_event=self.last_event)


def plateau_rates(base_lr: float, gamma: float, winsizes: Sequence[int], smoothed_losses: Sequence[float],
                  start: int = 0, state: PlateauState = PlateauState()) -> tuple[np.ndarray, PlateauState]:
    """The rate of iterations ``start, start + 1, ...``, one per smoothed loss, and the state after the last.

    ``smoothed_losses[k]`` is ``smoothed_loss_`` at iteration ``start + k``
    (rounded to float32 here, as the solver holds it); ``state`` is the state
    before ``start`` (a fresh run, or what a snapshot restores). The rates are
    float32, computed as SSD Caffe's float instantiation does.
    """
    import numpy as np  # lazy: reading a solver never needs numpy

    replay = PlateauReplay(winsizes, state)
    losses = np.asarray(smoothed_losses, dtype=np.float32).tolist()  # exact float32 values as Python floats
    steps = np.array([replay.feed(start + k, loss) for k, loss in enumerate(losses)], dtype=np.int64)
    return double_pow_rate(base_lr, gamma, steps), replay.state


def torch_difference(solver: CaffeSolver) -> str:
    """What the nearest PyTorch, ``ReduceLROnPlateau``, does differently from ``solver``'s plateau (for convert).

    torch's scheduler, stepped every iteration with the smoothed loss before
    ``optimizer.step()``, lowers the rate when the loss has not beaten its best
    for more than ``patience`` steps (``num_bad_epochs > patience``, the best
    kept across reductions, NaN never better), as the fork does at
    ``iter_last_event_ + plateau_winsize[k]`` with ``patience = winsize - 1``;
    ``min_lr`` stops it after the last window and ``eps=0`` keeps every
    reduction. What remains is said here.
    """
    winsizes = [int(w) for w in solver.value("plateau_winsize")]
    steps = len(winsizes)
    gamma, base_lr = solver.gamma, solver.base_lr
    patience = winsizes[0] - 1 if winsizes else 0
    floor = base_lr * gamma ** steps  # the float parameters carry 7 significant digits
    nearest = (f"ReduceLROnPlateau(optimizer, mode='min', factor={gamma:.7g}, patience={patience}, "
               f"threshold=0, cooldown=0, min_lr={floor:.7g}, eps=0) stepped every iteration, before "
               f"optimizer.step(), with Caffe's smoothed loss (the mean of the last {solver.value('average_loss')} "
               "losses, restarted at a resume)")
    differs = []
    if len(set(winsizes)) > 1:
        differs.append(f"it has one patience where the fork waits plateau_winsize[k] = "
                       f"{', '.join(map(str, winsizes))} iterations for step k")
    differs.append("it multiplies the rate by the factor at each reduction where the fork computes "
                   "base_lr * pow(gamma, k) and rounds it to float (the last bits differ)")
    return f"the nearest PyTorch is {nearest}; it differs: " + "; ".join(differs)
