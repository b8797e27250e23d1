"""The runner with a training log (--log): the log's findings join the config's, noqa stays in its file."""

from __future__ import annotations

from cfgtools.lint.runner import lint_file
from cfgtools.lint.settings import LintSettings

CONFIG = """[net]
batch=8
# cfgtools: noqa: LG006
learning_rate=0.001
policy=constant
max_batches=6
"""


def test_the_configs_noqa_comments_do_not_silence_the_logs_lines(tmp_path):
    config = tmp_path / "yolo.cfg"
    config.write_text(CONFIG)
    log = tmp_path / "train.log"
    rows = [f"{k}: {'nan' if k == 4 else 4.0}, 4.0 avg, 0.001000 rate, 0.07 seconds, {8 * k} images" for k in range(1, 7)]
    log.write_text("\n".join(rows) + "\n")
    result = lint_file(str(config), LintSettings(select=["LG"], log=str(log)))
    # the noqa comment silences LG006 on line 4 of the config; the NaN is on line 4 of the log
    assert [(d.code, d.path, d.span.line) for d in result.diagnostics] == [("LG006", str(log), 4)]
