"""Opening a log: which program wrote it, and one clean line for anything else."""

from __future__ import annotations

import gzip

import pytest

from cfgtools.errors import InputError
from cfgtools.trainlog.model import Row
from cfgtools.trainlog.source import detect_format, open_log
from tests.trainlog.trainlog_helpers import FIXTURES, FORMATS


@pytest.mark.parametrize(
    "name, framework",
    [("ab_detector.log", "darknet"), ("pj_detector.log", "darknet"), ("ab_classifier.log", "darknet"),
     ("hank_detector.log", "darknet"), ("caffe_multistep.log", "caffe"), ("googlenet_finetune_2016.log", "caffe")],
)
def test_the_program_is_told_from_the_content(name, framework):
    assert open_log(FIXTURES / name, FORMATS).framework == framework


def test_gzip_logs_are_detected_and_read(tmp_path):
    path = tmp_path / "run.log.gz"
    path.write_bytes(gzip.compress((FIXTURES / "pj_detector.log").read_bytes()))
    log = open_log(path, FORMATS)
    assert log.framework == "darknet"
    assert sum(isinstance(r, Row) for r in log.records()) == 60


def test_the_format_can_be_named(tmp_path):
    log = open_log(FIXTURES / "ab_detector.log", FORMATS, framework="darknet")
    assert log.framework == "darknet"
    with pytest.raises(InputError, match="unknown log format 'tensorflow' \\(known: darknet, caffe\\)"):
        open_log(FIXTURES / "ab_detector.log", FORMATS, framework="tensorflow")


def test_a_named_format_that_does_not_match_gives_no_rows():
    log = open_log(FIXTURES / "ab_detector.log", FORMATS, framework="caffe")
    assert not any(isinstance(r, Row) for r in log.records())


OTHER_PROGRAMS = {
    "pip.log": "Collecting numpy>=1.24\n  Downloading numpy-2.4.6.whl (16.5 MB)\nSuccessfully installed numpy-2.4.6\n",
    "tensorflow.log": ("I0515 14:43:38.669777  1279 gpu_device.cc:1406] Created TensorFlow device\n"
                       "Epoch 1/10\n120/120 [==============================] - 3s 21ms/step - loss: 0.6931\n"),
    "pytorch.log": "Epoch: [0][ 10/500]\tTime  0.123\tLoss 6.9078e+00\tAcc@1   0.000\nlr: 0.1\n",
}


@pytest.mark.parametrize("name", sorted(OTHER_PROGRAMS))
def test_a_log_of_another_program_gives_one_line(tmp_path, name):
    path = tmp_path / name
    path.write_text(OTHER_PROGRAMS[name])
    with pytest.raises(InputError) as caught:
        open_log(path, FORMATS)
    assert str(caught.value) == f"{path}:1:1: not a training log of darknet or caffe: none of its first lines is one they print"


def test_detect_format_takes_the_first_telling_line():
    lines = [b"hello", b"I1121 19:23:50.551389 14164 caffe.cpp:197] Use CPU.", b"Learning Rate: 1, Momentum: 1, Decay: 1"]
    assert detect_format(lines, FORMATS).name == "caffe"
    assert detect_format(lines[:1], FORMATS) is None
