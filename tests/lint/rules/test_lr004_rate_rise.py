"""LR004 on a scale above 1, on SGDR's warm restarts (info) and on a warm-up written with steps."""

from __future__ import annotations

from cfgtools.lint.core import Severity
from cfgtools.lint.runner import lint_text
from cfgtools.lint.settings import LintSettings

NET = "[net]\nwidth=32\nheight=32\nchannels=3\n"


def rises(text: str):
    result = lint_text(text, LintSettings(select=["LR004"]), "yolo.cfg")
    assert result.errors == []
    return result.diagnostics


def test_scale_above_one_is_a_warning():
    (diagnostic,) = rises(NET + "learning_rate=0.001\nmax_batches=6000\npolicy=steps\nsteps=4800,5400\nscales=.1,10\n")
    assert diagnostic.severity is Severity.WARNING and "x10 at update 5400" in diagnostic.message


def test_sgdr_restarts_are_info():
    found = rises(NET + "max_batches=40\npolicy=sgdr\nsgdr_cycle=8\nsgdr_mult=2\n")
    # cycles [0,8], (8,24]: the restart comes at b = 9 (b = 8 is exactly learning_rate_min)
    assert found and {d.severity for d in found} == {Severity.INFO}
    messages = [d.message for d in found]
    assert any("restart at update 9:" in m for m in messages) and any("update 25:" in m for m in messages)


def test_warm_up_written_with_steps_is_not_a_rise():
    # steps=-1,100: x0.1 from batch 0 (AlexeyAB applies a negative step at once), x10 at 100 back to
    # the base rate: a first climb, not a spike. The x10 at 900 after the decay at 800 is one.
    found = rises(NET + "learning_rate=0.001\nmax_batches=1000\npolicy=steps\nsteps=-1,100,800,900\nscales=.1,10,.1,10\n")
    assert [d.message.split(":")[0] for d in found] == ["the learning rate rises x10 at update 900"]


def test_yolov1_warm_up_climbing_above_the_base_rate_early_is_not_a_rise():
    # YOLOv1 (yolo-coco.cfg): 0.0005 x2.5 x2 x2 x2 = 0.01 over the first 800 of 200000 batches
    # (0.4 %), before the first decay at 100000: a warm-up, though it ends at 20x learning_rate
    v1 = NET + "learning_rate=0.0005\nmax_batches=200000\npolicy=steps\nsteps=200,400,600,800,100000,150000\n"
    assert rises(v1 + "scales=2.5,2,2,2,.1,.1\n") == []


def test_a_late_climb_above_the_base_rate_is_a_rise_even_before_any_decay():
    # scales=10 at 4800 of 6000 (80 %): before any decay, but late and to 10x the base rate
    (diagnostic,) = rises(NET + "learning_rate=0.001\nmax_batches=6000\npolicy=steps\nsteps=4800\nscales=10\n")
    assert "x10 at update 4800" in diagnostic.message


def test_sgdr_restarts_are_listed_in_update_order():
    """issue 10: the restarts came out as text sorts them ("121, 281, 41")."""
    # cycle 40, mult 2: cycles [0,40], (40,120], (120,280]; restarts at 41, 121, 281
    found = rises(NET + "learning_rate=0.001\nmax_batches=500\npolicy=sgdr\nsgdr_cycle=40\nsgdr_mult=2\n")
    updates = [int(d.message.split("update ")[1].split(":")[0]) for d in found]
    assert updates == [41, 121, 281]
