"""``cfgtools lint --dialect hankai`` over hank-ai's own cfg/ folder (hank-ai/darknet at f684e1d, 95 files).

The folder is not part of cfgtools: point ``CFGTOOLS_HANKAI_CFG`` at a checkout's
``cfg/`` to run this test; it skips otherwise. The files hank-ai's reader refuses
were found by reading them against the reference's rules (darknet-hankai.md, A
and B), each with the line that stops it; the DN rules give an error on exactly
those. Every rule runs, and none may say of hank-ai what the C forks do.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cfgtools.lint.core import Severity
from cfgtools.lint.runner import lint_file
from cfgtools.lint.settings import LintSettings

ROOT = Path(os.environ.get("CFGTOOLS_HANKAI_CFG", "/nonexistent"))
pytestmark = pytest.mark.skipif(not ROOT.is_dir(), reason="CFGTOOLS_HANKAI_CFG does not name hank-ai's cfg/ folder")

_MAX_CROP = "max_crop or min_crop in [net]: commented out of hank-ai's parse_net_section, so unused (A2)"
_LAYER = "a section name missing from all_names_and_layers (A7)"
#: file (relative to cfg/) -> (line hank-ai stops on, why)
REFUSED = {
    "Gaussian_yolov3_BDD.cfg": (24, "max_epochs: no such [net] key (A2)"),
    "csdarknet53-omega.cfg": (15, _MAX_CROP),
    "cspx-p7-mish-omega.cfg": (15, _MAX_CROP),
    "darknet53.cfg": (13, _MAX_CROP),
    "darknet53_448_xnor.cfg": (13, _MAX_CROP),
    "efficientnet-lite3.cfg": (21, _MAX_CROP),
    "efficientnet_b0.cfg": (13, _MAX_CROP),
    "resnet101.cfg": (13, _MAX_CROP),
    "resnext152-32x4d.cfg": (13, _MAX_CROP),
    "yolov3-openimages.cfg": (6, "batch given twice in [net] (A3)"),
    "yolov4-sam-mish-csp-reorg-bfm.cfg": (1156, "uc_normalizer in [yolo]: only [Gaussian_yolo] reads it (A2)"),
    "unsupported/alexnet.cfg": (9, _MAX_CROP),
    "unsupported/cifar.cfg": (15, "[crop]: " + _LAYER),
    "unsupported/darknet.cfg": (9, _MAX_CROP),
    "unsupported/darknet19.cfg": (9, _MAX_CROP),
    "unsupported/darknet19_448.cfg": (8, _MAX_CROP),
    "unsupported/densenet201.cfg": (12, _MAX_CROP),
    "unsupported/extraction.cfg": (6, _MAX_CROP),
    "unsupported/extraction22k.cfg": (6, _MAX_CROP),
    "unsupported/gru.cfg": (14, "[gru]: " + _LAYER),
    "unsupported/resnet152.cfg": (12, _MAX_CROP),
    "unsupported/resnet50.cfg": (12, _MAX_CROP),
    "unsupported/strided.cfg": (17, "[crop]: " + _LAYER),
    "unsupported/t1.test.cfg": (103, "[detection]: " + _LAYER),
    "unsupported/tiny.cfg": (9, _MAX_CROP),
    "unsupported/vgg-16.cfg": (11, "[crop]: " + _LAYER),
    "unsupported/writing.cfg": (10, "seen: no such [net] key (A2)"),
    "unsupported/yolo-voc.2.0.cfg": (206, "[reorg]: " + _LAYER),
    "unsupported/yolo-voc.cfg": (219, "[reorg]: " + _LAYER),
    "unsupported/yolo.2.0.cfg": (206, "[reorg]: " + _LAYER),
    "unsupported/yolo.cfg": (219, "[reorg]: " + _LAYER),
    "unsupported/yolo9000.cfg": (8, "batch given twice in [net] (A3)"),
    "unsupported/yolov1/tiny-coco.cfg": (112, "[detection]: " + _LAYER),
    "unsupported/yolov1/tiny-yolo.cfg": (112, "[detection]: " + _LAYER),
    "unsupported/yolov1/xyolo.test.cfg": (28, "[batchnorm]: " + _LAYER),
    "unsupported/yolov1/yolo-coco.cfg": (230, "[local]: " + _LAYER),
    "unsupported/yolov1/yolo-small.cfg": (16, "[crop]: " + _LAYER),
    "unsupported/yolov1/yolo.cfg": (229, "[local]: " + _LAYER),
    "unsupported/yolov1/yolo.train.cfg": (229, "[local]: " + _LAYER),
    "unsupported/yolov1/yolo2.cfg": (226, "[local]: " + _LAYER),
    "unsupported/yolov2/yolov2-voc.cfg": (219, "[reorg]: " + _LAYER),
    "unsupported/yolov2/yolov2.cfg": (219, "[reorg]: " + _LAYER),
}


def _cfgs() -> list[Path]:
    return sorted(ROOT.rglob("*.cfg"))


def test_the_folder_is_the_one_described():
    assert len(_cfgs()) == 95


#: what the C forks do with a line hank-ai refuses (their words): no message may say it of hank-ai
_C_FORKS_WORDS = ("darknet ignores", "ignores it silently", "Type not recognized", "Unused field",
                  "darknet (AlexeyAB)", "darknet (pjreddie)", "AlexeyAB adds", "AlexeyAB makes",
                  "alexeyab's darknet", "pjreddie's darknet never")


def _what_the_fork_does(message: str) -> str:
    """The clause about the selected fork: what comes before the first ';' (other forks come after it)."""
    return message.split("; ", 1)[0]


def test_errors_on_exactly_the_files_hankai_refuses():
    # every rule runs: a rule that is not darknet's own may not crash, nor speak for another fork
    settings = LintSettings(dialect="hankai")
    refused = {}
    for path in _cfgs():
        result = lint_file(str(path), settings)
        assert result.errors == [], result.errors
        for diagnostic in result.diagnostics:
            if diagnostic.code == "DN012":  # its message is what the other forks do
                continue
            said = _what_the_fork_does(diagnostic.message)
            assert not any(words in said for words in _C_FORKS_WORDS), (path.name, diagnostic)
        errors = [d for d in result.diagnostics if d.severity == Severity.ERROR and d.code.startswith("DN")]
        if errors:
            refused[path.relative_to(ROOT).as_posix()] = min(d.span.line for d in errors)
    assert refused == {name: line for name, (line, _) in REFUSED.items()}
