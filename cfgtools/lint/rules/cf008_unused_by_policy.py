from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Rule, Severity, register
from cfgtools.lint.rules._caffe import POLICIES, field_of, fields_named, is_set, key_span_of, policy_of

#: field -> policies whose rate uses it
_USED_BY = {
    "gamma": ("step", "exp", "inv", "multistep", "sigmoid"),
    "power": ("inv", "poly"),
    "stepsize": ("step", "sigmoid"),
    "stepvalue": ("multistep",),
}


@register
class SolverFieldUnusedByPolicy(Rule):
    """A schedule field the lr_policy never uses.

    ``fixed`` ignores gamma, power and stepsize; ``stepvalue`` is read only by
    ``multistep``, ``stepsize`` only by ``step`` and ``sigmoid``, ``power``
    only by ``inv`` and ``poly``. Such a field looks like it shapes the
    schedule but does not.

    Bad::

        lr_policy: "fixed"
        stepsize: 10000     # ignored
        gamma: 0.1          # ignored

    Good::

        lr_policy: "step"
        stepsize: 10000
        gamma: 0.1
    """

    code = "CF008"
    name = "solver-field-unused-by-policy"
    severity = Severity.INFO
    framework = "caffe"
    summary = "a gamma/power/stepsize/stepvalue the lr_policy never uses"

    def check(self) -> Iterator[Diagnostic]:
        solver = self.ctx.solver
        if solver is None:
            return
        policy = policy_of(solver)
        if policy not in POLICIES:
            return
        for name, users in _USED_BY.items():
            if policy in users or not is_set(solver, name):
                continue
            item = field_of(solver, name)
            if item is None or isinstance(item, (list, tuple)):
                items = fields_named(solver, name)
                item = items[0] if items else None
            yield self.diagnostic(
                key_span_of(item),
                f"{name} has no effect with lr_policy \"{policy}\" (only {', '.join(users)} use it)",
                Fix(f"delete {name}, or use a policy that needs it"),
            )
