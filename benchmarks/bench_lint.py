"""How much `cfgtools lint` costs beyond reading files: whole processes, medians, side by side.

Prints, in one run on this machine:

- the import floor (``python -c "import lark, pydantic, numpy"``), the dependencies' own start-up;
- ``cfgtools lint yolov4.cfg`` with the cache off, and its ratio to the floor;
- the whole shared corpus in one call, cold (cache off) and warm (cache filled), and the cost per file
  beyond the first;
- a 10,000,000-iteration Caffe poly solver against a 1,000-iteration one (time and peak memory), and a
  darknet cfg with 2,000 steps;
- yamllint over YAML files of the same sizes as the corpus, as a peer reference, when yamllint is installed.

Each figure that issue 15 sets a target for says "met" or "NOT MET" beside the target. On a shared machine run it
when it is quiet: the ratios compare processes of the same run, the absolute times do not travel.

Run: ``python benchmarks/bench_lint.py [--repeat N]`` from the repository (the corpus is ``../shared/corpus``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
PYTHON = sys.executable


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall time (s) and peak RSS (KiB, from GNU time when available) of one process."""
    timer = shutil.which("time") or "/usr/bin/time"
    wrapped = [timer, "-f", "%M", *command] if os.path.exists(timer) else command
    start = time.perf_counter()
    done = subprocess.run(wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    elapsed = time.perf_counter() - start
    lines = done.stderr.strip().splitlines()
    rss = int(lines[-1]) if wrapped is not command and lines and lines[-1].isdigit() else 0
    return elapsed, rss


def median(command: list[str], repeat: int, env: dict[str, str] | None = None) -> tuple[float, int]:
    results = [run(command, env) for _ in range(repeat)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def corpus_files() -> list[str]:
    if not CORPUS.is_dir():
        return []
    wanted = (".cfg", ".prototxt", ".pt")
    return sorted(str(p) for folder in ("darknet", "caffe") for p in (CORPUS / folder).rglob("*") if p.suffix in wanted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cfgtools = [PYTHON, "-m", "cfgtools"]
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        env = {**os.environ, "CFGTOOLS_CACHE_DIR": str(work_dir / "cache")}
        floor, _ = median([PYTHON, "-c", "import lark, pydantic, numpy"], args.repeat)
        print(f"import floor (lark, pydantic, numpy)      {floor * 1000:8.1f} ms")
        yolov4 = CORPUS / "darknet" / "alexeyab" / "yolov4.cfg"
        if yolov4.exists():
            cold, _ = median([*cfgtools, "lint", "--no-cache", str(yolov4)], args.repeat)
            print(f"lint yolov4.cfg, cache off               {cold * 1000:8.1f} ms   {cold / floor:5.2f}x the floor"
                  f"   {verdict(cold / floor <= 1.1)} (target <= 1.10x)")
        files = corpus_files()
        if files:
            one, _ = median([*cfgtools, "lint", "--no-cache", files[0]], args.repeat)
            cold, _ = median([*cfgtools, "lint", "--no-cache", *files], args.repeat)
            run([*cfgtools, "lint", *files], env)  # fill the cache
            warm, _ = median([*cfgtools, "lint", *files], args.repeat, env)
            extra = len(files) - 1
            per_cold, per_warm = (cold - one) / extra * 1000, (warm - one) / extra * 1000
            print(f"first corpus file alone, cache off       {one * 1000:8.1f} ms   ({Path(files[0]).name})")
            print(f"corpus ({len(files)} files), cache off          {cold * 1000:8.1f} ms   "
                  f"{per_cold:5.2f} ms per file beyond the first   {verdict(per_cold <= 5)} (target <= 5 ms)")
            print(f"corpus ({len(files)} files), warm cache         {warm * 1000:8.1f} ms   "
                  f"{per_warm:5.2f} ms per file beyond the first   {verdict(per_warm <= 1)} (target <= 1 ms)")
        else:
            print("corpus: absent (../shared/corpus), skipped")
        solvers = {}
        for iterations in (1_000, 10_000_000):
            path = work_dir / f"poly_{iterations}.prototxt"
            path.write_text(f'base_lr: 0.01\nlr_policy: "poly"\npower: 0.9\nmax_iter: {iterations}\n'
                            'momentum: 0.9\nweight_decay: 0.0005\n')
            solvers[iterations] = median([*cfgtools, "lint", "--no-cache", str(path)], args.repeat)
        (small, small_rss), (large, large_rss) = solvers[1_000], solvers[10_000_000]
        print(f"Caffe poly, max_iter 1,000               {small * 1000:8.1f} ms   {small_rss / 1024:6.1f} MiB")
        print(f"Caffe poly, max_iter 10,000,000          {large * 1000:8.1f} ms   {large_rss / 1024:6.1f} MiB   "
              f"(+{(large - small) * 1000:.1f} ms, +{(large_rss - small_rss) / 1024:.1f} MiB)   "
              f"{verdict(large - small <= 0.020 and large_rss - small_rss <= 5 * 1024)} (target +20 ms, +5 MiB)")
        steps = work_dir / "steps2000.cfg"
        values = list(range(1000, 2_001_000, 1000))
        steps.write_text("[net]\nwidth=416\nheight=416\nchannels=3\nbatch=64\nsubdivisions=16\nlearning_rate=0.01\n"
                         f"max_batches=2001000\npolicy=steps\nsteps={','.join(map(str, values))}\n"
                         f"scales={','.join(['0.999'] * len(values))}\n[convolutional]\nfilters=3\nsize=1\n")
        elapsed, _ = median([*cfgtools, "lint", "--no-cache", str(steps)], args.repeat)
        print(f"darknet cfg with 2,000 steps             {elapsed * 1000:8.1f} ms   {elapsed / floor:5.2f}x the floor")
        yamllint = shutil.which("yamllint")
        if yamllint and files:
            yaml_dir = work_dir / "yaml"
            yaml_dir.mkdir()
            for index, name in enumerate(files):  # the same number of files, each about as large, as valid YAML
                size = Path(name).stat().st_size
                lines = max(1, size // 16)
                (yaml_dir / f"f{index}.yaml").write_text("---\n" + "".join(f"key_{i}: {i}\n" for i in range(lines)))
            peer, _ = median([yamllint, str(yaml_dir)], args.repeat)
            print(f"yamllint, {len(files)} YAML files of the same sizes {peer * 1000:8.1f} ms   (peer reference)")
        else:
            print("yamllint: not installed, no peer reference (pip install yamllint)")


if __name__ == "__main__":
    main()
