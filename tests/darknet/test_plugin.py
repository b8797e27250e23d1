"""darknet as a plug-in: what the linter and the commands ask of it."""

from __future__ import annotations

import pytest

from cfgtools.loading import load_text
from cfgtools.plugin import RunOptions

NET = "[net]\nbatch=64\nsubdivisions=16\nwidth=416\nheight=416\nchannels=3\nmax_batches=6000\n[maxpool]\n"


@pytest.mark.parametrize("gpus", [1, 4])
def test_an_iteration_is_one_batch_of_images_whatever_the_gpu_count(gpus):
    # batch 64 / subdivisions 16 = mini-batch 4, times 16 subdivisions: 64 images per iteration; with 4 GPUs
    # a loop trains 4 such batches and counts 4 iterations, so it is still 64 per iteration
    loaded = load_text(NET, "x.cfg")
    assert loaded.framework.images_per_update(loaded, RunOptions(gpus=gpus)) == 64
