"""Everything cfgtools knows about darknet (AlexeyAB and pjreddie forks).

- ``document``: the .cfg text as darknet reads it, with positions;
- ``cnum``: C's atoi/atof and darknet's comma-list parsing;
- ``net``: the typed ``[net]`` section (``NetConfig``);
- ``weights``: the iteration stored in a ``.weights`` header.
"""

DIALECTS = ("alexeyab", "pjreddie")
DEFAULT_DIALECT = "alexeyab"

#: the constant get_current_rate uses for pi in SGDR (src/network.c), instead of M_PI
SGDR_PI = 3.14159265
