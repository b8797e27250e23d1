"""The framework registry: plug-ins imported on first use, dialects known without importing them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cfgtools import frameworks


@pytest.mark.parametrize("name", frameworks.names())
def test_the_dialects_are_the_plug_ins(name):
    assert frameworks.dialects(name) == frameworks.get(name).dialects
    assert frameworks.dialects(name)[0] == frameworks.get(name).default_dialect


def test_the_command_line_lists_the_forks_without_importing_a_plug_in():
    code = ("import sys, argparse; from cfgtools.commands import _args; p = argparse.ArgumentParser(); "
            "_args.add_dialect_argument(p, 'x'); _args.add_caffe_fork_argument(p); "
            "print(sorted(m for m in sys.modules if m.endswith('.plugin') and m.count('.') == 2))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
