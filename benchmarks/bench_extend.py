"""Time the resume planner: it evaluates the schedule at a few points, so its cost must not grow
with max_batches / max_iter.

For one schedule of each policy, at a horizon of 10,000 and of 10,000,000 updates (resume at 75 %,
new end at 150 % of the old horizon), it times ``plan_extension`` and, for scale, one dense pass of
the schedule engine over the updates the plan covers (what checking a plan update by update costs).
The ratios printed are planner(10M) / planner(10k) (about 1 when the planner does not grow with the
horizon) and dense(10M) / planner(10M).

Run: python benchmarks/bench_extend.py
"""

from __future__ import annotations


import numpy as np

from cfgtools.caffe.schedule import caffe_schedule
from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.schedule.evaluate import iter_chunks
from cfgtools.schedule.extend import plan_extension
from cfgtools.schedule.model import BurnIn, Constant, Exp, Inv, MultiStep, Poly, Schedule, Sgdr, Sigmoid, Step, Steps
from timing import best_of


def f32(x: float) -> float:
    return float(np.float32(x))


def schedules(horizon: int) -> dict[str, Schedule]:
    """One schedule per policy, shaped relative to ``horizon`` (so both sizes plan the same problem)."""

    def darknet(policy, **fields):
        return darknet_schedule("alexeyab", f32(0.01), policy, horizon, **fields)

    def caffe(policy):
        return caffe_schedule(f32(0.01), policy, horizon)

    decay = f32(0.05 ** (1 / horizon))  # exp/inv lose a factor of ~20 over the horizon
    return {
        "darknet constant": darknet(Constant(), burn_in=BurnIn(iterations=1000, power=4.0)),
        "darknet step": darknet(Step(step=horizon // 10, gamma=f32(0.7))),
        "darknet steps": darknet(Steps(steps=[horizon * 8 // 10, horizon * 9 // 10], scales=[f32(0.1)] * 2),
                                 burn_in=BurnIn(iterations=1000, power=4.0)),
        "darknet exp": darknet(Exp(gamma=decay)),
        "darknet poly": darknet(Poly(power=4.0, max_iter=horizon), burn_in=BurnIn(iterations=1000, power=4.0)),
        "darknet sigmoid": darknet(Sigmoid(gamma=f32(20 / horizon), step=horizon // 2)),
        "darknet sgdr": darknet(Sgdr(cycle=horizon // 10, mult=2, lr_min=f32(1e-5))),
        "caffe fixed": caffe(Constant()),
        "caffe step": caffe(Step(step=horizon // 10, gamma=f32(0.7))),
        "caffe exp": caffe(Exp(gamma=decay)),
        "caffe inv": caffe(Inv(gamma=f32(100 / horizon), power=f32(0.75))),
        "caffe multistep": caffe(MultiStep(stepvalues=[horizon // 2, horizon * 8 // 10], gamma=f32(0.1))),
        "caffe poly": caffe(Poly(power=f32(0.9), max_iter=horizon)),
        "caffe sigmoid": caffe(Sigmoid(gamma=f32(20 / horizon), step=horizon // 2)),
    }



def dense_pass(plan) -> None:
    for _ in iter_chunks(plan.schedule, plan.first_update, plan.end_iteration, resume=plan.resume):
        pass


def main() -> None:
    small, large = 10_000, 10_000_000
    plans_small, plans_large = schedules(small), schedules(large)
    print(f"{'policy':<18} {'plan 10k':>10} {'plan 10M':>10} {'10M/10k':>8} {'dense 10M':>11} {'dense/plan':>11}"
          f"  first plan (10M)")
    totals = [0.0, 0.0]
    for name in plans_small:
        old_small, old_large = plans_small[name], plans_large[name]
        t_small = best_of(lambda: plan_extension(old_small, small * 3 // 4, small * 3 // 2))
        t_large = best_of(lambda: plan_extension(old_large, large * 3 // 4, large * 3 // 2))
        plan = plan_extension(old_large, large * 3 // 4, large * 3 // 2)[0]
        t_dense = best_of(lambda: dense_pass(plan), repeat=1)
        totals[0] += t_small
        totals[1] += t_large
        changed = ", ".join(plan.changed) + ("" if plan.exact else f" (nearest, end {plan.end_residual:+.1e})")
        print(f"{name:<18} {t_small * 1000:8.1f}ms {t_large * 1000:8.1f}ms {t_large / t_small:8.2f} "
              f"{t_dense * 1000:9.0f}ms {t_dense / t_large:10.0f}x  {changed}")
    print(f"{'all policies':<18} {totals[0] * 1000:8.1f}ms {totals[1] * 1000:8.1f}ms {totals[1] / totals[0]:8.2f}")


if __name__ == "__main__":
    main()
