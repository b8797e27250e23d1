"""The typed [net]: darknet's defaults, conversions and per-fork differences."""

import pytest

from cfgtools.darknet.cnum import to_float32
from cfgtools.darknet.document import read_cfg
from cfgtools.darknet.net import read_net
from cfgtools.sources import read_source


def net_of(text, dialect="alexeyab"):
    return read_net(read_cfg("[net]\n" + text, dialect=dialect))


def test_quirks_fixture(fixtures_dir):
    net = read_net(read_cfg(read_source(fixtures_dir / "darknet" / "reading_quirks.cfg")))
    assert net.batch.value == 64 and net.batch.span.line == 4
    assert net.subdivisions.value == 16
    assert net.mini_batch == 4  # 64 // 16
    assert (net.max_batches.value, net.max_batches.raw) == (5, "5e5")
    assert net.policy.value == "steps#decayat80%"
    assert net.effective_policy == "constant" and not net.policy_known
    assert not net.steps.read and not net.scales.read  # constant never looks them up
    assert net.learning_rate.value == to_float32(0.001) and net.learning_rate.line == 13
    assert net.burn_in.source == "default" and net.burn_in.value == 0
    assert net.momentum.source == "default" and net.momentum.value == to_float32(0.9)


def test_defaults():
    net = net_of("")
    assert (net.batch.value, net.subdivisions.value, net.max_batches.value) == (1, 1, 0)
    assert net.learning_rate.value == to_float32(0.001)
    assert net.decay.value == to_float32(0.0001)
    assert net.power.value == 4.0 and net.burn_in.value == 0
    assert net.policy.value == "constant" and net.policy.source == "default"
    assert net.sgdr_cycle.value == 0  # AlexeyAB: defaults to max_batches
    assert net.learning_rate_min.value == to_float32(0.00001)


def test_integer_keys_use_atoi():
    net = net_of("burn_in=3.7\nmax_batches=1.9e1\nsgdr_mult=1.5\n")
    assert (net.burn_in.value, net.max_batches.value, net.sgdr_mult.value) == (3, 1, 1)


def test_steps_trailing_comma_adds_a_zero_step_and_scale():
    net = net_of("policy=steps\nsteps=10,15,\nscales=.1,.1,\n")
    assert net.steps.value == [10, 15, 0]
    assert net.scales.value == [to_float32(0.1), to_float32(0.1), 0.0]
    assert net.fatal == ()


def test_fewer_scales_than_steps_crashes():
    net = net_of("policy=steps\nsteps=10,15,\nscales=.1,.1\n")
    assert len(net.fatal) == 1 and "segfault" in net.fatal[0]


def test_steps_policy_without_scales_is_refused():
    assert "STEPS policy must have steps and scales" in net_of("policy=steps\nsteps=10\n").fatal[0]


def test_inline_comment_in_steps_per_fork():
    ab = net_of("policy=steps\nsteps=10,15#c,3\nscales=.5,.5,.5\n", "alexeyab")
    pj = net_of("policy=steps\nsteps=10,15#c,3\nscales=.5,.5,.5\n", "pjreddie")
    assert ab.steps.value == [10, 15]
    assert pj.steps.value == [10, 15, 3]


def test_sgdr_is_alexeyab_only():
    ab = net_of("policy=sgdr\nmax_batches=100\nsteps=10,20\n", "alexeyab")
    assert ab.effective_policy == "sgdr"
    assert ab.scales.value == [1.0, 1.0]  # AlexeyAB: sgdr without scales uses 1.0
    assert ab.sgdr_cycle.value == 100 and ab.sgdr_cycle.read
    pj = net_of("policy=sgdr\nmax_batches=100\n", "pjreddie")
    assert pj.effective_policy == "constant"


@pytest.mark.parametrize("name", ["sig", "STEPS", "Poly", "step s"])
def test_policy_names_are_exact(name):
    net = net_of(f"policy={name}\n")
    expected = "steps" if name == "step s" else "constant"  # blanks are stripped before matching
    assert net.effective_policy == expected


def test_adam_epsilon_default_differs_per_fork():
    assert net_of("adam=1\n", "alexeyab").eps.value == to_float32(0.000001)
    assert net_of("adam=1\n", "pjreddie").eps.value == to_float32(0.0000001)
    assert not net_of("", "alexeyab").eps.read


def test_mini_batch_rounding_and_guard():
    assert net_of("batch=64\nsubdivisions=3\n").mini_batch == 21
    assert net_of("batch=4\nsubdivisions=8\n", "alexeyab").mini_batch == 1  # forced to 1
    assert net_of("batch=4\nsubdivisions=8\n", "pjreddie").mini_batch == 0
    assert "subdivisions=0" in net_of("subdivisions=0\n").fatal[0]


def test_step_zero_with_step_policy_crashes():
    assert "SIGFPE" in net_of("policy=step\nstep=0\n").fatal[0]
    assert net_of("policy=steps\nsteps=1\nscales=1\nstep=0\n").fatal == ()
