"""Every command on mutated real-looking configs: one clean line or a result, never a traceback (issue 10).

Seeds are the fixtures and the inputs of the lint rule cases; hypothesis
mutates them (byte flips, truncation, huge and odd numbers, unicode and
control characters, CRLF/CR line ends, BOMs, UTF-16, deep nesting, long
lists, repeated lines) and runs one command on each mutant, in process, as
the command line runs it. Each case must:

- end normally with exit status 0, 1 or 2 (an internal error line is a bug);
- write only stderr lines of a promised form: ``PATH:LINE:COL: message``,
  ``cfgtools CMD: ...``, ``note: ...`` (schedule and plot), or convert's
  ``PATH: cannot ...`` lines (extend's plan summary, when it plans, is free text);
- write stdout that a UTF-8 terminal can show (no lone surrogate), except a
  diff (``extend``, ``lint --diff``), which carries the file's own bytes;
- finish before a generous hang guard and stay under a memory high-water
  mark (tracemalloc, which sees numpy's arrays too); no performance is
  asserted;
- in a run of several files, still report the other files.

The mutant is also read as a training log (``cfgtools log``), and as the config
of a small good log of our own (``log --config``, ``plot --log``).

CI runs ``FUZZ_EXAMPLES`` cases (about two minutes). To run it longer by hand::

    CFGTOOLS_FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz.py -q -s

(``CFGTOOLS_FUZZ_SLOWEST=FILE`` keeps the input of the slowest command, to profile it.)

Every command runs on every mutant, ``max_batches=2147483647`` included: lint,
convert and plot do not grow with the schedule's length (about a second each).
"""

from __future__ import annotations

import os
import re
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_run import check, run_cli
from tests.conftest import FIXTURES
from tests.lint.rule_cases import load_cases

#: cases in CI; CFGTOOLS_FUZZ_EXAMPLES sets another number for a long run by hand
FUZZ_EXAMPLES = int(os.environ.get("CFGTOOLS_FUZZ_EXAMPLES", "300"))
#: where a long run by hand keeps the input of its slowest command (CFGTOOLS_FUZZ_SLOWEST=FILE)
SLOWEST_DUMP = os.environ.get("CFGTOOLS_FUZZ_SLOWEST")

SEED_PATHS = sorted(p for folder in ("darknet", "caffe", "convert", "lint") for p in (FIXTURES / folder).iterdir()
                    if p.suffix in (".cfg", ".prototxt"))
SEEDS = sorted({p.read_bytes() for p in SEED_PATHS} | {case.data for case in load_cases()})

#: what may replace a number, or be inserted anywhere
ODD_NUMBERS = [b"0", b"-1", b"-0", b"2147483647", b"2147483648", b"-2147483649", b"99999999999999999999999",
               b"4" * 5000, b"1e308", b"-1e308", b"1e-320", b"nan", b"inf", b"-inf", b"0x10", b"1e5", b".5", b"5.",
               b"1,,2", b"1 2", b"\xc2\xb2", b"\xd9\xa3"]
SPECIAL = [b"\xef\xbb\xbf", b"\r", b"\r\n", b"\n", b"=", b"#", b";", b",", b"[", b"]", b"{", b"}", b":", b'"', b"'",
           b"\\", b"\0", b"\xff", b"\xe9", b"\xed\xa0\x80", b" ", b"\t", b"\x0b", b"\x1b[2J", b"\xe2\x80\xa8",
           b"\xc2\x85", b"\xe2\x80\xae", b"[net]\n", b"[NET]\n", b"[yolo]\n", b"[convolutional]\n", b"[route]\n",
           b"layers=-1,61\n", b"[shortcut]\nfrom=-3\n", b"policy=sgdr\nsgdr_cycle=0\n", b"sgdr_mult=-1\n",
           b"policy=steps\n", b"steps=", b"scales=", b"max_batches=2147483647\n", b"burn_in=", b"lr_policy: ",
           b'lr_policy: "multistep"\n', b"stepvalue: ", b"max_iter: ", b"test_state: { stage: 'x' }\n",
           b'type: "Adam"\n', b"anchors = 10,13, 16,30  33,23\n", b"batch=6 4\n"]
_NUMBER = re.compile(rb"-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?")
#: the value of a ``key=value`` (darknet) or ``key: value`` (protobuf text) line
_VALUE = re.compile(rb"^[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*[=:][ \t]*([^\n]*)$", re.MULTILINE)


@st.composite
def mutants(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 6))):
        action = draw(st.sampled_from(("flip", "truncate", "insert", "number", "bytes", "text", "repeat",
                                       "value", "value", "value")))
        position = draw(st.integers(0, len(data)))
        if action == "flip" and data:
            at = min(position, len(data) - 1)
            data[at] ^= draw(st.integers(1, 255))
        elif action == "truncate":
            del data[position:]
        elif action == "insert":
            data[position:position] = draw(st.sampled_from(SPECIAL + ODD_NUMBERS))
        elif action == "number":
            numbers = list(_NUMBER.finditer(bytes(data)))
            if numbers:
                match = draw(st.sampled_from(numbers))
                data[match.start():match.end()] = draw(st.sampled_from(ODD_NUMBERS))
        elif action == "value":  # into a value, where messages quote it back
            values = list(_VALUE.finditer(bytes(data)))
            if values:
                match = draw(st.sampled_from(values))
                at = draw(st.sampled_from((match.start(1), match.end(1))))
                data[at:at] = draw(st.sampled_from(SPECIAL + ODD_NUMBERS) | st.binary(min_size=1, max_size=4))
        elif action == "bytes":
            data[position:position] = draw(st.binary(max_size=8))
        elif action == "text":
            data[position:position] = draw(st.text(max_size=8)).encode("utf-8", "surrogatepass")
        else:  # a line repeated many times: long files, duplicate keys
            start = data.rfind(b"\n", 0, position) + 1
            end = data.find(b"\n", position)
            line = bytes(data[start:end + 1 if end >= 0 else len(data)])
            data[start:start] = line * draw(st.integers(2, 5000))
    whole = draw(st.sampled_from(("same", "same", "same", "crlf", "cr", "bom", "utf16", "nested", "long list")))
    if whole == "crlf":
        data = bytearray(bytes(data).replace(b"\n", b"\r\n"))
    elif whole == "cr":
        data = bytearray(bytes(data).replace(b"\n", b"\r"))
    elif whole == "bom":
        data[0:0] = b"\xef\xbb\xbf"
    elif whole == "utf16":
        data = bytearray(bytes(data).decode("utf-8", "replace").encode("utf-16"))
    elif whole == "nested":
        depth = draw(st.integers(10, 5000))
        data += b"a { " * depth + b"}" * depth + b"\n"
    elif whole == "long list":
        key = draw(st.sampled_from((b"steps", b"scales", b"anchors", b"mask", b"layers", b"stepvalue")))
        count = draw(st.integers(100, 60_000))
        data += b"\n" + key + b"=" + b",".join(str(i).encode() for i in range(count)) + b"\n"
    return bytes(data)


#: one run of a command on a file; {f} is the mutant, {good_cfg}/{good_solver} are files beside it
COMMANDS = [
    ["show", "{f}"],
    ["show", "--format", "json", "{f}"],
    ["schedule", "{f}", "--to", "300"],
    ["schedule", "{f}", "--at", "0,1,2,1000,2147483647", "--format", "json"],
    ["schedule", "{f}", "--every", "1000000", "--format", "csv", "--gpus", "4"],
    ["summary", "{f}"],
    ["summary", "--format", "json", "{f}"],
    ["lint", "--no-cache", "{f}"],
    ["lint", "--no-cache", "--format", "json", "--dialect", "pjreddie", "{f}"],
    ["lint", "--no-cache", "--format", "sarif", "{f}"],
    ["lint", "--no-cache", "--format", "github", "--resume-from", "1000", "--previous", "{good_cfg}", "{f}"],
    ["lint", "--no-cache", "--diff", "--unsafe-fixes", "--dialect", "pjreddie", "{f}"],
    ["lint", "--no-cache", "--fix", "--dialect", "hankai", "{f}"],
    ["convert", "{f}", "--to", "torch"],
    ["convert", "{f}", "--to", "caffe", "--approximate"],
    ["convert", "{f}", "--to", "darknet"],
    ["convert", "{f}", "--to", "json"],
    ["plot", "{f}"],
    ["plot", "--log-y", "--resume-from", "500", "{f}"],
    ["log", "{f}"],
    ["log", "{good_log}", "--config", "{f}"],
    ["plot", "--log", "{good_log}", "{f}"],
    ["extend", "{f}", "--from", "500", "--to", "2000"],
    ["extend", "{f}", "--from", "90", "--to", "60", "--end-fraction", "0.01", "--gpus", "2"],
    ["extend", "{f}", "--from", "1000000", "--epochs", "3", "--images", "7", "--keep", "max_batches,max_iter"],
]
#: several files in one run: the good ones must still be reported whatever the mutant does
MULTI = [
    ["show", "{good_cfg}", "{f}", "{good_solver}"],
    ["lint", "--no-cache", "--select", "DN006,CF004", "{good_cfg}", "{f}", "{good_solver}"],
]
GOOD_CFG = "[net]\nwidth=416\nheight=416\nchannels=3\nmax_batches=100\npolicy=STEPS\n"  # DN006 at 6:8
GOOD_SOLVER = 'base_lr: 0.01\nlr_policy: "stepp"\nmax_iter: 100\n'  # CF004 at 2:12


def good_log() -> str:
    """An AlexeyAB classifier log of 10 iterations at a constant 0.001 (the iteration line of darknet.md §e),
    its loss falling by 0.05 an iteration."""
    lines = ["Learning Rate: 0.001, Momentum: 0.9, Decay: 0.0005"]
    average = 1.0
    for iteration in range(1, 11):
        loss = 1.0 - 0.05 * iteration
        average = 0.9 * average + 0.1 * loss
        lines.append(f"{iteration}, {iteration / 2:.3f}: {loss:f}, {average:f} avg, 0.001000 rate, 0.010000 seconds, "
                     f"{4 * iteration} images, 0.001000 hours left")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def traced():
    tracemalloc.start()
    yield
    tracemalloc.stop()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "good.cfg").write_text(GOOD_CFG)
    (folder / "good.prototxt").write_text(GOOD_SOLVER)
    (folder / "good.log").write_text(good_log())
    return folder


STATS = {"cases": 0, "runs": 0, "slowest": (0.0, ""), "peak": 0}


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(data=mutants(), suffix=st.sampled_from([".cfg", ".prototxt"]),
       template=st.sampled_from(COMMANDS + MULTI), also=st.sampled_from(COMMANDS))
def test_every_command_survives_mutated_configs(traced, workdir, monkeypatch, data, suffix, template, also):
    monkeypatch.chdir(workdir)  # no pyproject of the repository; the lint cache off anyway
    mutant = workdir / f"mutant{suffix}"
    mutant.write_bytes(data)
    files = {"f": str(mutant), "good_cfg": str(workdir / "good.cfg"), "good_solver": str(workdir / "good.prototxt"),
             "good_log": str(workdir / "good.log")}
    STATS["cases"] += 1
    for chosen in (template, also):
        argv = [part.format(**files) for part in chosen]
        outcome = run_cli(argv)
        STATS["runs"] += 1
        if outcome.seconds > STATS["slowest"][0]:
            STATS["slowest"] = (outcome.seconds, f"{' '.join(chosen)} on {len(data)} bytes")
            if SLOWEST_DUMP:  # the input, to profile it by hand
                Path(SLOWEST_DUMP).write_bytes(data)
        STATS["peak"] = max(STATS["peak"], outcome.peak)
        check(outcome, argv)
        if chosen in MULTI:  # the good files around the mutant are still reported
            if argv[0] == "show":
                assert "good.cfg: darknet cfg" in outcome.out and "good.prototxt: Caffe solver" in outcome.out
            else:
                assert "good.cfg:6:8: DN006" in outcome.out and "good.prototxt:2:12: CF004" in outcome.out


@pytest.mark.parametrize("command", [["show", "{f}"], ["schedule", "{f}", "--to", "300"], ["lint", "--no-cache", "{f}"],
                                     ["convert", "{f}", "--to", "torch"], ["plot", "{f}"]])
def test_found_caffe_enum_value_not_utf8(tmp_path, command):
    """Found by this test: protobuf's text_format raised SystemError on ``solver_mode: \\x80GPU``."""
    solver = tmp_path / "solver.prototxt"
    solver.write_bytes(b'base_lr: 0.01\nlr_policy: "step"\nsolver_mode: \x80GPU\n')
    argv = [part.format(f=str(solver)) for part in command]
    outcome = run_cli(argv)
    check(outcome, argv)
    assert outcome.code == 2 and f"{solver}:3:14: cannot parse Caffe solver" in outcome.err


def test_fuzz_statistics():
    """Prints what the fuzz run did (``-s`` shows it); runs after the fuzz test in file order."""
    if STATS["cases"]:
        print(f"\nfuzz: {STATS['cases']} cases, {STATS['runs']} command runs, "
              f"slowest {STATS['slowest'][0]:.1f} s "
              f"({STATS['slowest'][1]}), memory peak {STATS['peak'] / 2**20:.0f} MiB")
