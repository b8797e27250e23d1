from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.lint.rules._caffe import policy_span

#: policy -> field -> (what Caffe's 0 default does, severity or None for the rule default, example value)
_NEEDS: dict[str, dict[str, tuple[str, Severity | None, str]]] = {
    "step": {
        "gamma": ("the rate is base_lr until iteration stepsize and exactly 0 from then on", None, "0.1"),
        "stepsize": (
            "BVLC Caffe aborts at the first update ('Check failed: this->param_.stepsize() > 0'); older forks "
            "divide by zero", Severity.ERROR, "100000",
        ),
    },
    "exp": {"gamma": ("the rate is base_lr at iteration 0 and exactly 0 from iteration 1 on", None, "0.999")},
    "inv": {
        "gamma": ("(1 + 0*iter)^-power is 1: the rate stays base_lr", None, "0.0001"),
        "power": ("x^-0 is 1: the rate stays base_lr", None, "0.75"),
    },
    "multistep": {
        "gamma": ("the rate is base_lr until the first stepvalue and exactly 0 from then on", None, "0.1"),
        "stepvalue": ("the step never advances: the rate stays base_lr", None, "100000"),
    },
    "sigmoid": {
        "gamma": ("the sigmoid is flat: the rate is base_lr*0.5 for the whole run", None, "0.001"),
        "stepsize": (
            "BVLC Caffe aborts at the first update ('Check failed: this->param_.stepsize() > 0')",
            Severity.ERROR, "10000",
        ),
    },
    # SSD fork (--caffe-fork ssd): rate = base_lr * gamma^k, k advancing on loss plateaus
    "plateau": {
        "gamma": ("the rate is base_lr until the first plateau and exactly 0 from then on", None, "0.1"),
        "plateau_winsize": ("the step never advances: the rate stays base_lr", None, "10000"),
    },
    "poly": {
        "power": ("(1 - iter/max_iter)^0 is 1: the rate stays base_lr", None, "1.0"),
        "max_iter": (
            "training runs 0 iterations (and poly would divide by max_iter 0)", Severity.ERROR, "100000",
        ),
    },
}


class MissingPolicyField(Rule):
    """## What it does
    Checks that every field the `lr_policy` needs is set.

    ## Why is this bad?
    `SolverParameter`'s gamma, power, stepsize and max_iter have no default
    (src/caffe/proto/caffe.proto), so an omitted one is 0 and the schedule that
    `SGDSolver::GetLearningRate` (src/caffe/solvers/sgd_solver.cpp) computes
    degenerates: `step` without gamma drops the rate to 0 at the first step, `poly`
    without power is a constant rate, `step`/`sigmoid` without stepsize abort.

    ## Example
    ```prototxt
    base_lr: 0.01
    lr_policy: "step"
    stepsize: 10000      # gamma missing: the rate becomes 0 at iteration 10000
    ```

    ## Use instead
    ```prototxt
    base_lr: 0.01
    lr_policy: "step"
    stepsize: 10000
    gamma: 0.1
    ```
    """

    code = "CF002"
    name = "missing-policy-field"
    severity = Severity.WARNING
    needs = ("solver",)
    summary = "a field the lr_policy needs is unset (Caffe's 0 default)"

    def check(self) -> Iterator[Diagnostic]:
        solver = self.ctx.solver
        policy = solver.lr_policy
        needs = _NEEDS.get(policy) if solver.is_set("lr_policy") else None
        if not needs:
            return
        span = policy_span(solver)
        for name, (effect, severity, example) in needs.items():
            if name not in solver.fields or solver.is_set(name):
                continue  # plateau_winsize: a field of the SSD fork only (BVLC reports the policy, CF004)
            yield self.diagnostic(
                span,
                f"lr_policy \"{policy}\" uses {name}, which is not set: Caffe uses 0, so {effect}",
                Fix(f"add {name}: {example} (or the value you mean)"),
                severity=severity,
            )
