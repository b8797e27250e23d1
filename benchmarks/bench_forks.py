"""Time reading a cfg as AlexeyAB and as hank-ai, and their rate arithmetic.

(a) a 2,000-layer cfg (a [net] and [convolutional]/[route]/[yolo] sections) read
    by AlexeyAB's rules (Lark tree + strip) and by hank-ai's (one regex a line);
(b) the hank-ai schedule of a 500,500-batch poly with burn-in (float arithmetic)
    against AlexeyAB's (double pow), over every batch.

Run: python benchmarks/bench_forks.py
"""

from __future__ import annotations

import time

import numpy as np

from cfgtools.darknet.document import parse_tree, read_cfg
from cfgtools.darknet.hankai import read_hankai_cfg
from cfgtools.darknet.rate import rates
from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.schedule.model import BurnIn, Poly
from cfgtools.sources import SourceText

LAYER = "[convolutional]\nbatch_normalize=1\nfilters=64\nsize=3\nstride=1\npad=1\nactivation=leaky\n\n"
TEXT = ("[net]\nbatch=64\nsubdivisions=16\nwidth=416\nheight=416\nchannels=3\nlearning_rate=0.001\n"
        "max_batches=500500\npolicy=poly\n\n" + LAYER * 2000)


def best(function, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    source = SourceText("big.cfg", TEXT, False)

    def alexeyab():
        parse_tree.cache_clear()
        read_cfg(source, "big.cfg", "alexeyab")

    ab, hank = best(alexeyab), best(lambda: read_hankai_cfg(source, "big.cfg"))
    print(f"(a) read {TEXT.count(chr(10))} lines: AlexeyAB {ab * 1000:.1f} ms, hank-ai {hank * 1000:.1f} ms "
          f"(ratio {ab / hank:.2f})")
    batches = np.arange(1, 500_501)
    policy = Poly(power=float(np.float32(4.0)), max_iter=500_500)
    burn = BurnIn(iterations=1000, power=4.0)
    ab_schedule = darknet_schedule("alexeyab", float(np.float32(0.001)), policy, 500_500, burn_in=burn)
    hank_schedule = darknet_schedule("hankai", float(np.float32(0.001)), policy, 500_500, burn_in=burn)
    ab, hank = best(lambda: rates(ab_schedule, batches)), best(lambda: rates(hank_schedule, batches))
    differ = int(np.count_nonzero(rates(ab_schedule, batches) != rates(hank_schedule, batches)))
    print(f"(b) 500,500 poly rates: AlexeyAB {ab * 1000:.1f} ms, hank-ai {hank * 1000:.1f} ms "
          f"(ratio {hank / ab:.2f}); {differ} of 500,500 rates differ by 1 ulp")


if __name__ == "__main__":
    main()
