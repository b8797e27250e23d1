"""SSD Caffe's ``plateau`` runs checked against their logs (cfgtools.caffe.plateau_log through cfgtools.logs).

Every log here is written by the test from the fork's rule (weiliu89/caffe, branch
ssd, sgd_solver.cpp ``GetLearningRate``): the rate is base_lr * gamma^k, k grows
at iteration N when no new minimum of the smoothed loss came in the last
plateau_winsize[k] iterations, and the fork prints ``Plateau Status: Iteration N,
step = k`` then. The losses below fall by 0.1 per iteration down to 2.0 at
iteration 10 and stay at 2.5 after it, so with windows 5 and 8 the steps come at
10 + 5 = 15 and 15 + 8 = 23 (worked out by hand).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cfgtools.loading import load
from cfgtools.logs import read_log
from tests.cli_run import run_cli

SOLVER = """net: "train.prototxt"
base_lr: 0.01
lr_policy: "plateau"
gamma: 0.1
plateau_winsize: 5
plateau_winsize: 8
max_iter: 40
display: 1
average_loss: 1
"""
STEPS = (15, 23)
PREFIX = "I1201 10:00:02.000000  100 "


def loss(i: int, flat: float = 2.5) -> float:
    return 3.0 - 0.1 * i if i <= 10 else flat


def rate(i: int, steps=STEPS) -> float:
    return 0.01 * 0.1 ** sum(1 for s in steps if s <= i)


def log_text(iterations=range(40), *, status=STEPS, rates=rate, display: int = 1, solver: bool = True,
             resume: str | None = None, flat: float = 2.5, first_step: int = 1, losses=None) -> str:
    """A Caffe log as the SSD fork prints it (solver.cpp, sgd_solver.cpp); ``status``: the Plateau Status lines."""
    lines = [PREFIX + "caffe.cpp:200] Use GPU with device ID 0"]
    if solver:
        lines.append(PREFIX + "solver.cpp:48] Initializing solver from parameters: ")
        lines += SOLVER.splitlines()
    if resume:
        lines.append(PREFIX + f"caffe.cpp:250] Resuming from {resume}")
    lines.append(PREFIX + "solver.cpp:300] Solving Net")
    step = first_step - 1
    for i in iterations:
        shown = i % display == 0
        if shown:
            value = losses(i) if losses is not None else loss(i, flat)
            lines.append(PREFIX + f"solver.cpp:228] Iteration {i}, loss = {value:g}")
        if i in status:
            step += 1
            lines.append(PREFIX + f"sgd_solver.cpp:70] Plateau Status: Iteration {i}, step = {step}")
        if shown:
            lines.append(PREFIX + f"sgd_solver.cpp:106] Iteration {i}, lr = {rates(i):g}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def solver(tmp_path: Path) -> Path:
    path = tmp_path / "solver.prototxt"
    path.write_text(SOLVER)
    return path


def reading(tmp_path: Path, text: str, solver: Path | None = None, fork: str | None = "ssd"):
    log = tmp_path / "train.log"
    log.write_text(text)
    config = load(solver, {"caffe": fork} if fork else None) if solver is not None else None
    return read_log(log, config, dialects={"caffe": fork} if fork else None)


def rate_checks(result) -> tuple[int, int]:
    checks = [c for c in result.report.checks.values() if c.skipped is None]
    return sum(c.compared for c in checks), sum(c.agreed for c in checks)


def test_the_status_lines_give_the_steps(tmp_path, solver):
    result = reading(tmp_path, log_text(), solver)
    assert rate_checks(result) == (40, 40)
    assert "plateau steps from the log's Plateau Status lines" in result.against
    assert result.report.findings == []


def test_without_status_lines_the_rule_is_replayed_on_the_logged_losses(tmp_path, solver):
    result = reading(tmp_path, log_text(status=()), solver)
    assert rate_checks(result) == (40, 40)
    assert "replayed on the logged smoothed losses" in result.against


def test_a_rate_that_does_not_drop_at_the_step_is_found(tmp_path, solver):
    wrong = log_text(status=(), rates=lambda i: rate(i, (15, 24)))  # the run stepped one iteration late
    result = reading(tmp_path, wrong, solver)
    assert rate_checks(result) == (40, 39)
    (finding,) = result.report.findings
    assert finding.iteration == 23


def test_status_lines_the_losses_contradict_are_checked_against_the_losses(tmp_path, solver):
    # the run stepped at 30, not at 23 as the solver's windows say: a different plateau_winsize, or another solver
    late = log_text(status=(15, 30), rates=lambda i: rate(i, (15, 30)))
    result = reading(tmp_path, late, solver)
    assert rate_checks(result) == (40, 33)  # 23..29 disagree
    assert "steps at 15, 23, the Plateau Status lines at 15, 30" in result.against


def test_status_lines_where_the_loss_kept_falling_are_reported(tmp_path, solver):
    # a new minimum at every iteration: the solver's windows never run out, so no step should come
    falling = log_text(losses=lambda i: 5.0 - 0.1 * i)
    result = reading(tmp_path, falling, solver)
    assert rate_checks(result) == (40, 15)  # 0..14 agree; from the claimed step at 15 on, 25 disagree
    assert "steps at no iteration, the Plateau Status lines at 15, 23" in result.against


def test_a_tie_at_print_precision_leaves_the_status_lines_in_charge(tmp_path, solver):
    # flat at exactly the printed minimum: the solver may have seen a new minimum in the 7th digit
    tied = log_text(status=(15, 30), rates=lambda i: rate(i, (15, 30)), flat=2.0)
    result = reading(tmp_path, tied, solver)
    assert rate_checks(result) == (40, 40)
    assert "equal the minimum at 6 digits" in result.against


def test_a_larger_display_uses_the_status_lines(tmp_path, solver):
    result = reading(tmp_path, log_text(display=5), solver)
    assert rate_checks(result) == (8, 8)  # iterations 0, 5, ..., 35


def test_a_resume_keeps_the_steps_of_the_run_before(tmp_path, solver):
    text = log_text(range(20)) + log_text(range(20, 40), status=(23,), resume="snap_iter_20.solverstate",
                                          first_step=2)
    result = reading(tmp_path, text, solver)
    assert len(result.report.segments) == 2
    assert rate_checks(result) == (40, 40)


def test_a_log_that_starts_with_a_resume_counts_the_steps_from_its_first_status_line(tmp_path, solver):
    text = log_text(range(20, 40), status=(23,), resume="snap_iter_20.solverstate", first_step=2)
    assert rate_checks(reading(tmp_path, text, solver)) == (20, 20)


def test_a_resume_with_nothing_to_tell_its_step_is_not_checked(tmp_path, solver):
    text = log_text(range(25, 40), status=(), resume="snap_iter_25.solverstate", rates=lambda i: 0.0001)
    result = reading(tmp_path, text, solver)
    assert rate_checks(result) == (0, 0)
    assert "is not checked" in result.against


def test_the_printed_solver_is_read_as_the_fork_that_trained_with_it(tmp_path):
    result = reading(tmp_path, log_text(), fork=None)
    assert rate_checks(result) == (40, 40)
    assert "read as ssd" in result.against


def test_an_explicit_fork_that_refuses_plateau_is_not_overruled(tmp_path):
    result = reading(tmp_path, log_text(), fork="bvlc")
    assert rate_checks(result) == (0, 0)
    assert "Unknown learning rate policy: plateau" in result.unchecked


def test_cfgtools_log_says_what_the_rates_were_checked_against(tmp_path, solver):
    log = tmp_path / "train.log"
    log.write_text(log_text())
    outcome = run_cli(["log", str(log), "--config", str(solver), "--caffe-fork", "ssd"])
    assert (outcome.code, outcome.err) == (0, "")
    assert "all 40 logged rates agree with solver.prototxt read as ssd (plateau steps from" in outcome.out


def test_a_finding_names_the_plateau_steps_not_a_solver_key(tmp_path, solver):
    # the run stepped at 15 and 24 where the losses say 15 and 23: no stepvalue key holds either
    log = tmp_path / "train.log"
    log.write_text(log_text(status=(), rates=lambda i: rate(i, (15, 24))))
    outcome = run_cli(["log", str(log), "--config", str(solver), "--caffe-fork", "ssd"])
    assert outcome.code == 1
    assert "every logged rate fits plateau steps at 15,24 (checked against 15,23)" in outcome.out
    assert "stepvalue" not in outcome.out
