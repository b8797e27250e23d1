"""darknet training-log lines (AlexeyAB, pjreddie, hank-ai), every era, and real logs.

Expected values are the numbers written in each line (the C format strings are
in training-logs.md and darknet.md e); line counts come from plain patterns.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from cfgtools.darknet.log import DARKNET_LOG, to_float
from cfgtools.loading import load_schedule
from cfgtools.trainlog.analyse import analyse_log
from cfgtools.trainlog.model import (
    BATCH_INFO,
    CHECKPOINT_SAVED,
    FIXED_6,
    FIXED_8,
    LOADING_WEIGHTS,
    RATE_HEADER,
    TRAINING_DONE,
    Event,
    Row,
)
from cfgtools.trainlog.reader import chunks_of
from cfgtools.trainlog.source import open_log

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "logs"


def parse(text: str) -> list[Row | Event]:
    return list(DARKNET_LOG.parse(chunks_of(text.encode())))


def rows(text: str) -> list[Row]:
    return [record for record in parse(text) if isinstance(record, Row)]


def events(text: str, kind: str) -> list[Event]:
    return [record for record in parse(text) if isinstance(record, Event) and record.kind == kind]


@pytest.mark.parametrize(
    "line, iteration, loss, avg, rate, seconds, images, epoch",
    [
        # AlexeyAB detector since March 2020 (src/detector.c:325)
        (" 1: 5.266014, 5.266014 avg loss, 0.000000 rate, 0.103187 seconds, 8 images, -1.000000 hours left",
         1, 5.266014, 5.266014, 0.0, 0.103187, 8, None),
        # AlexeyAB, March 2020 ("time left")
        (" 1200: 1.5, 1.75 avg loss, 0.001000 rate, 2.500000 seconds, 76800 images, 12.300000 time left",
         1200, 1.5, 1.75, 0.001, 2.5, 76800, None),
        # AlexeyAB 2018-2020 (no time column)
        (" 502: 0.812345, 0.9 avg loss, 0.000261 rate, 3.200000 seconds, 32128 images",
         502, 0.812345, 0.9, 0.000261, 3.2, 32128, None),
        # AlexeyAB before May 2018 ("avg", leading newline and space)
        (" 33: 12.000000, 15.000000 avg, 0.000010 rate, 4.000000 seconds, 2112 images",
         33, 12.0, 15.0, 0.00001, 4.0, 2112, None),
        # pjreddie detector (examples/detector.c:129)
        ("94: 2.951220, 4.111970 avg, 0.000000 rate, 0.072249 seconds, 752 images",
         94, 2.95122, 4.11197, 0.0, 0.072249, 752, None),
        # AlexeyAB classifier (src/classifier.c:211)
        ("97, 48.500: 1.271353, 0.970816 avg, 0.000000 rate, 0.010247 seconds, 776 images, 0.000345 hours left",
         97, 1.271353, 0.970816, 0.0, 0.010247, 776, 48.5),
        # pjreddie classifier (examples/classifier.c:144) and AlexeyAB before 2020
        ("5000, 1.280: 2.100000, 2.300000 avg, 0.100000 rate, 0.500000 seconds, 640000 images",
         5000, 2.1, 2.3, 0.1, 0.5, 640000, 1.28),
        # the images column is a C int: it wraps
        (" 300000: 1.0, 1.0 avg loss, 0.001000 rate, 1.0 seconds, -1589934592 images, 1.0 hours left",
         300000, 1.0, 1.0, 0.001, 1.0, -1589934592, None),
    ],
)
def test_iteration_lines_of_every_era(line, iteration, loss, avg, rate, seconds, images, epoch):
    (row,) = rows(line + "\n")
    assert (row.iteration, row.loss, row.avg_loss, row.rate, row.seconds, row.images, row.epoch) == (
        iteration, loss, avg, rate, seconds, images, epoch)
    assert row.precision == FIXED_6 and row.line == 1


def test_hank_ai_line_with_colours_and_window_title():
    esc = "\x1b"
    line = (f"{esc}]2;5989/6000: loss=0.4 time=7 seconds\x07{esc}[1;37m5989{esc}[0m: loss={esc}[1;36m0.444{esc}[0m, "
            f"avg loss={esc}[1;36m0.329{esc}[0m, last={esc}[0mnone{esc}[0m, best=none, mAP=6000, rate=0.00002600, "
            "load 64=15.1 milliseconds, train=64.424 milliseconds, 383296 images, time remaining=7 seconds")
    (row,) = rows(line + "\n")
    assert (row.iteration, row.loss, row.avg_loss, row.rate, row.images) == (5989, 0.444, 0.329, 0.000026, 383296)
    assert row.seconds == pytest.approx(0.064424)
    assert row.precision == FIXED_8


@pytest.mark.parametrize(
    "text, check",
    [
        ("nan", math.isnan), ("-nan", math.isnan), ("-nan(ind)", math.isnan), ("1.#QNAN0", math.isnan),
        ("-1.#IND00", math.isnan), ("inf", lambda v: v == math.inf), ("-inf", lambda v: v == -math.inf),
        ("1.#INF00", lambda v: v == math.inf),
    ],
)
def test_nan_and_infinity_in_every_spelling(text, check):
    assert check(to_float(text.encode()))
    (row,) = rows(f" 2: {text}, {text} avg loss, 10.000000 rate, 0.059774 seconds, 16 images, 0.003993 hours left\n")
    assert check(row.loss) and check(row.avg_loss) and row.rate == 10.0


def test_huge_losses_print_with_many_digits():
    (row,) = rows("7: 123456789012345678901234567890.000000, 1.0 avg, 0.001000 rate, 1.0 seconds, 56 images\n")
    assert row.loss == 1.2345678901234568e29


def test_header_loading_weights_batch_info_and_the_end():
    text = (
        "Loading weights from backup/yolo_last.weights...\n seen 64, trained: 1280 K-images (20 Kilo-batches_64) \n"
        "Done! Loaded 107 layers from weights-file \n"
        "mini_batch = 4, batch = 64, time_steps = 1, train = 1 \n"
        "Learning Rate: 0.0026, Momentum: 0.949, Decay: 0.0005\n"
        " 20001: 1.0, 1.0 avg loss, 0.002600 rate, 2.0 seconds, 1280064 images, 10.0 hours left\n"
        "Saving weights to backup//yolo_final.weights\n"
        "If you want to train from the beginning, then use flag in the end of training command: -clear \n"
        "Training iteration has reached max batch limit of 6000\n"
    )
    (loading,) = events(text, LOADING_WEIGHTS)
    assert (loading.line, loading.detail) == (1, "backup/yolo_last.weights")
    (info,) = events(text, BATCH_INFO)
    assert (info.value("mini_batch"), info.value("batch"), info.line) == (4, 64, 4)
    (header,) = events(text, RATE_HEADER)
    assert (header.value("learning_rate"), header.value("momentum"), header.value("decay")) == (0.0026, 0.949, 0.0005)
    (saved,) = events(text, CHECKPOINT_SAVED)
    assert saved.detail == "backup//yolo_final.weights"
    assert [e.line for e in events(text, TRAINING_DONE)] == [7, 8, 9]


def test_hank_ai_header():
    (header,) = events("Learning Rate: 0.001000, Momentum: 0.900000, Decay: 0.000500\n", RATE_HEADER)
    assert header.value("learning_rate") == 0.001


def test_stderr_glued_after_a_complete_line_keeps_the_row():
    text = ("94: 2.951220, 4.111970 avg, 0.000000 rate, 0.072249 seconds, 752 imagesSaving weights to b//p.backup\n"
            "Saving weights to b//p_100.weights\n\n95: 2.736996, 3.974473 avg, 0.000000 rate, 0.065757 seconds, 760 images\n")
    assert [(r.iteration, r.line, r.images) for r in rows(text)] == [(94, 1, 752), (95, 4, 760)]
    assert [e.detail for e in events(text, CHECKPOINT_SAVED)] == ["b//p.backup", "b//p_100.weights"]


def test_stderr_cutting_an_iteration_line_is_joined_back():
    text = ("45: 5.612042, 8.6Saving weights to backup//x.backup\n"
            "Saving weights to backup//x_45.weights\n"
            "Loading weights from other.weights...Done!\n"
            "00000 avg, 0.000043 rate, 0.070045 seconds, 360 images\n"
            "46: 5.0, 8.0 avg, 0.000040 rate, 0.070046 seconds, 368 images\n")
    assert [(r.iteration, r.line, r.avg_loss, r.rate, r.images) for r in rows(text)] == [
        (45, 1, 8.6, 0.000043, 360), (46, 5, 8.0, 0.00004, 368)]


def test_the_continuation_may_be_in_the_next_chunk():
    first = b"45: 5.612042, 8.6Saving weights to backup//x.backup\nSaving weights to backup//x_45.weights\n"
    second = b"00000 avg, 0.000043 rate, 0.070045 seconds, 360 images\n"
    records = list(DARKNET_LOG.parse([(1, first), (3, second)]))
    (row,) = [r for r in records if isinstance(r, Row)]
    assert (row.iteration, row.line, row.avg_loss) == (45, 1, 8.6)


def test_a_cut_line_that_is_not_an_iteration_gives_no_row():
    text = ("Region 7 Avg IOU: 0.519590, Class: 0.589806, Obj: 0.157092, No Obj: 0.0Saving weights to b//p.backup\n"
            "Saving weights to b//p_200.weights\n02454, .5R: 0.800000, .75R: 0.000000,  count: 10\n"
            "194: 2.983436, 3.602730 avg, 0.000000 rate, 0.066018 seconds, 1552 images\n")
    assert [(r.iteration, r.line) for r in rows(text)] == [(194, 4)]


def test_a_fragment_completed_by_a_cut_line_is_not_carried_further():
    # each line is cut by stderr text before its " images": a fragment waits for the next line only, so the
    # fragments never pile up (they did: 400 of them made one 50 KB "line" searched again at every line)
    line = "2: loss=2.827, avg loss=3.242, rate=0.00002560, train=503.2 millisecondsSaving weights to x\n"
    records = parse(line * 400 + "3: loss=2.5, avg loss=3.2, rate=0.00002560, train=1 seconds, 12 images\n")
    assert [(r.iteration, r.line) for r in records if isinstance(r, Row)] == [(3, 401)]
    text = ("45: 5.612042, 8.6Saving weights to a\n00000 avg, 0.000043 rateSaving weights to b\n"
            "46: 5.0, 8.0 avg, 0.000040 rate, 0.070046 seconds, 368 images\n")
    assert [(r.iteration, r.line) for r in rows(text)] == [(46, 3)]


@pytest.mark.parametrize("line", [
    "1: nan(" * 150_000,  # a NaN payload that never closes
    "7: loss=1, avg loss=2, rate=0.1, " * 30_000,  # hank-ai heads whose images never come
    "7: 1, 2 avg, 0.001000 rate, 1 seconds, " + "9" * 1_000_000,
])
def test_a_megabyte_line_is_searched_in_linear_time(line):
    # (the old patterns took hours on these: nan([^)]*), and three .*? in hank-ai's line)
    assert rows(line + "\n") == []


def test_a_count_longer_than_a_c_integer_is_not_a_row():
    # darknet prints iterations and images as C ints: 20 digits cannot come from it (and would overflow the
    # int64 arrays the rates are compared in)
    text = ("19: 17.7, 28.0 avg, 0.000467 rate, 0.07 seconds, 99999999999999999999152 images\n"
            "99999999999999999999: 17.7, 28.0 avg, 0.000467 rate, 0.07 seconds, 152 images\n"
            "7: loss=1, avg loss=2, rate=0.1, train=1 seconds, 99999999999999999999 images\n"
            "20: 16.3, 26.8 avg, 0.000444 rate, 0.07 seconds, 999999999999999999 images\n")
    assert [(r.iteration, r.images) for r in rows(text)] == [(20, 999999999999999999)]


def test_terminal_bytes_crlf_and_invalid_utf8():
    text = ("\x1b[H\x1b[J1/100: loss=5.3 hours left=-1.0\x07\r\n"
            " 1: 5.266014, 5.266014 avg loss, 0.000000 rate, 0.103187 seconds, 8 images, -1.000000 hours left\r\n")
    data = text.encode() + b"Loading weights from caf\xe9.weights...\r\n"
    records = list(DARKNET_LOG.parse(chunks_of(data)))
    (row,) = [r for r in records if isinstance(r, Row)]
    assert (row.line, row.iteration, row.loss) == (2, 1, 5.266014)
    (loading,) = [r for r in records if isinstance(r, Event)]
    assert loading.detail == "caf\ufffd.weights"


def test_sniff():
    assert DARKNET_LOG.sniff(b"Learning Rate: 0.001, Momentum: 0.9, Decay: 0.0005")
    assert DARKNET_LOG.sniff(b" 1: 5.266014, 5.266014 avg loss, 0.000000 rate, 0.103187 seconds, 8 images")
    assert DARKNET_LOG.sniff(b"   0 conv     16       3 x 3/ 1     64 x  64 x   3 ->   64 x  64 x  16 0.004 BF")
    assert not DARKNET_LOG.sniff(b"I0515 14:43:38.669777  1279 sgd_solver.cpp:106] Iteration 119000, lr = 0.000922632")
    assert not DARKNET_LOG.sniff(b"Collecting numpy>=1.24")


#: where an iteration line starts (pjreddie's may be cut by stderr text later in the line), or hank-ai's line
ITERATION_LINE = re.compile(rb"(?m)^ ?\d+(?:, [\d.]+)?: |\d+: loss=[^ ]+, avg loss=")


@pytest.mark.parametrize("name", ["ab_detector", "pj_detector", "ab_classifier", "hank_detector"])
def test_fixtures_lose_no_iteration_line(name):
    path = FIXTURES / f"{name}.log"
    data = path.read_bytes().replace(b"\x1b[1;37m", b"").replace(b"\x1b[0m", b"")
    counted = len(ITERATION_LINE.findall(data))
    parsed = [r for r in open_log(path, [DARKNET_LOG]).records() if isinstance(r, Row)]
    assert len(parsed) == counted
    assert [r.iteration for r in parsed] == list(range(1, counted + 1))


def corpus_runs(shared: Path) -> list[Path]:
    runs = sorted((shared / "corpus" / "logs" / "darknet").glob("*/run.log"))
    if not runs:
        pytest.skip("no darknet logs in the shared corpus")
    return runs


def test_corpus_logs_lose_no_iteration_line_and_agree_with_their_cfg(shared):
    for log_path in corpus_runs(shared):
        # command.txt names the program (ab/ or pj/ darknet) and the cfg the run used
        command = (log_path.parent / "command.txt").read_text()
        cfg = next(word for word in command.split() if word.endswith(".cfg"))
        dialect = "pjreddie" if "pj/darknet" in command else "alexeyab"
        lines = log_path.read_bytes().split(b"\n")
        plain = [int(m.group(1)) for line in lines for m in re.finditer(rb"(\d+)(?:, [\d.]+)?: \S+, \S+ avg", line)]
        log = open_log(log_path, [DARKNET_LOG])
        parsed = [r for r in log.records() if isinstance(r, Row)]
        assert [r.iteration for r in parsed] == plain, log_path
        report = analyse_log(log, load_schedule(log_path.parent / cfg, dialect))
        assert report.compared == len(plain) and report.rates_agree, log_path
