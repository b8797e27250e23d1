"""The YOLOv5/ultralytics training loop's per-iteration settings as standard-library Python source.

``framework_hook(ni)`` (see :class:`~cfgtools.schedule.model.HookSource`) gives,
for iteration ``ni`` of a run from scratch, every parameter group's lr and
momentum as the loop has set them when the batch is trained, and whether the
optimizer steps after it, in closed form (O(1) per call, nothing stepped):

- warm-up (``ni <= nw``): ``np.interp(ni, [0, nw], [start, initial_lr * lf(epoch)])``
  per group, the momentum ``np.interp(ni, [0, nw], [warmup_momentum, momentum])``;
- after it: ``initial_lr * lf(x)`` with ``x`` the epoch the LambdaLR last
  stepped to (the epoch itself when it steps at the start of the epoch,
  ultralytics 8.2+; the epoch before when it steps at the end, YOLOv5 and
  8.0/8.1), except the rest of the epoch in which warm-up ends, which keeps the
  warm-up's last value ``initial_lr * lf(that epoch)``;
- the optimizer steps where :class:`~cfgtools.ultralytics.schedule.YoloSchedule`
  found it does: stretches of constant ``accumulate`` with the first step in
  each (``ni - last_opt_step >= accumulate``), or ``ni % accumulate == 0``
  (YOLOv5 v5.0).

The same arithmetic as :mod:`cfgtools.ultralytics.schedule`, which the
equivalence tests compare with replicas of the upstream loops.
"""

from __future__ import annotations

from cfgtools.schedule.model import HookSource, SourceConstant
from cfgtools.ultralytics.schedule import YoloSchedule


def _lf_lines(run: YoloSchedule) -> list[str]:
    """``lf(x)``, the LambdaLR factor, with the version's expression (``schedule.epoch_factor``)."""
    rules, config = run.rules, run.config
    lines = ["def lf(x):"]
    if config.cos_lr:
        lines.append('    """one_cycle(1, lrf, epochs)(x): the cosine lr factor of the epoch the scheduler is at."""')
        ramp = "(1 - math.cos(x * math.pi / EPOCHS)) / 2"
        lines.append(f"    return max({ramp}, 0) * (LRF - 1) + 1" if rules.clamps_factor
                     else f"    return ({ramp}) * (LRF - 1) + 1")
    else:
        lines.append('    """The linear lr factor of the epoch the scheduler is at."""')
        divisor = "(EPOCHS - 1)" if rules.linear_divides_by_epochs_minus_one else "EPOCHS"
        fraction = f"1 - x / {divisor}"
        lines.append(f"    return max({fraction}, 0) * (1.0 - LRF) + LRF" if rules.clamps_factor
                     else f"    return ({fraction}) * (1.0 - LRF) + LRF")
    return lines


def hook_source(run: YoloSchedule) -> HookSource:
    """``framework_hook(ni)`` for a run from scratch (``run.start_epoch`` 0)."""
    if run.start_epoch != 0:
        raise ValueError("the hook source describes a run from scratch")
    rules, config = run.rules, run.config
    groups = run.groups
    starts, accumulates, firsts = run.step_stretches
    constants = [
        SourceConstant("BATCHES_PER_EPOCH", run.nb, "nb: len(train_loader)"),
        SourceConstant("EPOCHS", run.lf_epochs, "epochs"),
        SourceConstant("LRF", float(config.lrf), "lrf"),
        SourceConstant("INITIAL_LR", tuple(float(lr) for lr in run.initial_lr), "each group's initial_lr"),
        SourceConstant("ACCUMULATE_FROM", tuple(int(v) for v in starts),
                       "first iteration of each stretch of constant accumulate"),
        SourceConstant("ACCUMULATE", tuple(int(v) for v in accumulates), "accumulate in each stretch"),
    ]
    momentum_groups = [g.has_momentum for g in groups]
    lines = _lf_lines(run) + ["", "", "def _optimizer_steps(ni):"]
    if rules.optimizer_step_rule == "modulo":
        lines += [
            '    """YOLOv5 v5.0: the optimizer steps when ni % accumulate == 0."""',
            "    return ni % ACCUMULATE[bisect.bisect_right(ACCUMULATE_FROM, ni) - 1] == 0",
        ]
    else:
        constants.append(SourceConstant("FIRST_STEP", tuple(int(v) for v in firsts),
                                        "first iteration that steps in each stretch"))
        lines += [
            '    """The optimizer steps when ni - last_opt_step >= accumulate (last_opt_step = -1 at the start)."""',
            "    stretch = bisect.bisect_right(ACCUMULATE_FROM, ni) - 1",
            "    first = FIRST_STEP[stretch]",
            "    return ni >= first and (ni - first) % ACCUMULATE[stretch] == 0",
        ]
    if run.warmup_on:
        constants += [
            SourceConstant("WARMUP_ITERATIONS", run.nw, "nw: the warm-up's last iteration"),
            SourceConstant("WARMUP_START_LR", tuple(run.warmup_start_lr),
                           "each group's lr at iteration 0 (warmup_bias_lr for the biases)"),
        ]
        lines += ["", "", "def _interp(ni, start, end):",
                  '    """np.interp(ni, [0, WARMUP_ITERATIONS], [start, end]) for 0 <= ni <= WARMUP_ITERATIONS."""',
                  "    if ni == WARMUP_ITERATIONS:",
                  "        return end",
                  "    return (end - start) / WARMUP_ITERATIONS * ni + start"]
    if any(momentum_groups):
        if run.warmup_on:
            constants += [SourceConstant("WARMUP_MOMENTUM", float(config.warmup_momentum), "warmup_momentum"),
                          SourceConstant("MOMENTUM", float(config.momentum), "momentum (the warm-up's end)")]
        else:
            constants.append(SourceConstant("MOMENTUM", float(run.optimizer.momentum),
                                            "the optimizer's momentum (no warm-up sets it)"))

    def momenta(value: str) -> str:
        items = [value if has else "None" for has in momentum_groups]
        return "(" + ", ".join(items) + ")"

    lines += ["", "", "def framework_hook(ni):",
              f'    """(lrs, momenta, step) at iteration ni of a {rules.name} run from scratch."""',
              "    epoch = ni // BATCHES_PER_EPOCH"]
    if run.warmup_on:
        lines += ["    if ni <= WARMUP_ITERATIONS:",
                  "        factor = lf(epoch)",
                  "        lrs = tuple(_interp(ni, start, lr * factor) for start, lr in zip(WARMUP_START_LR, INITIAL_LR))"]
        if any(momentum_groups):
            lines.append("        momentum = _interp(ni, WARMUP_MOMENTUM, MOMENTUM)")
        lines.append(f"        return lrs, {momenta('momentum')}, _optimizer_steps(ni)")
    if rules.scheduler_steps_at == "start":
        lines.append("    x = epoch  # the scheduler steps at the start of each epoch")
    else:
        lines.append("    x = max(epoch - 1, 0)  # the scheduler steps at the end of each epoch (built at lf(0))")
        if run.warmup_on:
            lines += ["    if epoch == WARMUP_ITERATIONS // BATCHES_PER_EPOCH:",
                      "        x = epoch  # the rest of the epoch where warm-up ends keeps the warm-up's last value"]
    lines += ["    factor = lf(x)",
              f"    return tuple(lr * factor for lr in INITIAL_LR), {momenta('MOMENTUM')}, _optimizer_steps(ni)"]
    return HookSource("\n".join(lines) + "\n", tuple(constants))
