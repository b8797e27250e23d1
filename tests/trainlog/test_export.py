"""Rows exported as CSV, TSV and JSON (values read off the fixtures, expected rates from the tests' formulas)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from cfgtools.loading import load_schedule
from cfgtools.trainlog.export import COLUMNS, export_rows
from cfgtools.trainlog.source import open_log
from tests.trainlog.trainlog_helpers import FIXTURES, FORMATS, ab_detector_rate, edit_rows


def export(path, fmt, schedule=None) -> tuple[int, str]:
    out = io.StringIO()
    count = export_rows(open_log(path, FORMATS), out, fmt, schedule)
    return count, out.getvalue()


def test_csv_rows_with_expected_rates():
    schedule = load_schedule(FIXTURES / "ab_detector.cfg", "alexeyab")
    count, text = export(FIXTURES / "ab_detector.log", "csv", schedule)
    records = list(csv.DictReader(io.StringIO(text)))
    assert count == len(records) == 40 and tuple(records[0]) == COLUMNS
    first = records[0]
    assert (first["iteration"], first["loss"], first["rate"], first["images"], first["segment"]) == (
        "1", "6.61737", "0.0", "16", "0")  # " 1: 6.617370, ... 0.000000 rate, ..., 16 images"
    assert float(first["expected_rate"]) == ab_detector_rate(1) and first["rate_agrees"] == "true"
    assert [float(r["expected_rate"]) for r in records] == [ab_detector_rate(i) for i in range(1, 41)]
    assert first["event"] == "batch-info;rate-header" and first["epoch"] == "" and first["test_outputs"] == ""
    assert records[-1]["event"] == ""


def test_tsv_without_a_schedule():
    count, text = export(FIXTURES / "ab_classifier.log", "tsv")
    rows = [line.split("\t") for line in text.splitlines()]
    assert rows[0] == list(COLUMNS) and count == 20
    second = dict(zip(COLUMNS, rows[2]))
    assert (second["iteration"], second["epoch"], second["expected_rate"], second["rate_agrees"]) == ("2", "1.0", "", "")


def test_json_caffe_test_outputs_and_nan(tmp_path):
    count, text = export(FIXTURES / "caffe_multistep.log", "json")
    records = json.loads(text)
    assert count == len(records) == 21
    assert records[0]["test_outputs"] == "accuracy=0.5;loss=0.914053" and records[0]["event"] == "solver"
    assert records[-1]["iteration"] == 40 and records[-1]["rate"] is None
    path = tmp_path / "nan.log"
    path.write_text(edit_rows((FIXTURES / "pj_detector.log").read_text(), lambda f: {**f, "loss": "-nan"}))
    records = json.loads(export(path, "json")[1])
    assert records[0]["loss"] is None and records[0]["event"] == "rate-header;loss-nan"
    rows = list(csv.DictReader(io.StringIO(export(path, "csv")[1])))
    assert rows[0]["loss"] == "nan"


def test_an_empty_export_is_valid_json(tmp_path):
    path = tmp_path / "header-only.log"
    path.write_text("Learning Rate: 0.001, Momentum: 0.9, Decay: 0.0005\n")
    assert export(path, "json") == (0, "[]\n")


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        export_rows(open_log(FIXTURES / "ab_detector.log", FORMATS), io.StringIO(), "xml")
