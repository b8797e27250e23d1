"""Plans of the neutral resume planner, as changes of a darknet cfg's [net] keys.

The planner edits the schedule's values; darknet's cfg has one value that
follows another when it is not written: ``sgdr_cycle`` defaults to
``max_batches`` (``parse_net_options``, AlexeyAB src/parser.c). So with
``sgdr_cycle`` unwritten, a plan whose cycle is the new end needs no
``sgdr_cycle`` line, and a plan that keeps the old cycle must write it, or
the cycle would follow the new ``max_batches``.
"""

from __future__ import annotations

from dataclasses import replace

from cfgtools.darknet.net import NetConfig
from cfgtools.schedule.extend import Change, Plan


def as_written(plans: list[Plan], net: NetConfig | None) -> list[Plan]:
    """``plans`` with the changes the cfg text needs to give each plan's schedule."""
    if net is None or net.effective_policy != "sgdr" or net.sgdr_cycle.from_file:
        return plans
    return [_cycle_written(plan, net.sgdr_cycle.value) for plan in plans]


def _cycle_written(plan: Plan, default_cycle: int) -> Plan:
    """``plan`` with sgdr_cycle written exactly when it differs from the new max_batches."""
    changes = [change for change in plan.changes if change.name != "cycle"]
    cycle = plan.schedule.policy.cycle
    if cycle != plan.schedule.horizon:
        changes.append(Change("cycle", "sgdr_cycle", default_cycle, cycle))
    return replace(plan, changes=tuple(changes))
