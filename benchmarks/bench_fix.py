"""Time ``lint --fix`` and ``extend``: what fixing and planning cost next to linting and reading.

- fix: ``fix_source`` on a darknet cfg with N layers whose every option carries an inline comment (DN003's
  safe fix on every line: N * 6 fixes in one pass, then a pass that finds nothing), against one plain
  lint of the same text; N = 100 and 1,000 (the ratio of the two fix times says whether fixing grows
  with the file as linting does, i.e. linearly).
- extend: ``plan_extension`` through the plug-in, the text edit and the read-back of the written config,
  for a poly cfg with max_batches of 10,000 and of 10,000,000 (the ratio should be about 1: nothing
  grows with the horizon).

Run: python benchmarks/bench_fix.py
"""

from __future__ import annotations


from cfgtools.lint.fixes import fix_source
from cfgtools.lint.runner import lint_source
from cfgtools.lint.settings import LintSettings
from cfgtools.loading import load_source
from cfgtools.plugin import Checkpoint, ExtensionRequest, RunOptions
from cfgtools.sources import SourceText
from timing import best_of

NET = "[net]\nbatch=64\nsubdivisions=16\nwidth=416\nheight=416\nchannels=3\nlearning_rate=0.001\nmax_batches=6000\n"
LAYER = ("[convolutional]\nbatch_normalize=1 # bn\nfilters=16 # width\nsize=3 # kernel\nstride=1 # keep\n"
         "pad=1 # same\nactivation=leaky # relu-ish\n\n")



def bench_fix() -> None:
    settings = LintSettings()
    fixed_times = {}
    for layers in (100, 1000):
        source = SourceText("big.cfg", NET + LAYER * layers, False)
        outcome = fix_source(source, settings)
        assert outcome.applied["DN003"] == 6 * layers and outcome.problem is None
        lint = best_of(lambda: lint_source(source, settings))
        fix = best_of(lambda: fix_source(source, settings))
        fixed_times[layers] = fix
        print(f"fix   {layers:5d} layers ({6 * layers:5d} fixes): lint {lint * 1e3:8.1f} ms, fix {fix * 1e3:8.1f} ms, "
              f"fix/lint {fix / lint:5.2f}")
    print(f"fix   1000 / 100 layers: x{fixed_times[1000] / fixed_times[100]:.1f} (10x the text)")


def bench_extend() -> None:
    times = {}
    for horizon in (10_000, 10_000_000):
        text = NET.replace("max_batches=6000", f"max_batches={horizon}") + "burn_in=1000\npolicy=poly\npower=4\n"
        source = SourceText("poly.cfg", text, False)

        def plan_and_write():
            loaded = load_source(source)
            plans = loaded.framework.plan_extension(loaded, Checkpoint(horizon * 3 // 4),
                                                    ExtensionRequest(new_end=horizon * 3 // 2))
            for plan in plans:
                written = loaded.framework.edit_text(loaded, {c.key: c.new for c in plan.changes})
                load_source(SourceText("new.cfg", written, False)).schedule(RunOptions())

        times[horizon] = best_of(plan_and_write)
        print(f"extend max_batches {horizon:>10,}: {times[horizon] * 1e3:7.1f} ms (2 plans, written and read back)")
    print(f"extend 10M / 10k: x{times[10_000_000] / times[10_000]:.2f}")


if __name__ == "__main__":
    bench_fix()
    bench_extend()
