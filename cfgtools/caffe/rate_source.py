"""Caffe's ``SGDSolver<float>::GetLearningRate`` (src/caffe/solvers/sgd_solver.cpp) as standard-library Python.

The source follows the types of ``cfgtools.caffe.rate``: ``step``, ``exp`` and
``multistep`` are ``(float)(base_lr * pow(gamma, n))`` in double; ``inv``,
``poly`` and ``sigmoid`` are float arithmetic with ``powf``/``expf``, each
float step emulated by ``_f32``. ``multistep``'s stateful ``current_step_``
is replaced by its closed form from a fresh start: the number of advance
iterations ``<= iter_`` (:meth:`~cfgtools.schedule.model.MultiStep.advances`).
"""

from __future__ import annotations

from cfgtools.schedule.model import RateSource, Schedule, SourceConstant


def rate_source(schedule: Schedule) -> RateSource:
    """``framework_rate(i)``: GetLearningRate() at ``iter_ = i``."""
    policy = schedule.policy
    constants: list[SourceConstant] = []
    lines = [
        "def framework_rate(i):",
        '    """Caffe SGDSolver<float>::GetLearningRate() at iter_ = i, float32 steps emulated."""',
    ]
    kind = policy.kind
    if kind == "constant":
        lines.append("    return BASE_LR")
    elif kind == "step":
        constants += [SourceConstant("STEPSIZE", policy.step, "stepsize", "step"),
                      SourceConstant("GAMMA", policy.gamma, "gamma (float32 value)", "gamma")]
        lines.append("    return BASE_LR * _pow(GAMMA, i // STEPSIZE)")
    elif kind == "exp":
        constants.append(SourceConstant("GAMMA", policy.gamma, "gamma (float32 value)", "gamma"))
        lines.append("    return BASE_LR * _pow(GAMMA, i)")
    elif kind == "multistep":
        constants += [
            SourceConstant("STEPVALUES", tuple(policy.stepvalues), "stepvalue, as written (file order)", "stepvalues"),
            SourceConstant("ADVANCES", tuple(policy.advances()),
                           "iterations where current_step_ advances: t_j = max(stepvalue[j], t_(j-1) + 1)"),
            SourceConstant("GAMMA", policy.gamma, "gamma (float32 value)", "gamma"),
        ]
        lines.append("    return BASE_LR * _pow(GAMMA, bisect.bisect_right(ADVANCES, i))")
    elif kind == "inv":
        constants += [SourceConstant("GAMMA", policy.gamma, "gamma (float32 value)", "gamma"),
                      SourceConstant("POWER", policy.power, "power (float32 value)", "power")]
        lines.append("    x = _f32(1.0 + _f32(GAMMA * _f32(i)))  # 1.0f + gamma * (float)iter_")
        lines.append("    return BASE_LR * _f32(_pow(x, -POWER))  # powf")
    elif kind == "poly":
        constants += [SourceConstant("MAX_ITER", policy.max_iter, "max_iter", "max_iter"),
                      SourceConstant("POWER", policy.power, "power (float32 value)", "power")]
        lines.append("    x = _f32(1.0 - _f32(_f32(i) / _f32(MAX_ITER)))  # 1.0f - (float)iter_ / (float)max_iter")
        lines.append("    return BASE_LR * _f32(_pow(x, POWER))  # powf")
    elif kind == "sigmoid":
        constants += [SourceConstant("GAMMA", policy.gamma, "gamma (float32 value)", "gamma"),
                      SourceConstant("STEPSIZE", policy.step, "stepsize (the centre)", "step")]
        lines += [
            "    t = _f32(_f32(i) - _f32(STEPSIZE))",
            "    e = _f32(_exp(_f32(-GAMMA * t)))  # expf",
            "    return BASE_LR * _f32(1.0 / _f32(1.0 + e))",
        ]
    else:
        raise ValueError(f"Caffe has no lr_policy for {kind!r}")
    return RateSource("\n".join(lines) + "\n", tuple(constants))
