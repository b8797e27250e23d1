"""darknet's ``get_current_rate`` (src/network.c) for one schedule, as standard-library Python source.

The source follows the same C type rules as ``cfgtools.darknet.rate`` (float
parameters, double ``pow``/``exp``/``cos``, float accumulation of the
``steps`` product, ``(float)b / burn_in`` in float) with each float step
emulated by ``_f32``; pjreddie's ``size_t`` batch number is followed where it
changes the result (a negative ``burn_in`` never ends, a negative step never
fires, ``b - step`` wraps below the step of ``sigmoid``). hank-ai's C++ text
(src-lib/darknet_network.cpp) takes the float overloads where
``cfgtools.darknet.rate`` says: ``powf`` for burn-in and ``poly`` (the power
and the product with the rate rounded to float), ``expf`` in ``sigmoid``, and
``M_PI`` in SGDR.
"""

from __future__ import annotations

from cfgtools.darknet import M_PI, SGDR_PI, fork_name
from cfgtools.schedule.model import RateSource, Schedule, SourceConstant

_U64 = 2**64


def rate_source(schedule: Schedule) -> RateSource | None:
    """``framework_rate(b)``: get_current_rate at batch number ``b`` (None for ``random``, which draws rand())."""
    policy = schedule.policy
    pjreddie = schedule.dialect == "pjreddie"
    hankai = schedule.dialect == "hankai"
    fork = fork_name(schedule.dialect)
    # C++ pow(float, float) is powf, and a float times a float is a float: both rounded (hank-ai)
    power_of = "_f32(BASE_LR * _f32(_pow({}, {})))" if hankai else "BASE_LR * _pow({}, {})"
    constants: list[SourceConstant] = []
    lines = [
        "def framework_rate(b):",
        f'    """darknet ({fork}) get_current_rate() at batch number b, float32 steps emulated."""',
    ]
    burn = schedule.burn_in
    if burn is not None and burn.iterations != 0:
        constants += [SourceConstant("BURN_IN", burn.iterations, "burn_in"),
                      SourceConstant("BURN_IN_POWER", burn.power, "power (float32 value)")]
        if pjreddie and burn.iterations < 0:
            lines.append("    if True:  # pjreddie compares b with (size_t)burn_in: a negative burn_in never ends")
        else:
            lines.append("    if b < BURN_IN:  # warm-up: lr * ((float)b / burn_in) ** power")
        lines.append("        return " + power_of.format("_f32(_f32(b) / _f32(BURN_IN))", "BURN_IN_POWER"))
    kind = policy.kind
    if kind == "constant":
        lines.append("    return BASE_LR")
    elif kind == "step":
        constants += [SourceConstant("STEP", policy.step, "step", "step"),
                      SourceConstant("SCALE", policy.gamma, "scale (float32 value)", "gamma")]
        if policy.step > 0:
            lines.append("    return BASE_LR * _pow(SCALE, b // STEP)")
        elif pjreddie:
            lines.append("    return BASE_LR  # b / (size_t)step with a negative step is 0")
        else:
            lines.append("    return BASE_LR * _pow(SCALE, -(b // -STEP))  # C division truncates toward 0")
    elif kind == "steps":
        steps = [value % _U64 if pjreddie and value < 0 else value for value in policy.steps]
        wrapped = " (negative ones as pjreddie's size_t)" if pjreddie and min(policy.steps, default=0) < 0 else ""
        constants += [SourceConstant("STEPS", tuple(steps), "steps in file order" + wrapped, "steps"),
                      SourceConstant("SCALES", tuple(policy.scales[: len(policy.steps)]), "scales (float32 values)",
                                     "scales")]
        lines += [
            "    rate = BASE_LR",
            "    for step, scale in zip(STEPS, SCALES):  # stops at the first step still in the future",
            "        if step > b:",
            "            break",
            "        rate = _f32(rate * scale)  # accumulated in a C float",
            "    return rate",
        ]
    elif kind == "exp":
        constants.append(SourceConstant("GAMMA", policy.gamma, "gamma (float32 value)", "gamma"))
        lines.append("    return BASE_LR * _pow(GAMMA, b)")
    elif kind == "poly":
        constants += [SourceConstant("MAX_BATCHES", policy.max_iter, "max_batches", "max_iter"),
                      SourceConstant("POWER", policy.power, "power (float32 value)", "power")]
        lines.append("    base = _f32(1.0 - _f32(_f32(b) / _f32(MAX_BATCHES)))  # 1 - (float)b / max_batches, in float")
        lines.append("    return " + power_of.format("base", "POWER"))
    elif kind == "sigmoid":
        constants += [SourceConstant("GAMMA", policy.gamma, "gamma (float32 value)", "gamma"),
                      SourceConstant("STEP", policy.step, "step", "step")]
        if pjreddie and policy.step > 0:
            lines.append("    # pjreddie: b is a size_t, so b - step wraps around below the step")
            lines.append("    diff = _f32(b - STEP) if b >= STEP else _f32(2 ** 64 - (STEP - b))")
        else:
            lines.append("    diff = _f32(b - STEP)")
        if hankai:
            lines.append("    return BASE_LR / (1.0 + _f32(_exp(_f32(GAMMA * diff))))  # expf: rounded to float")
        else:
            lines.append("    return BASE_LR / (1.0 + _exp(_f32(GAMMA * diff)))")
    elif kind == "sgdr" and not pjreddie:
        constants += [SourceConstant("SGDR_CYCLE", policy.cycle, "sgdr_cycle", "cycle"),
                      SourceConstant("SGDR_MULT", policy.mult, "sgdr_mult", "mult"),
                      SourceConstant("LR_MIN", policy.lr_min, "learning_rate_min (float32 value)", "lr_min")]
        if policy.mult == 1:
            lines.append("    start, cycle = max(0, (b - 1) // SGDR_CYCLE) * SGDR_CYCLE, SGDR_CYCLE")
        else:
            lines += [
                "    start, cycle = 0, SGDR_CYCLE  # cycles [0, c], (c, c + c*mult], ...",
                "    while start + cycle < b:",
                "        start += cycle",
                "        cycle *= SGDR_MULT",
            ]
        lines += [
            f"    phase = _f32(b - start) * {M_PI!r} / cycle  # M_PI" if hankai
            else f"    phase = _f32(b - start) * {SGDR_PI!r} / cycle  # darknet's pi",
            "    return LR_MIN + 0.5 * _f32(BASE_LR - LR_MIN) * (1.0 + math.cos(phase))",
        ]
    else:  # random draws libc rand(); pjreddie has no sgdr
        return None
    return RateSource("\n".join(lines) + "\n", tuple(constants))
