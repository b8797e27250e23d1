"""The pure text renderer: envelopes keep spikes and drops, 80 columns, legend, axes."""

from __future__ import annotations

import numpy as np

from cfgtools.schedule.textplot import Envelope, columns_for, render


def envelope(iters, values, x0, x1, label="s", columns=None, log_y=False):
    env = Envelope(x0=x0, x1=x1, columns=columns or columns_for(80), label=label)
    env.add(np.asarray(iters), np.asarray(values, dtype=np.float32), log_y=log_y)
    return env


def test_envelope_keeps_a_single_iteration_spike():
    iters = np.arange(1, 1_000_001)
    values = np.full(iters.size, 0.001, dtype=np.float32)
    values[123_456] = 0.5  # one iteration out of a million
    env = envelope(iters, values, 1, 1_000_000, columns=68)
    col = (123_457 - 1) * 68 // 1_000_000
    assert env.high[col] == np.float32(0.5) and env.low[col] == np.float32(0.001)
    assert np.nanmax(np.delete(env.high, col)) == np.float32(0.001)


def test_envelope_chunked_equals_whole():
    iters = np.arange(0, 10_000)
    values = np.sin(iters / 300.0).astype(np.float32)
    whole = envelope(iters, values, 0, 9_999, columns=50)
    parts = Envelope(x0=0, x1=9_999, columns=50)
    for start in range(0, 10_000, 777):
        parts.add(iters[start:start + 777], values[start:start + 777])
    assert np.array_equal(whole.low, parts.low) and np.array_equal(whole.high, parts.high)


def test_nan_and_non_positive_on_log_are_counted_not_drawn():
    env = envelope([1, 2, 3, 4], [0.1, np.nan, 0.0, np.inf], 1, 4, log_y=True)
    assert env.skipped == 3


def test_render_fits_80_columns_with_axes_legend_and_step_drop():
    iters = np.arange(1, 501)
    a = np.where(iters < 250, 0.01, 0.001).astype(np.float32)
    b = np.full(iters.size, 0.005, dtype=np.float32)
    text = render([envelope(iters, a, 1, 500, "first"), envelope(iters, b, 1, 500, "second")],
                  vlines=[(250, "|", "resume at iteration 250")], title="lr")
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "  * first" in lines and "  o second" in lines and "  | resume at iteration 250" in lines
    assert any(line.strip().startswith("0.01 +") for line in lines)  # top lr tick
    assert any(line.lstrip().startswith("1") and line.rstrip().endswith("500") for line in lines)
    # the drop column has a vertical run of '*' through several rows
    grid = [line[11:] for line in lines[1:21]]
    drop = (250 - 1) * columns_for(80) // 500
    assert sum(1 for row in grid if len(row) > drop and row[drop] == "*") >= 10


def test_render_log_and_empty():
    iters = np.arange(1, 101)
    values = (0.1 * 0.9 ** iters).astype(np.float32)
    text = render([envelope(iters, values, 1, 100, "exp", log_y=True)], log_y=True)
    assert "1e-3" in text or "0.001" in text
    assert "log scale" in text
    empty = render([envelope([1], [np.nan], 1, 1, "nothing")])
    assert "no finite learning rates" in empty


def test_log_floor_leaves_out_and_counts_what_lies_below():
    iters = np.arange(1, 11)
    values = np.array([1e-12, 1e-10, 1e-9, 1e-6, 1e-3] * 2, dtype=np.float64)
    env = Envelope(x0=1, x1=10, columns=10)
    env.add(iters, values, log_y=True, floor=1e-9)
    assert env.below_floor == 4 and env.skipped == 0
    assert np.nanmin(env.low) == 1e-9
    text = render([env], log_y=True, floor=1e-9)
    assert "4 value(s) below 1e-9 (1e-6 of the peak) not drawn" in text
