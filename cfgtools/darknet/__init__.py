"""Everything cfgtools knows about darknet (AlexeyAB and pjreddie forks).

- ``document``: the .cfg text as darknet reads it, with positions;
- ``cnum``: C's atoi/atof and darknet's comma-list parsing;
- ``net``: the typed ``[net]`` section (``NetConfig``);
- ``weights``: the iteration stored in a ``.weights`` header.
"""

#: the forks cfgtools reads cfgs as (the first is the default)
DIALECTS = ("alexeyab", "pjreddie")
DEFAULT_DIALECT = DIALECTS[0]
#: how messages name each fork
FORK_NAMES = {"alexeyab": "AlexeyAB", "pjreddie": "pjreddie"}


def fork_name(dialect: str) -> str:
    return FORK_NAMES[dialect]


def other_dialects(dialect: str) -> tuple[str, ...]:
    """Every fork but ``dialect``, in DIALECTS order."""
    return tuple(d for d in DIALECTS if d != dialect)

#: the constant get_current_rate uses for pi in SGDR (src/network.c), instead of M_PI
SGDR_PI = 3.14159265
