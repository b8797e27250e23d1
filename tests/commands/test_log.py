"""``cfgtools log`` end to end (in process): the issue's scenarios, faults injected into clean logs, the
shared corpus, every output form and bad input.

Expected numbers come from the tests' own formulas (tests/trainlog/trainlog_helpers.py) and from
counting the log's lines with plain patterns, never from cfgtools' output.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import re
from pathlib import Path

import pytest

from cfgtools.cli import main
from tests.cli_run import check, run_cli
from tests.trainlog.trainlog_helpers import (
    FIXTURES,
    ab_detector_rate,
    darknet_rate,
    edit_rows,
    line_of,
    pj_detector_rate,
)

GOOGLENET = FIXTURES / "googlenet_finetune_2016.log"
PJ_LOG = (FIXTURES / "pj_detector.log").read_text()
AB_LOG = (FIXTURES / "ab_detector.log").read_text()
PJ_CFG = FIXTURES / "pj_detector.cfg"
AB_CFG = FIXTURES / "ab_detector.cfg"
#: a darknet iteration line (both forks, detector and classifier)
DARKNET_ITERATION = re.compile(rb"(\d+)(?:, [\d.]+)?: \S+, \S+ avg")
#: a Caffe line that names an iteration
CAFFE_ITERATION = re.compile(rb"\] Iteration (\d+)[ ,]")
ONE_LINE_ERROR = r"[^\n]+:\d+:\d+: [^\n]+\n"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(["log", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def written(tmp_path: Path, text: str, name: str = "train.log") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def row_line(text: str, iteration: int) -> int:
    """The line of the darknet row of ``iteration`` (it starts the line, after AlexeyAB's space)."""
    for number, line in enumerate(text.split("\n"), 1):
        if re.match(rf"\s*{iteration}: ", line):
            return number
    raise AssertionError(f"no row {iteration}")


def codes(out: str) -> list[tuple[str, int]]:
    """(code, line) of each text finding."""
    return [(m.group(2), int(m.group(1))) for m in re.finditer(r"^[^\n]+?:(\d+):\d+: (LG\d{3}) ", out, re.MULTILINE)]


# -- issue 12: the GoogLeNet fine-tune -----------------------------------------------------------


def test_googlenet_the_lr_is_the_solvers_and_did_not_cause_the_return(capsys):
    code, out, err = run(capsys, GOOGLENET)
    assert code == 1 and err == ""
    lr_lines = len(re.findall(rb"\] Iteration \d+, lr = ", GOOGLENET.read_bytes()))
    first = out.splitlines()[0]
    assert first == (f"{GOOGLENET}: caffe log, 48 logged iterations in 1 run; all {lr_lines} logged rates agree "
                     "with the Caffe solver printed in the log at 6 significant digits")
    text = GOOGLENET.read_text()
    assert codes(out) == [("LG008", line_of(text, "Iteration 119040, loss = 8.3068")),
                          ("LG012", line_of(text, "Iteration 119400, loss"))]
    assert ("the loss returns to its initial level at iteration 119040: 8.3068 (initial level 8.27; it had fallen "
            "to 2.7); the rate changed smoothly from 0.000922632 (iteration 119000) to 0.000922605 (x0.999971) and "
            "is the config's: the schedule did not cause this") in out
    assert out.endswith("Found 2 problems (0 errors, 1 warning, 1 info).\n")


def test_googlenet_with_its_solver_file(capsys):
    code, out, _ = run(capsys, GOOGLENET, "--config", FIXTURES / "googlenet_finetune.solver.prototxt",
                       "--fail-on", "error")
    assert code == 0
    assert "all 48 logged rates agree with googlenet_finetune.solver.prototxt read as bvlc at 6 significant digits" in out


# -- darknet: with and without the cfg ------------------------------------------------------------


def test_darknet_without_its_cfg_says_the_rates_are_not_checked(capsys):
    # the loss rules ran and found nothing, but the rates were not checked: no "All checks passed!" (issue 10)
    code, out, _ = run(capsys, FIXTURES / "pj_detector.log")
    assert code == 0
    assert out == (f"{FIXTURES / 'pj_detector.log'}: darknet log, 60 logged iterations in 1 run; the logged rates "
                   "are not checked: no darknet cfg was given (--config) and the log prints none\n"
                   "No problems found, but 1 file was only partly checked (see above).\n")


#: the iterations each fixture logs (fixtures/logs/README.md)
FIXTURE_ROWS = {"pj_detector": 60, "ab_detector": 40, "ab_classifier": 20, "hank_detector": 24}


@pytest.mark.parametrize("name, dialect", [("pj_detector", "pjreddie"), ("ab_detector", "alexeyab"),
                                           ("ab_classifier", "alexeyab"), ("hank_detector", "alexeyab")])
def test_clean_fixtures_agree_and_give_no_warning(capsys, name, dialect):
    log = FIXTURES / f"{name}.log"
    code, out, _ = run(capsys, log, "--config", FIXTURES / f"{name}.cfg", "--dialect", dialect)
    rows = FIXTURE_ROWS[name]
    assert code == 0, out
    assert f"all {rows} logged rates agree with {name}.cfg read as {dialect}" in out
    assert out.endswith("All checks passed!\n")


# -- faults injected into clean logs (issue 12's acceptance) --------------------------------------


@pytest.mark.parametrize("gpus", [2, 4])
def test_rates_x_gpus_from_iteration_1(capsys, tmp_path, gpus):
    text = edit_rows(AB_LOG, lambda f: {**f, "rate": f"{ab_detector_rate(int(f['iteration']), gpus):f}",
                                        "images": str(int(f["images"]) * gpus)})
    # the header darknet prints after multiplying: learning_rate 0.002 x gpus
    text = text.replace("Learning Rate: 0.002,", f"Learning Rate: {0.002 * gpus:g},")
    log = written(tmp_path, text)
    code, out, _ = run(capsys, log, "--config", AB_CFG)
    assert code == 1 and codes(out) == [("LG005", line_of(text, "Learning Rate:")), ("LG001", row_line(text, 1))]
    assert f"every logged rate is the config's at {gpus} GPU(s), not 1" in out
    assert f"the images column confirms it ({16 * gpus} images per iteration)" in out
    assert f"help: if the run trained on {gpus} GPUs, check it with --gpus {gpus}" in out
    code, out, _ = run(capsys, log, "--config", AB_CFG, "--gpus", gpus)
    assert code == 0 and f"all 40 logged rates agree with ab_detector.cfg read as alexeyab on {gpus} GPUs" in out


def test_iterations_offset_by_1000(capsys, tmp_path):
    text = edit_rows(PJ_LOG, lambda f: {**f, "iteration": str(int(f["iteration"]) + 1000)})
    code, out, _ = run(capsys, written(tmp_path, text), "--config", PJ_CFG, "--dialect", "pjreddie")
    assert code == 1 and ("LG002", row_line(text, 1001)) in codes(out)
    assert "every logged rate is the config's rate 1000 iterations earlier" in out


@pytest.mark.parametrize("old, new, first, fitted", [
    # the base rate scales the burn-in too: every rate differs; max_batches only the poly part, from burn_in=10
    ("learning_rate=0.001", "learning_rate=0.002", 1, "learning_rate=0.001 (the config says 0.002)"),
    ("max_batches=60", "max_batches=120", 10, "max_batches=60 (the config says 120)"),
])
def test_another_base_rate_or_max_batches_is_fitted(capsys, tmp_path, old, new, first, fitted):
    config = written(tmp_path, PJ_CFG.read_text().replace(old, new), "edited.cfg")
    code, out, _ = run(capsys, FIXTURES / "pj_detector.log", "--config", config, "--dialect", "pjreddie")
    assert code == 1 and ("LG003", row_line(PJ_LOG, first)) in codes(out)
    assert f"every logged rate fits {fitted}" in out


def test_nan_at_iteration_k(capsys, tmp_path):
    text = edit_rows(PJ_LOG, lambda f: {**f, "loss": "-nan"} if int(f["iteration"]) >= 33 else f)
    code, out, _ = run(capsys, written(tmp_path, text), "--config", PJ_CFG, "--dialect", "pjreddie")
    assert code == 1 and codes(out) == [("LG006", line_of(text, "33: -nan"))]
    rate = f"{pj_detector_rate(33):f}".rstrip("0")
    assert "the loss turns NaN at iteration 33" in out and f"the rate there is {rate}" in out
    assert "error" in out.splitlines()[-1] and "1 error" in out


def test_loss_back_to_its_initial_level_at_iteration_k(capsys, tmp_path):
    # the fixture's loss falls from 51 to 11; from 48 on it is back at 50
    text = edit_rows(PJ_LOG, lambda f: {**f, "loss": "50.000000"} if int(f["iteration"]) >= 48 else f)
    code, out, _ = run(capsys, written(tmp_path, text), "--config", PJ_CFG, "--dialect", "pjreddie")
    assert ("LG008", line_of(text, "48: 50.000000")) in codes(out) and code == 1
    assert "the loss returns to its initial level at iteration 48" in out


def test_a_resume_with_a_rate_jump(capsys, tmp_path):
    # the fixture's first 30 rows, then a resume at 31 whose cfg has learning_rate 0.004 (x4 the rate)
    lines = PJ_LOG.split("\n")
    cut = line_of(PJ_LOG, "31: ") - 1
    tail = edit_rows("\n".join(lines[cut:]), lambda f: {
        **f, "rate": f"{darknet_rate(int(f['iteration']), 0.004, burn_in=10, power=2, policy='poly', max_batches=60):f}"})
    text = "\n".join(lines[:cut]) + "\nLoading weights from backup/pj_last.weights...Done!\n" + tail
    code, out, _ = run(capsys, written(tmp_path, text), "--select", "LG010")
    assert code == 1 and codes(out) == [("LG010", line_of(text, "31: "))]
    before, after = pj_detector_rate(30), darknet_rate(31, 0.004, burn_in=10, power=2, policy="poly", max_batches=60)
    printed_before, printed_after = float(f"{before:f}"), float(f"{after:f}")
    assert (f"the rate goes from {printed_before:.6g} (iteration 30) to {printed_after:.6g} (iteration 31), "
            f"x{printed_after / printed_before:.6g}") in out


# -- the shared corpus: every line read, every rate the config's ---------------------------------


def corpus_cases(shared: Path) -> list[tuple[Path, Path, list[str]]]:
    logs = shared / "corpus" / "logs"
    found = []
    for log in sorted((logs / "darknet").glob("*/run.log")):
        command = (log.parent / "command.txt").read_text()
        cfg = next(word for word in command.split() if word.endswith(".cfg"))
        found.append((log, log.parent / cfg, ["--dialect", "pjreddie" if "pj/darknet" in command else "alexeyab"]))
    for log in sorted((logs / "caffe").glob("*.log")):
        solver = log.with_name(log.stem + ".solver.prototxt")
        found.append((log, solver if solver.exists() else log.with_name("multistep_A.resume.prototxt"), []))
    if not found:
        pytest.skip("no logs in the shared corpus")
    return found


def test_every_corpus_log_through_the_cli(shared, tmp_path, capsys):
    for log, config, options in corpus_cases(shared):
        rows_file = tmp_path / (log.parent.name + "-" + log.stem + ".csv")
        code, out, err = run(capsys, log, "--config", config, *options, "--export", rows_file, "--exit-zero")
        assert code == 0 and err == "", (log, err)
        data = log.read_bytes()
        pattern = CAFFE_ITERATION if "caffe" in log.parts else DARKNET_ITERATION
        iterations = [int(n) for n in pattern.findall(data)]
        with rows_file.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        if "caffe" in log.parts:  # a Caffe iteration spans several lines: one row per iteration
            assert sorted({int(r["iteration"]) for r in rows}) == sorted(set(iterations)), log
            rated = [r for r in rows if r["rate"]]
            assert len(rated) == len(re.findall(rb"\] Iteration \d+, lr = ", data)), log
        else:
            assert [int(r["iteration"]) for r in rows] == iterations, log
            rated = rows
        assert all(r["rate_agrees"] == "true" for r in rated), log
        assert f"all {len(rated)} logged rates agree with {config.name}" in out.splitlines()[0], (log, out)


# -- output forms ------------------------------------------------------------------------------------


def test_json_sarif_and_github(capsys):
    code, out, err = run(capsys, GOOGLENET, "--format", "json")
    found = json.loads(out)
    assert code == 1 and [(d["code"], d["path"], d["severity"]) for d in found] == [
        ("LG008", str(GOOGLENET), "warning"), ("LG012", str(GOOGLENET), "info")]
    assert err.startswith(f"cfgtools log: {GOOGLENET}: caffe log, 48 logged iterations")  # the account, off stdout
    code, out, _ = run(capsys, GOOGLENET, "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["LG008", "LG012"]
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 212
    code, out, _ = run(capsys, GOOGLENET, "--format", "github")
    assert out.startswith("::warning file=") and ",line=212," in out and "::notice file=" in out


def test_fail_on_exit_zero_and_select(capsys):
    assert run(capsys, GOOGLENET, "--fail-on", "error")[0] == 0
    assert run(capsys, GOOGLENET, "--fail-on", "info", "--ignore", "LG008")[0] == 1
    assert run(capsys, GOOGLENET, "--ignore", "LG008")[0] == 0
    assert run(capsys, GOOGLENET, "--exit-zero")[0] == 0
    code, out, _ = run(capsys, GOOGLENET, "--select", "LG012")
    assert code == 0 and codes(out) == [("LG012", 257)]


def test_tool_cfgtools_settings_apply(capsys, tmp_path):
    log = written(tmp_path, GOOGLENET.read_text())
    (tmp_path / "pyproject.toml").write_text('[tool.cfgtools]\nignore = ["LG012"]\nseverity = { LG008 = "error" }\n')
    code, out, _ = run(capsys, log)
    assert code == 1 and codes(out) == [("LG008", 212)] and "1 error" in out
    other = tmp_path / "other.toml"
    other.write_text('[tool.cfgtools]\nfail-on = "error"\n')
    assert run(capsys, log, "--settings", other)[0] == 0
    other.write_text('[tool.cfgtools]\nfail-of = "error"\n')
    code, _, err = run(capsys, log, "--settings", other)
    assert code == 2 and "unknown key 'fail-of'" in err


def test_report_file_is_written_atomically_and_never_over_a_file(capsys, tmp_path):
    report = tmp_path / "report.txt"
    code, out, _ = run(capsys, GOOGLENET, "-o", report)
    assert code == 1 and out == "" and report.read_text().startswith(f"{GOOGLENET}: caffe log")
    code, _, err = run(capsys, GOOGLENET, "-o", report)
    assert code == 2 and err == f"cfgtools log: error: {report}: already exists (use --force to overwrite)\n"
    assert run(capsys, GOOGLENET, "-o", report, "--force", "--format", "json")[0] == 1
    assert json.loads(report.read_text())[0]["code"] == "LG008"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".cfgtools-")] == []


# -- export ---------------------------------------------------------------------------------------


def test_export_csv_tsv_json(capsys, tmp_path):
    log = FIXTURES / "pj_detector.log"
    iterations = list(range(1, FIXTURE_ROWS["pj_detector"] + 1))
    for suffix, reader in (("csv", lambda h: list(csv.DictReader(h))),
                           ("tsv", lambda h: list(csv.DictReader(h, delimiter="\t"))),
                           ("json", json.load)):
        target = tmp_path / f"rows.{suffix}"
        assert run(capsys, log, "--config", PJ_CFG, "--dialect", "pjreddie", "--export", target)[0] == 0
        with target.open(newline="") as handle:
            rows = reader(handle)
        assert [int(r["iteration"]) for r in rows] == iterations
        first = rows[0]
        # iteration 1 of the pjreddie fixture: burn-in 0.001 * (1/10)^2, the tests' own formula
        assert float(first["expected_rate"]) == pj_detector_rate(1) and first["rate_agrees"] in ("true", True)


def test_export_to_stdout_moves_the_report_to_stderr(capsys):
    code, out, err = run(capsys, GOOGLENET, "--export", "-", "--export-format", "csv", "--select", "LG012")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 48 and rows[0]["iteration"] == "0"
    assert "all 48 logged rates agree" in err and err.endswith("Found 1 problem (0 errors, 0 warnings, 1 info).\n")


@pytest.mark.parametrize("argv, message", [
    (["--export", "-"], "--export '-': give a .csv, .tsv or .json file, or --export-format"),
    (["--export", "rows.xlsx"], "--export 'rows.xlsx': give a .csv, .tsv or .json file, or --export-format"),
    (["--export-format", "csv"], "--export-format needs --export ROWS"),
])
def test_export_usage_errors(capsys, argv, message):
    code, out, err = run(capsys, GOOGLENET, *argv)
    assert code == 2 and out == "" and err == f"cfgtools log: error: {message}\n"


def test_export_never_over_a_file(capsys, tmp_path):
    target = tmp_path / "rows.csv"
    target.write_text("mine\n")
    code, _, err = run(capsys, GOOGLENET, "--export", target, "--exit-zero")
    assert code == 2 and "already exists (use --force to overwrite)" in err and target.read_text() == "mine\n"


# -- bad input: one clean line and exit 2 -------------------------------------------------------------


BAD_LOGS = {
    "random bytes": lambda: random.Random(1).randbytes(20000),
    "truncated gzip": lambda: (lambda packed: packed[: len(packed) // 2])(gzip.compress(PJ_LOG.encode() * 50)),
    "binary file": lambda: (FIXTURES.parent / "checkpoints" / "tiny_final.weights").read_bytes(),
    "empty file": lambda: b"",
    "log of another program": lambda: b"Epoch 1/10\n120/120 [=====] - 3s 21ms/step - loss: 0.6931\n" * 50,
}


@pytest.mark.parametrize("name", sorted(BAD_LOGS))
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, name):
    log = tmp_path / "bad.log"
    log.write_bytes(BAD_LOGS[name]())
    code, out, err = run(capsys, log)
    assert code == 2 and re.fullmatch(re.escape(str(log)) + r":\d+:\d+: [^\n]+\n", err), err
    assert "Traceback" not in out + err


def test_missing_log_unreadable_config_and_the_other_frameworks_config(capsys, tmp_path):
    code, _, err = run(capsys, tmp_path / "missing.log")
    assert code == 2 and err == f"{tmp_path / 'missing.log'}:1:1: no such file\n"
    bad_config = written(tmp_path, "", "bad.cfg")
    code, _, err = run(capsys, FIXTURES / "pj_detector.log", "--config", bad_config)
    assert code == 2 and re.fullmatch(ONE_LINE_ERROR, err) and err.startswith(str(bad_config))
    code, _, err = run(capsys, FIXTURES / "pj_detector.log", "--config", FIXTURES / "googlenet_finetune.solver.prototxt")
    assert code == 2 and err == (f"{FIXTURES / 'pj_detector.log'}:1:1: a darknet training log cannot be checked against "
                                 f"{FIXTURES / 'googlenet_finetune.solver.prototxt'}, a Caffe solver: give the config "
                                 "the run trained with\n")


def test_stdin_is_refused_in_one_line(capsys):
    code, out, err = run(capsys, "-")
    assert code == 2 and out == "" and err == (
        "cfgtools log: error: a log cannot be read from stdin: give its file (plain or .gz)\n")


def test_a_gzip_log_is_read(capsys, tmp_path):
    log = tmp_path / "train.log.gz"
    log.write_bytes(gzip.compress(GOOGLENET.read_bytes()))
    code, out, _ = run(capsys, log)
    assert code == 1 and "all 48 logged rates agree" in out and codes(out)[0] == ("LG008", 212)


def test_the_readmes_example_is_what_the_command_prints(capsys, tmp_path):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = re.search(r"```\n\$ cfgtools log train\.log\n(.*?)```", readme, re.DOTALL)
    assert example is not None
    log = written(tmp_path, GOOGLENET.read_text())
    code, out, _ = run(capsys, "train.log")
    assert log.exists() and code == 1 and out == example.group(1)


# -- honest verdicts and escaped output (issue 10) ----------------------------------------------------


def test_a_file_that_is_not_a_log_is_one_escaped_line_and_exit_2(tmp_path, capsys):
    path = tmp_path / "notes\x1b[31m.txt"
    path.write_bytes(b"just some notes\nand more\n")
    code, out, err = run(capsys, path)
    assert code == 2
    assert err == f"{tmp_path}/notes\\x1b[31m.txt:1:1: not a training log of darknet or caffe: none of its first " \
                  "lines is one they print\n"
    assert out == "No problems found, but 1 file was not checked (see above).\n"
    code, out, err = run(capsys, path, "--format", "json")
    assert code == 2 and json.loads(out) == [] and err.count("\n") == 1


def test_json_of_a_log_is_strict_ascii_and_its_account_goes_to_stderr(tmp_path, capsys):
    log = written(tmp_path, (FIXTURES / "pj_detector.log").read_text(), name="tr\u00e4in.log")
    code, out, err = run(capsys, log, "--format", "json")
    assert code == 0 and out.isascii() and json.loads(out) == []
    assert err.startswith(f"cfgtools log: {tmp_path}/tr\u00e4in.log: darknet log, 60 logged iterations")


def test_a_settings_error_is_one_line(tmp_path, capsys):
    log = written(tmp_path, (FIXTURES / "pj_detector.log").read_text())
    (tmp_path / "pyproject.toml").write_text('[tool.cfgtools]\nfail-on = "loud\\nly"\n')
    code, out, err = run(capsys, log, "--settings", str(tmp_path / "pyproject.toml"))
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("cfgtools log: error: ")


def test_a_config_whose_rate_darknet_never_computes_leaves_the_rates_unchecked(tmp_path):
    # found by tests/test_fuzz.py: max_batches unset (0) makes sgdr_cycle 0, so darknet's SGDR loop never ends
    # at a logged iteration; the log is still read, its rates unchecked, in one line (it was an internal error)
    log = tmp_path / "train.log"
    log.write_text("Learning Rate: 0.001, Momentum: 0.9, Decay: 0.0005\n"
                   "1, 0.500: 0.950000, 0.995000 avg, 0.001000 rate, 0.010000 seconds, 4 images, 0.001 hours left\n")
    cfg = tmp_path / "sgdr.cfg"
    cfg.write_text("[net]\nwidth=416\nheight=416\nchannels=3\nlearning_rate=0.001\npolicy=sgdr\n")
    argv = ["log", str(log), "--config", str(cfg)]
    outcome = run_cli(argv)
    check(outcome, argv)
    assert outcome.code == 0
    assert (f"the logged rates are not checked: {cfg} gives no rate for this log: darknet's SGDR loop never ends "
            "past batch 0 with sgdr_cycle=0 and sgdr_mult=2") in outcome.out
