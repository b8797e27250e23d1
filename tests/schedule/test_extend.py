"""The resume planner (cfgtools.schedule.extend).

Every plan is checked from its own schedule, evaluated by the schedule engine at every update from
the resume to the new end. The rate a plan must continue from and the rate it must end at are
computed here from the *old* schedule (darknet: the last update before the checkpoint uses
``rate(s)``, the first after it ``rate(s + 1)``; Caffe: ``lr(s - 1)`` and ``lr(s)`` with the restored
multistep index, simulated iteration by iteration below), never taken from the plan's report.
Expected parameter values are closed forms of the reference formulas (darknet reference section c,
Caffe reference section 2).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cfgtools.caffe.schedule import caffe_schedule
from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.errors import InputError
from cfgtools.loading import load_schedule
from cfgtools.schedule.evaluate import evaluate
from cfgtools.schedule.extend import (
    PARAMETERS,
    ExtendRefused,
    ZeroRateAtResume,
    allowed_parameters,
    decays,
    parameters_of_keys,
    plan_extension,
    plan_restart,
    rewind_iteration,
)
from cfgtools.schedule.model import (
    BurnIn,
    Constant,
    Exp,
    Inv,
    MultiStep,
    Poly,
    Random,
    Schedule,
    Sgdr,
    Sigmoid,
    Step,
    Steps,
)

TOL = 1e-6
f32 = np.float32


def rate(schedule: Schedule, iteration: int, resume=None) -> float:
    return float(evaluate(schedule, np.asarray([iteration]), resume=resume)[0])


def caffe_current_step(stepvalues, iterations: int) -> int:
    """Caffe's current_step_ after ``iterations`` iterations, one GetLearningRate call at a time."""
    current = 0
    for i in range(iterations):
        if current < len(stepvalues) and i >= stepvalues[current]:
            current += 1
    return current


def relative(value: float, goal: float) -> float:
    if goal == 0:
        return 0.0 if value == 0 else math.inf
    return abs(value / goal - 1.0)


def one_float_step(value: float, direction: float) -> float:
    return float(np.nextafter(f32(value), f32(direction * np.inf)))


def resolution(plan, first: int, end: int, resume) -> float:
    """How far one float32 step (one unit for an int) of any shape parameter of the plan moves the
    first rate or ``lr(end) / lr(first)``: a plan that is not exact must be within this of its goals."""

    def rates(schedule):
        return evaluate(schedule, np.asarray([first, end]), resume=resume).astype(np.float64)

    def moved_by(schedule):
        lrs = rates(schedule)
        return max(abs(lrs[0] / here[0] - 1.0), abs(lrs[1] / lrs[0] / (here[1] / here[0]) - 1.0))

    here = rates(plan.schedule)
    worst = 0.0
    policy = plan.schedule.policy
    for name in ("gamma", "power", "step", "scales"):
        if not hasattr(policy, name) or (name == "scales" and not policy.scales):
            continue
        value = getattr(policy, name)
        for direction in (-1.0, 1.0):
            if isinstance(value, list):
                moved = value[:-1] + [one_float_step(value[-1], direction)]
            elif isinstance(value, int):
                moved = value + int(direction)
                if moved == 0:  # step=0 is a crash in both frameworks, not a neighbour
                    continue
            else:
                moved = one_float_step(value, direction)
            other = plan.schedule.model_copy(update={"policy": policy.model_copy(update={name: moved})})
            worst = max(worst, moved_by(other))
    return TOL + worst


def check_plan(old: Schedule, plan, s: int, new_end: int, *, current_step=None, reference=None, target=None):
    """Continuity, monotonicity and the end condition, from the plan's schedule alone."""
    darknet = old.framework == "darknet"
    first = s + 1 if darknet else s
    resume = None
    if not darknet:
        if current_step is None:
            current_step = caffe_current_step(old.policy.stepvalues, s) if old.policy.kind == "multistep" else 0
        resume = (s, current_step)
    burn_in = old.burn_in.iterations if darknet and old.burn_in is not None else 0
    warm_up = first < burn_in
    if reference is None:
        # inside burn-in the warm-up continues; otherwise the last update before the checkpoint
        reference = rate(old, first if warm_up or s == 0 else (s if darknet else s - 1), resume)
    if target is None:
        target = f32(old.policy.lr_min) if old.policy.kind == "sgdr" else rate(old, old.horizon, resume)
    schedule = plan.schedule
    assert schedule.horizon == new_end and schedule.framework == old.framework and schedule.policy.kind == \
        old.policy.kind
    for value in _float_parameters(schedule):  # what the framework stores: C floats
        assert float(f32(value)) == value
    iterations = np.arange(first, new_end + 1)
    lrs = evaluate(schedule, iterations, resume=resume).astype(np.float64)
    assert np.all(np.isfinite(lrs))
    # the report says what the schedule does
    assert plan.after_lr == lrs[0] and plan.end_lr == lrs[-1] and plan.first_update == first
    assert plan.reference_lr == pytest.approx(reference, rel=1e-12, abs=0)
    # 1. continuity
    continuity = relative(lrs[0], reference)
    # 2. monotonicity, from the end of burn-in
    level = rate(old, burn_in) if warm_up else reference
    tail = lrs[max(0, burn_in - first):]
    steps = np.diff(tail)
    if target < level * (1 - TOL):
        assert np.all(steps <= 0), "the rate rises after the resume"
        if not warm_up:
            assert lrs[0] <= reference * (1 + TOL)
    elif target > level * (1 + TOL):
        assert np.all(steps >= 0), "the rate falls in a rising plan"
    else:
        assert np.all(steps <= 0) or np.all(steps >= 0)
    # 3. the end
    end = relative(lrs[-1], target)
    if reference > 0:
        assert plan.residual == pytest.approx(lrs[0] / reference - 1.0, abs=1e-12)
    if target > 0:
        assert plan.end_residual == pytest.approx(lrs[-1] / target - 1.0, abs=1e-12)
    exact = continuity <= TOL and end <= TOL
    assert plan.exact == exact
    if not exact:  # only float32 resolution may be missing
        bound = resolution(plan, first, new_end, resume)
        assert continuity <= bound and end <= bound, (continuity, end, bound)
    return lrs


def _float_parameters(schedule: Schedule):
    yield schedule.base_lr
    for name in ("gamma", "power", "lr_min"):
        if hasattr(schedule.policy, name):
            yield getattr(schedule.policy, name)
    yield from getattr(schedule.policy, "scales", [])
    if schedule.burn_in is not None:
        yield schedule.burn_in.power


def write_cfg(directory: Path, name: str, body: str, max_batches: int) -> Path:
    path = directory / f"{name}.cfg"
    path.write_text("[net]\nbatch=64\nsubdivisions=16\nwidth=416\nheight=416\nchannels=3\n"
                    f"learning_rate=0.01\nmax_batches={max_batches}\n{body}")
    return path


def write_solver(directory: Path, name: str, body: str, max_iter: int) -> Path:
    path = directory / f"{name}.prototxt"
    path.write_text(f'net: "train_val.prototxt"\nbase_lr: 0.01\nmax_iter: {max_iter}\nmomentum: 0.9\n{body}')
    return path


# ----------------------------------------------------------------------------- the two darknet scenarios of issue 13


@pytest.fixture
def poly_392480(tmp_path) -> Schedule:
    return load_schedule(write_cfg(tmp_path, "old", "policy=poly\npower=4\n", 392480))


def test_longer_poly_plans_lower_base_rate_then_higher_power(poly_392480):
    s, new_end = 300_019, 592_480
    plans = plan_extension(poly_392480, s, new_end)
    assert [plan.changed for plan in plans] == [("base_lr", "horizon"), ("horizon", "power")]
    # darknet: 0.01 * (1 - b/max_batches)^4; continuity at update 300020 with max_batches 592480
    before = 0.01 * (1 - s / 392_480) ** 4
    after_factor = 1 - (s + 1) / new_end
    # just raising max_batches multiplies the rate by 19.3 (issue 13)
    assert 0.01 * after_factor ** 4 / before == pytest.approx(19.28, abs=0.01)
    lower, steeper = plans
    assert lower.schedule.base_lr == pytest.approx(before / after_factor ** 4, rel=1e-6)
    assert f"{lower.schedule.base_lr:.6g}" == "0.000518792"  # the value issue 13 quotes
    assert steeper.schedule.base_lr == float(f32(0.01))
    assert steeper.schedule.policy.power == pytest.approx(math.log(before / 0.01) / math.log(after_factor),
                                                          rel=1e-6)
    assert steeper.schedule.policy.power == pytest.approx(8.19, abs=0.005)
    for plan in plans:
        lrs = check_plan(poly_392480, plan, s, new_end)
        assert lrs[-1] == 0.0 and plan.end_lr == 0.0  # rate(max_batches) is exactly 0
        assert plan.changes[0].key in ("learning_rate", "max_batches")
    # the higher power decays faster at first: halfway it is below the lower-base-rate plan
    halfway = (s + 1 + new_end) // 2
    assert rate(steeper.schedule, halfway) < rate(lower.schedule, halfway)


@pytest.fixture
def poly_700000(tmp_path) -> Schedule:
    return load_schedule(write_cfg(tmp_path, "old", "policy=poly\npower=4\n", 700000))


def test_finished_poly_needs_a_start_rate_or_a_rewind(poly_700000):
    with pytest.raises(ZeroRateAtResume) as refused:
        plan_extension(poly_700000, 700_000, 1_000_000)
    assert refused.value.iteration == 700_000 and refused.value.rate == 0.0
    assert "start rate" in str(refused.value) and "rewind" in str(refused.value)
    assert "\n" not in str(refused.value) and str(refused.value).startswith(poly_700000.source)


def test_finished_poly_planned_from_the_rate_the_user_restarted_with(poly_700000):
    # learning_rate=0.02, max_batches=1000000 gives 0.02 * (1 - 700001/1e6)^4 at the first update
    start = 0.02 * (1 - 700_001 / 1_000_000) ** 4
    assert start == pytest.approx(1.62e-4, rel=1e-3)
    plans = plan_extension(poly_700000, 700_000, 1_000_000, start_lr=start)
    assert [plan.changed for plan in plans] == [("base_lr", "horizon"), ("horizon", "power")]
    for plan in plans:
        check_plan(poly_700000, plan, 700_000, 1_000_000, reference=start, target=0.0)
    assert plans[0].schedule.base_lr == pytest.approx(0.02, rel=1e-6)  # continuous: what the user wrote
    # the note says which point of the old annealing that is: 0.01 * (1 - b/700000)^4 = start
    rewound = 700_000 * (1 - (start / 0.01) ** 0.25)
    assert any(f"iteration {math.floor(rewound)}" in note or f"iteration {math.ceil(rewound)}" in note
               for note in plans[0].notes)


def test_finished_poly_planned_from_a_rewind(poly_700000):
    plans = plan_extension(poly_700000, 700_000, 1_000_000, rewind_to=450_000)
    start = rate(poly_700000, 450_000)
    assert start == pytest.approx(0.01 * (5 / 14) ** 4, rel=1e-6)  # 1 - 450000/700000 = 5/14
    for plan in plans:
        check_plan(poly_700000, plan, 700_000, 1_000_000, reference=start, target=0.0)
    assert plans[0].schedule.base_lr == pytest.approx(start / (1 - 700_001 / 1_000_000) ** 4, rel=1e-6)


def test_rewind_iteration_inverts_a_decaying_schedule(poly_700000):
    lr = 1.62e-4
    closed = 700_000 * (1 - (lr / 0.01) ** 0.25)  # 0.01 * (1 - b/700000)^4 = lr
    found = rewind_iteration(poly_700000, lr)
    assert abs(found - closed) <= 1
    assert rate(poly_700000, found) >= lr > rate(poly_700000, found + 1)
    assert rewind_iteration(poly_700000, 1.0) is None  # above the first update's rate


# ----------------------------------------------------------------------------- every policy x resume x new end

H = 1000
DARKNET = {
    "constant": ("policy=constant\nburn_in=100\n", H, "alexeyab"),
    "step": ("policy=step\nstep=100\nscale=0.5\n", H, "alexeyab"),
    "steps": ("policy=steps\nsteps=600,800\nscales=.1,.1\nburn_in=100\n", H, "alexeyab"),
    "steps-pjreddie": ("policy=steps\nsteps=600,800\nscales=.1,.1\n", H, "pjreddie"),
    "exp": ("policy=exp\ngamma=0.998\n", H, "alexeyab"),
    "poly": ("policy=poly\npower=4\nburn_in=100\n", H, "alexeyab"),
    "poly-pjreddie": ("policy=poly\npower=2\n", H, "pjreddie"),
    "sigmoid": ("policy=sigmoid\ngamma=0.01\nstep=500\n", H, "alexeyab"),
    "sgdr": ("policy=sgdr\nlearning_rate_min=0.00001\n", H, "alexeyab"),  # one cycle of max_batches
    "sgdr-cycles": ("policy=sgdr\nsgdr_cycle=100\nsgdr_mult=2\nlearning_rate_min=0.00001\n", 1500, "alexeyab"),
}
CAFFE = {
    "fixed": ('lr_policy: "fixed"\n', H),
    "step": ('lr_policy: "step"\nstepsize: 100\ngamma: 0.5\n', H),
    "exp": ('lr_policy: "exp"\ngamma: 0.998\n', H),
    "inv": ('lr_policy: "inv"\ngamma: 0.001\npower: 0.75\n', H),
    "multistep": ('lr_policy: "multistep"\ngamma: 0.1\nstepvalue: 300\nstepvalue: 600\nstepvalue: 800\n', H),
    "poly": ('lr_policy: "poly"\npower: 0.9\n', H),
    "sigmoid": ('lr_policy: "sigmoid"\ngamma: 0.01\nstepsize: 500\n', H),
}
CASES = [("darknet", name) for name in DARKNET] + [("caffe", name) for name in CAFFE]


def old_schedule(directory: Path, framework: str, name: str) -> Schedule:
    if framework == "darknet":
        body, horizon, dialect = DARKNET[name]
        return load_schedule(write_cfg(directory, name, body, horizon), dialect)
    body, horizon = CAFFE[name]
    return load_schedule(write_solver(directory, name, body, horizon))


@pytest.mark.parametrize("longer", [True, False], ids=["longer", "shorter"])
@pytest.mark.parametrize("where", ["start", "middle", "end"])
@pytest.mark.parametrize("framework,name", CASES, ids=[f"{f}-{n}" for f, n in CASES])
def test_every_policy_resumes_smoothly(tmp_path, framework, name, where, longer):
    old = old_schedule(tmp_path, framework, name)
    horizon = old.horizon
    s = {"start": horizon // 20, "middle": horizon // 2, "end": horizon - horizon // 20}[where]
    new_end = horizon + horizon // 2 if longer else s + (horizon - s) // 2
    plans = plan_extension(old, s, new_end)
    assert plans
    fewest = len(plans[0].changed)
    for plan in plans:
        assert len(plan.changed) == fewest
        check_plan(old, plan, s, new_end)


def test_table_covers_every_policy_of_both_frameworks():
    darknet = {DARKNET[name][0].split("policy=")[1].split("\n")[0] for name in DARKNET}
    caffe = {re.search(r'lr_policy: "(\w+)"', CAFFE[name][0]).group(1) for name in CAFFE}
    assert darknet == {"constant", "step", "steps", "exp", "poly", "sigmoid", "sgdr"}  # random: refused below
    assert caffe == {"fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid"}


# ----------------------------------------------------------------------------- policy details


def test_steps_stretch_the_remaining_steps_and_keep_the_passed_ones(tmp_path):
    old = old_schedule(tmp_path, "darknet", "steps")  # steps=600,800 scales=.1,.1, max_batches 1000
    # a new end past step 800 keeps the steps: 800 still fires before it
    assert [plan.changed for plan in plan_extension(old, 700, 850)] == [("horizon",)]
    plans = plan_extension(old, 700, 760)
    assert [plan.strategy for plan in plans] == ["stretch the remaining steps to the new end"]
    # 600 was passed and stays; 800 moves to 700 + (800 - 700) * (760 - 700) / (1000 - 700) = 720
    assert plans[0].schedule.policy.steps == [600, 720]
    assert plans[0].schedule.policy.scales == [float(f32(0.1))] * 2
    check_plan(old, plans[0], 700, 760)


def test_steps_past_every_step_only_need_the_horizon(tmp_path):
    old = old_schedule(tmp_path, "darknet", "steps")
    (plan,) = plan_extension(old, 900, 2000)
    assert plan.changed == ("horizon",)
    check_plan(old, plan, 900, 2000)


def test_steps_to_a_lower_end_rate_get_new_steps_after_the_resume_point(tmp_path):
    old = old_schedule(tmp_path, "darknet", "steps")
    target = 0.01 * 0.01 * 0.001  # three more decades below the old end
    (plan,) = plan_extension(old, 900, 2000, end_lr=target)
    steps, scales = plan.schedule.policy.steps, plan.schedule.policy.scales
    assert steps[:2] == [600, 800] and scales[:2] == [float(f32(0.1))] * 2
    assert len(steps) == 5 and all(901 < step <= 2000 for step in steps[2:])  # one per decade
    check_plan(old, plan, 900, 2000, target=target)


def test_caffe_multistep_restored_index_from_the_reference(tmp_path):
    # Caffe reference section 4: stepvalue {50, 150} snapshotted at iteration 100 with current_step 1
    old = load_schedule(write_solver(tmp_path, "a", 'lr_policy: "multistep"\ngamma: 0.5\nstepvalue: 50\n'
                                                   'stepvalue: 150\n', 200))
    assert caffe_current_step([50, 150], 100) == 1
    # a longer run keeps the stepvalues: 150 is still ahead of the restored index
    (kept,) = plan_extension(old, 100, 400, current_step=1)
    assert kept.changed == ("horizon",) and kept.resume == (100, 1)
    check_plan(old, kept, 100, 400, current_step=1)
    # a shorter one moves 150 to 100 + (150 - 100) * (130 - 100) / (200 - 100) = 115; 50 stays (passed)
    (plan,) = plan_extension(old, 100, 130, current_step=1)
    assert plan.schedule.policy.stepvalues == [50, 115]
    lrs = check_plan(old, plan, 100, 130, current_step=1)
    assert lrs[0] == f32(0.01 * 0.5) and lrs[-1] == f32(0.01 * 0.25)
    assert plan_extension(old, 100, 130) == [plan]  # by default: the index an uninterrupted run had


def test_caffe_step_never_reaches_its_target_only_at_max_iter(tmp_path):
    old = old_schedule(tmp_path, "caffe", "step")
    for plan in plan_extension(old, 500, 1500):
        # the last update (max_iter - 1) already uses the end rate
        assert rate(plan.schedule, 1499) == rate(plan.schedule, 1500)


def test_sgdr_ends_one_cycle_at_the_new_end_at_lr_min(tmp_path):
    old = old_schedule(tmp_path, "darknet", "sgdr-cycles")  # cycles end at 100, 300, 700, 1500
    (plan,) = plan_extension(old, 1000, 2000)
    assert plan.schedule.policy.cycle == 2000 and plan.end_lr == float(f32(0.00001))
    check_plan(old, plan, 1000, 2000)
    # a new end that already closes the current cycle keeps the cycles
    (kept,) = plan_extension(old, 1000, 1500)
    assert kept.schedule.policy.cycle == 100 and "cycle" not in kept.changed
    check_plan(old, kept, 1000, 1500)


def test_resume_inside_burn_in_continues_the_warm_up(tmp_path):
    old = old_schedule(tmp_path, "darknet", "poly")  # burn_in=100, power=4
    (plan,) = plan_extension(old, 50, 2000)
    assert plan.changed == ("horizon",)  # base rate, power and burn_in untouched
    assert plan.after_lr == rate(old, 51) == f32(f32(0.01) * (51 / 100) ** 4)
    check_plan(old, plan, 50, 2000)
    assert any("burn-in" in note for note in plan.notes)


def test_power_change_notes_that_it_is_burn_ins_exponent_too(tmp_path):
    old = old_schedule(tmp_path, "darknet", "poly")
    power = [plan for plan in plan_extension(old, 500, 1500) if "power" in plan.changed]
    assert power and power[0].schedule.burn_in.power == power[0].schedule.policy.power
    assert any("burn-in" in note for note in power[0].notes)


def test_gpu_count_change_rescales_the_base_rate(tmp_path):
    old = load_schedule(write_cfg(tmp_path, "c", "policy=constant\n", 1000), gpus=1)
    (plan,) = plan_extension(old, 500, 1000, gpus=4)
    assert plan.schedule.gpus == 4 and plan.changed == ("base_lr",)
    assert plan.schedule.base_lr == pytest.approx(0.01 / 4, rel=1e-7)
    assert plan.after_lr == pytest.approx(rate(old, 500), rel=TOL)


def test_keys_are_the_frameworks_own(tmp_path):
    darknet = old_schedule(tmp_path, "darknet", "step")
    keys = {change.name: change.key for plan in plan_extension(darknet, 500, 1500) for change in plan.changes}
    assert keys["gamma"] == "scale" and keys["horizon"] == "max_batches"
    caffe = old_schedule(tmp_path, "caffe", "step")
    keys = {change.name: change.key for plan in plan_extension(caffe, 500, 1500) for change in plan.changes}
    assert keys["horizon"] == "max_iter" and keys["step"] == "stepsize" and keys["base_lr"] == "base_lr"


def test_allowed_parameters_restrict_the_plans(poly_392480):
    (plan,) = plan_extension(poly_392480, 300_019, 592_480, allowed={"horizon", "power"})
    assert plan.changed == ("horizon", "power")
    with pytest.raises(ExtendRefused, match="would change base_lr"):
        plan_extension(poly_392480, 300_019, 592_480, allowed={"horizon", "gamma"})
    with pytest.raises(ExtendRefused, match="max_batches"):
        plan_extension(poly_392480, 300_019, 592_480, allowed={"base_lr", "power"})
    with pytest.raises(ExtendRefused, match="unknown parameter"):
        plan_extension(poly_392480, 300_019, 592_480, allowed={"learning_rate"})
    assert set(PARAMETERS) >= {"base_lr", "horizon", "power", "steps", "stepvalues", "burn_in"}


def test_end_fraction_is_of_the_configured_rate(tmp_path):
    old = old_schedule(tmp_path, "caffe", "exp")
    plans = plan_extension(old, 500, 1500, end_fraction=0.001)
    assert plans
    for plan in plans:
        check_plan(old, plan, 500, 1500, target=float(f32(0.01)) * 0.001)


# ----------------------------------------------------------------------------- refusals: one line, with the reason


def make(framework: str, base_lr: float, policy, horizon: int, **fields) -> Schedule:
    """A schedule with its framework's arithmetic (``fields``: darknet's dialect, gpus, burn_in)."""
    if framework == "darknet":
        return darknet_schedule(fields.pop("dialect", "alexeyab"), base_lr, policy, horizon, **fields)
    return caffe_schedule(base_lr, policy, horizon)


def schedule(policy, framework="darknet", horizon=1000, **fields) -> Schedule:
    return make(framework, float(f32(0.01)), policy, horizon, **fields)


@pytest.mark.parametrize("old,s,new_end,kwargs,message", [
    (schedule(Random(power=2.0)), 500, 1500, {}, "at random at every update"),
    (schedule(Poly(power=4.0, max_iter=1000)), 500, 500, {}, "nothing would train"),
    (schedule(Poly(power=4.0, max_iter=1000)), 1200, 1500, {}, "past the end"),
    (schedule(Poly(power=4.0, max_iter=1000)), -1, 1500, {}, "negative"),
    (schedule(Exp(gamma=0.99)), 500, 1500, {"end_lr": 1.0}, "would make it rise"),
    (schedule(Poly(power=4.0, max_iter=1000)), 500, 1500, {"end_lr": 1e-5}, "poly is 0 at max_batches"),
    (schedule(Poly(power=4.0, max_iter=1000)), 500, 1500, {"end_lr": 1e-3, "end_fraction": 0.1}, "not both"),
    (schedule(Poly(power=4.0, max_iter=1000)), 1000, 1500, {"start_lr": 1e-3, "rewind_to": 10}, "not both"),
    (schedule(Poly(power=4.0, max_iter=1000)), 1000, 1500, {"rewind_to": 2000}, "rewind iteration"),
    (schedule(Poly(power=4.0, max_iter=1000)), 500, 2**31, {}, "int"),
    (schedule(Poly(power=4.0, max_iter=1000), burn_in=BurnIn(iterations=800, power=4.0)), 100, 700, {},
     "inside burn-in"),
    (schedule(Step(step=100, gamma=0.5)), 99, 100, {"end_lr": 0.001}, "only one update"),
    (schedule(Constant()), 500, 1500, {"end_lr": 0.001}, "no plan"),
    (schedule(Steps(steps=[100, 200], scales=[0.1, 0.0])), 500, 1500, {"start_lr": 1e-4}, "scale of 0"),
    (schedule(Sgdr(cycle=100, mult=2, lr_min=0.0), dialect="pjreddie"), 50, 150, {}, "no sgdr"),
])
def test_refusals_are_one_line_with_the_reason(old, s, new_end, kwargs, message):
    old = old.model_copy(update={"source": "old.cfg"})
    with pytest.raises(ExtendRefused) as refused:
        plan_extension(old, s, new_end, **kwargs)
    assert isinstance(refused.value, InputError)
    text = str(refused.value)
    assert message in text and "\n" not in text and text.startswith("old.cfg:1:1: ")


def test_a_rising_schedule_may_continue_from_zero():
    # Caffe sigmoid rises from 0 (expf overflows to inf below the step): no start rate is needed
    old = schedule(Sigmoid(gamma=float(f32(0.2)), step=900), framework="caffe")
    assert rate(old, 99) == 0.0
    plans = plan_extension(old, 100, 1500)
    for plan in plans:
        check_plan(old, plan, 100, 1500)


# ----------------------------------------------------------------------------- property test


def finite_f32(low: float, high: float):
    return st.floats(low, high).map(lambda x: float(f32(x)))


@st.composite
def resumes(draw):
    """A random schedule of either framework, a resume point and a new end."""
    framework = draw(st.sampled_from(["darknet", "caffe"]))
    horizon = draw(st.integers(20, 3000))
    kinds = ["constant", "step", "steps", "exp", "poly", "sigmoid", "sgdr"] if framework == "darknet" else \
        ["constant", "step", "exp", "inv", "multistep", "poly", "sigmoid"]
    kind = draw(st.sampled_from(kinds))
    positions = st.lists(st.integers(1, horizon + horizon // 4), min_size=1, max_size=4, unique=True).map(sorted)
    if kind == "constant":
        policy = Constant()
    elif kind == "step":
        policy = Step(step=draw(st.integers(1, horizon)), gamma=draw(finite_f32(0.05, 0.95)))
    elif kind == "steps":
        steps = draw(positions)
        policy = Steps(steps=steps, scales=draw(st.lists(finite_f32(0.05, 0.9), min_size=len(steps),
                                                         max_size=len(steps))))
    elif kind == "multistep":
        policy = MultiStep(stepvalues=draw(positions), gamma=draw(finite_f32(0.05, 0.9)))
    elif kind == "exp":
        policy = Exp(gamma=float(f32(1 - 10 ** draw(st.floats(-5, -1.5)))))
    elif kind == "poly":
        policy = Poly(power=draw(finite_f32(0.3, 6)), max_iter=horizon)
    elif kind == "inv":
        policy = Inv(gamma=float(f32(10 ** draw(st.floats(-5, -1)))), power=draw(finite_f32(0.2, 2)))
    elif kind == "sigmoid":
        policy = Sigmoid(gamma=float(f32(10 ** draw(st.floats(-3, -0.5)))), step=draw(st.integers(1, horizon)))
    else:
        policy = Sgdr(cycle=draw(st.sampled_from([horizon, draw(st.integers(5, horizon))])),
                      mult=draw(st.integers(1, 3)), lr_min=float(f32(draw(st.sampled_from([0.0, 1e-5, 1e-4])))))
    fields = {}
    if framework == "darknet":
        fields["dialect"] = "alexeyab" if kind == "sgdr" else draw(st.sampled_from(["alexeyab", "pjreddie"]))
        fields["gpus"] = draw(st.sampled_from([1, 2, 4]))
        if draw(st.booleans()):
            fields["burn_in"] = BurnIn(iterations=draw(st.integers(1, horizon // 3 + 1)),
                                       power=draw(st.sampled_from([1.0, 2.0, 4.0])))
    old = make(framework, float(f32(10 ** draw(st.floats(-4, -1)))), policy, horizon, **fields)
    s = draw(st.integers(1, horizon))
    new_end = draw(st.integers(s + 1, s + 1 + horizon))
    return old, s, new_end


#: what a refusal may say: every reason is a documented limit of the framework or of the request
REFUSALS = re.compile(
    r"continuing it means training at 0|would make it rise|no plan resumes|inside burn-in|only one update|"
    r"poly is 0 at")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(resumes())
def test_property_every_plan_is_continuous_monotone_and_reaches_the_end(case):
    old, s, new_end = case
    try:
        plans = plan_extension(old, s, new_end)
    except ExtendRefused as refused:
        assert REFUSALS.search(str(refused)), str(refused)
        assert "\n" not in str(refused)
        return
    assert plans
    for plan in plans:
        check_plan(old, plan, s, new_end)


# ----------------------------------------------------------------------------- restarts, keys, trends


def test_restart_warms_up_again_then_continues_from_the_checkpoints_rate(tmp_path):
    old = old_schedule(tmp_path, "darknet", "poly")  # learning_rate 0.01, burn_in 100, power 4, 1000 batches
    s = 900
    checkpoint_rate = rate(old, s)  # the last update before the checkpoint: 0.01 * (1 - 900/1000)^4
    assert checkpoint_rate == pytest.approx(0.01 * 0.1 ** 4, rel=1e-6)
    plans = plan_restart(old, s, 2000)
    assert [plan.changed for plan in plans] == [("base_lr", "horizon"), ("horizon", "power")]
    for plan in plans:
        # update 100 (the first after the new warm-up) uses the checkpoint's rate, and the rate then decays
        check_plan(old, plan, 99, 2000, reference=checkpoint_rate, target=0.0)
        assert plan.first_update == 100 and "restarts at iteration 0" in plan.notes[0]
        warm = evaluate(plan.schedule, np.arange(1, 100)).astype(np.float64)
        assert np.all(np.diff(warm) >= 0)  # burn-in climbs again


def test_restart_of_a_run_that_ended_at_zero_needs_a_start_rate(tmp_path):
    with pytest.raises(ZeroRateAtResume):  # darknet's poly uses rate(max_batches) = 0 for its last update
        plan_restart(old_schedule(tmp_path, "darknet", "poly"), 1000, 500)
    old = old_schedule(tmp_path, "caffe", "poly")
    (plan, *_) = plan_restart(old, 1000, 500, rewind_to=500)
    # Caffe: no burn-in, the restarted run's first update (iteration 0) uses the old rate of iteration 500
    assert plan.first_update == 0 and plan.after_lr == pytest.approx(rate(old, 500), rel=TOL)


def test_keys_name_the_parameters_a_plan_may_change(tmp_path):
    darknet = old_schedule(tmp_path, "darknet", "poly")
    # power is poly's exponent and burn-in's: one key
    assert parameters_of_keys(darknet, ["learning_rate", "power", "max_batches"]) == {"base_lr", "power", "horizon"}
    assert parameters_of_keys(darknet, ["scales"]) == {"steps"}
    assert allowed_parameters(darknet, change=["power"]) == {"power", "horizon"}
    assert allowed_parameters(darknet, keep=["learning_rate"]) == set(PARAMETERS) - {"base_lr"}
    caffe = old_schedule(tmp_path, "caffe", "step")
    assert parameters_of_keys(caffe, ["stepsize", "base_lr"]) == {"step", "base_lr"}
    with pytest.raises(ExtendRefused, match="'learning_rate' is not a setting a plan may change"):
        parameters_of_keys(caffe, ["learning_rate"])


@pytest.mark.parametrize("policy,framework,expected", [
    (Poly(power=4.0, max_iter=1000), "darknet", True),
    (Poly(power=-1.0, max_iter=1000), "darknet", False),
    (Steps(steps=[10, 20], scales=[0.1, 10.0]), "darknet", False),
    (Steps(steps=[10, 20], scales=[0.1, 0.0]), "darknet", True),
    (Sgdr(cycle=100, mult=2, lr_min=0.0), "darknet", False),
    (Sigmoid(gamma=0.01, step=500), "darknet", True),  # darknet: exp(+gamma (b - step)), a decay
    (Sigmoid(gamma=0.01, step=500), "caffe", False),  # Caffe: exp(-gamma (i - step)), a rise
    (Exp(gamma=0.99), "caffe", True),
    (Inv(gamma=0.001, power=0.75), "caffe", True),
])
def test_decays_from_the_policys_parameters(policy, framework, expected):
    assert decays(schedule(policy, framework)) is expected


def test_decays_knows_pjreddies_sigmoid_is_zero_before_its_step():
    assert decays(schedule(Sigmoid(gamma=0.01, step=500), dialect="pjreddie")) is False


def test_rewind_starts_after_burn_in(tmp_path):
    old = old_schedule(tmp_path, "darknet", "poly")  # burn_in=100: the rate climbs from 0 first
    found = rewind_iteration(old, 0.005)
    closed = 1000 * (1 - (0.005 / 0.01) ** 0.25)  # 0.01 * (1 - b/1000)^4 = 0.005
    assert abs(found - closed) <= 1 and found > 100
