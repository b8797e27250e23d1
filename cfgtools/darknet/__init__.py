"""Everything cfgtools knows about darknet: the AlexeyAB, pjreddie and hank-ai forks.

- ``document``: the .cfg text as the C forks read it, with positions;
- ``hankai``: the same model as hank-ai's C++ reader builds it;
- ``cnum``: C's atoi/atof, darknet's comma lists and hank-ai's number rules;
- ``net``: the typed ``[net]`` section (``NetConfig``);
- ``weights``: the iteration stored in a ``.weights`` header.
"""

#: the forks cfgtools reads cfgs as (the first is the default). AlexeyAB stays the default: it is what
#: most cfgs in use were written for, and it reads every file hank-ai reads the same way except where
#: hank-ai refuses it (see README, "Which darknet?").
DIALECTS = ("alexeyab", "pjreddie", "hankai")
DEFAULT_DIALECT = DIALECTS[0]
#: how messages name each fork
FORK_NAMES = {"alexeyab": "AlexeyAB", "pjreddie": "pjreddie", "hankai": "hank-ai"}
#: the forks that read a cfg as AlexeyAB's parser.c does where their readers agree (hank-ai's C++
#: reader was written from it: same keys, defaults, layer parsers and rate function)
ALEXEYAB_FAMILY = ("alexeyab", "hankai")


def fork_name(dialect: str) -> str:
    return FORK_NAMES[dialect]


def other_dialects(dialect: str) -> tuple[str, ...]:
    """Every fork but ``dialect``, in DIALECTS order."""
    return tuple(d for d in DIALECTS if d != dialect)


def in_alexeyab_family(dialect: str) -> bool:
    """Whether ``dialect`` reads keys, layers and the rate as AlexeyAB does (AlexeyAB or hank-ai)."""
    return dialect in ALEXEYAB_FAMILY


#: AlexeyAB and hank-ai sync a multi-GPU run every 4 iterations (train_detector calls
#: train_networks(nets, ngpus, train, 4)), adding the other GPUs' batches to seen
SYNC_INTERVAL = 4

#: the constant get_current_rate uses for pi in SGDR (src/network.c) in the C forks, instead of M_PI
SGDR_PI = 3.14159265
#: hank-ai's SGDR uses M_PI (get_current_rate, src-lib/darknet_network.cpp)
M_PI = 3.141592653589793
