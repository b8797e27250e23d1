"""Time reading a cfg as AlexeyAB and as hank-ai, and their rate arithmetic.

(a) a 2,000-layer cfg (a [net] and [convolutional]/[route]/[yolo] sections) read
    by AlexeyAB's rules (Lark, a line at a time) and by hank-ai's (one regex a line),
    their memoised line readings cleared before each run;
(b) the hank-ai schedule of a 500,500-batch poly with burn-in (float arithmetic)
    against AlexeyAB's (double pow), over every batch.

Run: python benchmarks/bench_forks.py
"""

from __future__ import annotations

import numpy as np

from cfgtools.darknet import document, hankai
from cfgtools.darknet.document import read_cfg
from cfgtools.darknet.hankai import read_hankai_cfg
from cfgtools.darknet.rate import rates
from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.schedule.model import BurnIn, Poly
from cfgtools.sources import SourceText
from timing import best_of

LAYER = "[convolutional]\nbatch_normalize=1\nfilters=64\nsize=3\nstride=1\npad=1\nactivation=leaky\n\n"
TEXT = ("[net]\nbatch=64\nsubdivisions=16\nwidth=416\nheight=416\nchannels=3\nlearning_rate=0.001\n"
        "max_batches=500500\npolicy=poly\n\n" + LAYER * 2000)


def main() -> None:
    source = SourceText("big.cfg", TEXT, False)

    def alexeyab():
        document._read_lines.cache_clear()
        document._line_reading.cache_clear()
        document._line_node.cache_clear()
        read_cfg(source, "big.cfg", "alexeyab")

    def hank_ai():
        hankai._line_reading.cache_clear()
        read_hankai_cfg(source, "big.cfg")

    ab, hank = best_of(alexeyab, 5), best_of(hank_ai, 5)
    print(f"(a) read {TEXT.count(chr(10))} lines: AlexeyAB {ab * 1000:.1f} ms, hank-ai {hank * 1000:.1f} ms "
          f"(ratio {ab / hank:.2f})")
    batches = np.arange(1, 500_501)
    policy = Poly(power=float(np.float32(4.0)), max_iter=500_500)
    burn = BurnIn(iterations=1000, power=4.0)
    ab_schedule = darknet_schedule("alexeyab", float(np.float32(0.001)), policy, 500_500, burn_in=burn)
    hank_schedule = darknet_schedule("hankai", float(np.float32(0.001)), policy, 500_500, burn_in=burn)
    ab, hank = best_of(lambda: rates(ab_schedule, batches), 5), best_of(lambda: rates(hank_schedule, batches), 5)
    differ = int(np.count_nonzero(rates(ab_schedule, batches) != rates(hank_schedule, batches)))
    print(f"(b) 500,500 poly rates: AlexeyAB {ab * 1000:.1f} ms, hank-ai {hank * 1000:.1f} ms "
          f"(ratio {hank / ab:.2f}); {differ} of 500,500 rates differ by 1 ulp")


if __name__ == "__main__":
    main()
