"""Rates darknet never computes, asked for anyway (past the end of a run, or by a planner): the errors the
rate function and its pieces raise, one line each for the file (``ScheduleError``)."""

from __future__ import annotations

from cfgtools.schedule.model import ScheduleError


def sgdr_never_ends(cycle: int, mult: int) -> ScheduleError:
    """A rate past the batches darknet's SGDR cycle loop can reach (get_current_rate loops forever there)."""
    return ScheduleError(f"darknet's SGDR loop never ends past batch {max(cycle, 0)} with sgdr_cycle={cycle} and "
                         f"sgdr_mult={mult}")


def no_sgdr_in_pjreddie() -> ScheduleError:
    """A rate pjreddie cannot compute: its get_current_rate has no sgdr (a cfg's policy=sgdr reads as constant)."""
    return ScheduleError("pjreddie darknet has no sgdr policy (it falls back to constant)")
