"""The typed ``[net]`` section: every option that shapes training, as darknet reads it.

``parse_net_options`` (src/parser.c) reads each key with ``option_find_int``,
``option_find_float`` or ``option_find_str``: the first option of that key,
converted with C ``atoi``/``atof`` (floats stored in a C ``float``), or the
default when the key is missing or has no value. Some keys are read only
under some policies (``step`` for step/sigmoid, ``steps`` for steps/sgdr,
``gamma`` for exp/sigmoid); :attr:`Setting.read` says whether a key has an
effect, so a linter can tell "ignored" from "used".

hank-ai (``CfgFile::parse_net_section``, src-lib/darknet_cfg.cpp) reads the
same keys with the same defaults, but ``find_int``/``find_float`` stop with
``key "K" on line #N should be numeric, but found "V"`` unless the value is
made of ``-.0123456789`` (an int is the float's integer part), ``steps`` and
``scales`` are runs of those characters, missing scales are 0, an unknown
policy is fatal, and it always looks up ``sgdr_cycle``, ``sgdr_mult`` and
``learning_rate_min``. A key it never looks up is fatal too:
:attr:`NetConfig.lookups` lists those it does.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Generic, Literal, TypeVar

from cfgtools.darknet import cnum, netkeys
from cfgtools.darknet.document import CfgDocument, Dialect, Option, Section
from cfgtools.positions import Span

T = TypeVar("T")

#: Policy names darknet accepts (exact, case-sensitive ``strcmp`` in ``get_policy``).
POLICIES: dict[Dialect, tuple[str, ...]] = {
    "alexeyab": ("random", "poly", "constant", "step", "exp", "sigmoid", "steps", "sgdr"),
    "pjreddie": ("random", "poly", "constant", "step", "exp", "sigmoid", "steps"),
    # all_names_and_learning_rate_policies (src-lib/darknet_enums.cpp); any other name is fatal
    "hankai": ("random", "poly", "constant", "step", "exp", "sigmoid", "steps", "sgdr"),
}

Policy = Literal["constant", "step", "exp", "poly", "steps", "sigmoid", "random", "sgdr"]


# Plain frozen dataclasses: the values are darknet's own conversions (cnum), never validated again, and a
# pydantic model per Setting[T] cost more at start-up than reading a cfg.


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    """One [net] option: the value darknet uses and where it came from."""

    key: str
    value: T  #: what darknet uses (after atoi/atof and float storage)
    source: Literal["file", "default"]
    read: bool = True  #: False when darknet never looks this key up (e.g. steps under poly)
    raw: str | None = None  #: the value text darknet converts (blanks removed); None for a default
    span: Span | None = None  #: where the value is written
    key_span: Span | None = None
    line: int | None = None

    @property
    def from_file(self) -> bool:
        return self.source == "file"


@dataclass(frozen=True, slots=True)
class NetConfig:
    """The training recipe of a darknet cfg (``[net]``), for one fork."""

    dialect: Dialect
    batch: Setting[int]
    subdivisions: Setting[int]
    time_steps: Setting[int]
    max_batches: Setting[int]
    learning_rate: Setting[float]
    momentum: Setting[float]
    decay: Setting[float]
    policy: Setting[str]  #: the text as darknet reads it (may be unknown: see effective_policy)
    burn_in: Setting[int]
    power: Setting[float]
    step: Setting[int]
    scale: Setting[float]
    steps: Setting[list[int]]
    scales: Setting[list[float]]
    gamma: Setting[float]
    sgdr_cycle: Setting[int]
    sgdr_mult: Setting[int]
    learning_rate_min: Setting[float]
    adam: Setting[int]
    B1: Setting[float]
    B2: Setting[float]
    eps: Setting[float]
    width: Setting[int]
    height: Setting[int]
    channels: Setting[int]
    #: the policy darknet trains with: unknown names fall back to "constant"
    effective_policy: Policy
    #: the stored mini-batch: batch // subdivisions * time_steps (AlexeyAB forces it to >= 1)
    mini_batch: int
    #: why darknet would stop or crash on this [net] (e.g. fewer scales than steps)
    fatal: tuple[str, ...] = ()
    #: hank-ai: its fatal errors as (key, message), for the rule that reports that key
    fatal_keys: tuple[tuple[str, str], ...] = ()
    #: hank-ai: ints written with a fraction, which it truncates with a note, as (key, message)
    notes: tuple[tuple[str, str], ...] = ()
    #: the [net] keys this fork looks up for this file (hank-ai stops on any other key)
    lookups: frozenset[str] = frozenset()

    def settings(self) -> list[Setting]:
        return [value for value in (getattr(self, f.name) for f in fields(self)) if isinstance(value, Setting)]

    @property
    def policy_known(self) -> bool:
        return self.policy.value in POLICIES[self.dialect]


class _Reader:
    """darknet's option_find_* over one section, recording provenance (and every key looked up)."""

    def __init__(self, section: Section | None):
        self.section = section
        self.looked_up: set[str] = set()

    def _find(self, key: str) -> Option | None:
        self.looked_up.add(key)
        option = self.section.lookup(key) if self.section is not None else None
        return option if option is not None and option.value is not None else None

    def _setting(self, key: str, value, option: Option | None, read: bool) -> Setting:
        if option is None:
            return Setting(key=key, value=value, source="default", read=read)
        return Setting(
            key=key, value=value, source="file", read=read, raw=option.value,
            span=option.value_span, key_span=option.key_span, line=option.line,
        )

    def int(self, key: str, default: int, read: bool = True) -> Setting[int]:
        option = self._find(key)
        return self._setting(key, cnum.atoi(option.value) if option else default, option, read)

    def float(self, key: str, default: float, read: bool = True) -> Setting[float]:
        option = self._find(key)
        value = cnum.atof32(option.value) if option else cnum.to_float32(default)
        return self._setting(key, value, option, read)

    def str(self, key: str, default: str, read: bool = True) -> Setting[str]:
        option = self._find(key)
        return self._setting(key, option.value if option else default, option, read)

    def raw(self, key: str) -> Option | None:
        return self._find(key)


class _HankaiReader(_Reader):
    """hank-ai's ``CfgSection::find_int``/``find_float``: numbers only from ``-.0123456789``."""

    def __init__(self, section: Section | None):
        super().__init__(section)
        self.fatal: list[tuple[str, str]] = []
        self.notes: list[tuple[str, str]] = []

    def _number(self, key: str, option: Option) -> float | None:
        value = cnum.stof(option.value) if cnum.hankai_numeric(option.value) else None
        if value is None and not cnum.hankai_numeric(option.value):  # else the reader stopped already
            self.fatal.append((key, f'hank-ai stops with "key "{key}" on line #{option.line} should be numeric, '
                                    f'but found "{option.value}""'))
        return value

    def int(self, key: str, default: int, read: bool = True) -> Setting[int]:
        option = self._find(key)
        number = self._number(key, option) if option else None
        if number is None:
            return self._setting(key, default, option, read)
        if number != int(number):
            self.notes.append((key, f'hank-ai prints "-> expected an integer for "{key}" on line #{option.line} but '
                                    f'found "{number:f}"" and truncates it to {cnum.float_to_int(number)}'))
        return self._setting(key, cnum.float_to_int(number), option, read)

    def float(self, key: str, default: float, read: bool = True) -> Setting[float]:
        option = self._find(key)
        number = self._number(key, option) if option else None
        return self._setting(key, cnum.to_float32(default) if number is None else number, option, read)


def lacks_input(net: NetConfig, section: Section) -> bool:
    """Whether ``[net]`` sets neither width, height and channels nor inputs: every fork stops in
    parse_net_options ("No input parameters supplied"; hank-ai: "no input parameters supplied")."""
    if net.width.value and net.height.value and net.channels.value:
        return False
    inputs = section.lookup("inputs")
    if inputs is None or inputs.value is None:
        return True
    if net.dialect == "hankai":
        return not (cnum.hankai_numeric(inputs.value) and cnum.stof(inputs.value))
    return cnum.atoi(inputs.value) == 0


def read_net(document: CfgDocument) -> NetConfig:
    """The typed [net] of ``document`` (defaults everywhere when there is none)."""
    if document.dialect == "hankai":
        return _read_net_hankai(document)
    dialect = document.dialect
    section = document.net
    r = _Reader(section)
    fatal: list[str] = []

    max_batches = r.int("max_batches", 0)
    batch = r.int("batch", 1)
    subdivisions = r.int("subdivisions", 1)
    time_steps = r.int("time_steps", 1)
    policy = r.str("policy", "constant")
    known = POLICIES[dialect]
    effective: Policy = policy.value if policy.value in known else "constant"  # type: ignore[assignment]
    uses_steps = effective in ("steps", "sgdr")

    steps_option, scales_option = r.raw("steps"), r.raw("scales")
    steps_list: list[int] = []
    scales_list: list[float] = []
    if steps_option is not None:
        count = cnum.list_count(steps_option.value, dialect)
        steps_list = cnum.int_list(steps_option.value, count) or []
        if scales_option is not None:
            parsed = cnum.float32_list(scales_option.value, count)
            if parsed is None:
                available = scales_option.value.count(",") + 1
                if uses_steps:
                    fatal.append(
                        f"scales has {available} item(s) for {count} steps: darknet reads past the end "
                        "of the scales list and crashes (segfault)"
                    )
                scales_list = cnum.float32_list(scales_option.value, available) or []
            else:
                scales_list = parsed
        elif effective == "sgdr":
            scales_list = [1.0] * count  # AlexeyAB: sgdr without scales uses 1.0
    if effective == "steps" and (steps_option is None or scales_option is None):
        fatal.append("policy=steps needs both steps and scales: darknet stops with "
                     "'STEPS policy must have steps and scales in cfg file'")
    if effective == "step":
        step_setting = r.int("step", 1)
        if step_setting.value == 0:
            fatal.append("step=0 with policy=step: darknet divides by zero (SIGFPE) at the first update")
    else:
        step_setting = r.int("step", 1, read=effective == "sigmoid")

    def listed(key: str, option: Option | None, values: list) -> Setting:
        if option is None:
            return Setting(key=key, value=values, source="default", read=uses_steps)
        return r._setting(key, values, option, uses_steps)

    mini_batch = batch.value // subdivisions.value if subdivisions.value else 0
    if subdivisions.value == 0:
        fatal.append("subdivisions=0: darknet divides by zero (SIGFPE) computing the mini-batch")
    mini_batch *= time_steps.value
    if dialect == "alexeyab":
        mini_batch = max(mini_batch, 1, max(time_steps.value, 1))

    adam = r.int("adam", 0)
    is_sgdr = effective == "sgdr"
    lookups = netkeys.lookups(dialect, effective, bool(adam.value))
    return NetConfig(
        dialect=dialect,
        batch=batch,
        subdivisions=subdivisions,
        time_steps=time_steps,
        max_batches=max_batches,
        learning_rate=r.float("learning_rate", 0.001),
        momentum=r.float("momentum", 0.9),
        decay=r.float("decay", 0.0001),
        policy=policy,
        burn_in=r.int("burn_in", 0),
        power=r.float("power", 4.0),
        step=step_setting,
        scale=r.float("scale", 1.0, read=effective == "step"),
        steps=listed("steps", steps_option, steps_list),
        scales=listed("scales", scales_option, scales_list),
        gamma=r.float("gamma", 1.0, read=effective in ("exp", "sigmoid")),
        sgdr_cycle=r.int("sgdr_cycle", max_batches.value, read=is_sgdr and dialect == "alexeyab"),
        sgdr_mult=r.int("sgdr_mult", 2, read=is_sgdr and dialect == "alexeyab"),
        learning_rate_min=r.float("learning_rate_min", 0.00001, read=is_sgdr and dialect == "alexeyab"),
        adam=adam,
        B1=r.float("B1", 0.9, read=bool(adam.value)),
        B2=r.float("B2", 0.999, read=bool(adam.value)),
        eps=r.float("eps", 0.000001 if dialect == "alexeyab" else 0.0000001, read=bool(adam.value)),
        width=r.int("width", 0),
        height=r.int("height", 0),
        channels=r.int("channels", 0),
        effective_policy=effective,
        mini_batch=mini_batch,
        fatal=tuple(fatal),
        lookups=lookups,
    )


def _read_net_hankai(document: CfgDocument) -> NetConfig:
    """hank-ai's ``CfgFile::parse_net_section`` (src-lib/darknet_cfg.cpp): AlexeyAB's keys, its number rules."""
    r = _HankaiReader(document.net)
    fatal: list[str] = []
    policy = r.str("policy", "constant")
    known = POLICIES["hankai"]
    if policy.value not in known:
        r.fatal.append(("policy", f'hank-ai stops with "learning rate policy "{policy.value}" is not supported"'))
    effective: Policy = policy.value if policy.value in known else "constant"  # type: ignore[assignment]
    adam = r.int("adam", 0)
    lookups = netkeys.lookups("hankai", effective, bool(adam.value))

    def number(kind: str, key: str, default, effect: bool = True) -> Setting:
        """A key hank-ai looks up for this policy is read (and may be fatal); any other keeps its default."""
        if key in lookups:
            return (r.int if kind == "int" else r.float)(key, default, effect)
        option = document.net.lookup(key) if document.net is not None else None
        value = default if kind == "int" else cnum.to_float32(default)
        return r._setting(key, value, option if option is not None and option.value is not None else None, False)

    max_batches = number("int", "max_batches", 0)
    batch, subdivisions = number("int", "batch", 1), number("int", "subdivisions", 1)
    time_steps = number("int", "time_steps", 1)
    uses_steps = effective in ("steps", "sgdr")
    steps_list: list[int] = []
    scales_list: list[float] = []
    steps_option = scales_option = None
    if uses_steps:
        steps_option, scales_option = r.raw("steps"), r.raw("scales")
        r.raw("seq_scales")
        steps_list = cnum.hankai_int_list(steps_option.value) if steps_option else []
        scales_list = cnum.hankai_float_list(scales_option.value) if scales_option else []
        if effective == "steps" and not (steps_list and scales_list):
            r.fatal.append(("steps", 'hank-ai stops with "STEPS policy must have steps and scales in cfg file"'))
        # scales.resize(n): missing scales are 0, extra ones dropped
        scales_list = (scales_list + [0.0] * len(steps_list))[: len(steps_list)]
    step = number("int", "step", 1, effective in ("step", "sigmoid"))
    if effective == "step" and step.value == 0:
        fatal.append("step=0 with policy=step: hank-ai divides by zero (SIGFPE, exit 134) at the first update")
    if subdivisions.value == 0:
        fatal.append("subdivisions=0: hank-ai divides by zero (SIGFPE, exit 134) computing the mini-batch")
    mini_batch = (batch.value // subdivisions.value if subdivisions.value else 0) * time_steps.value
    mini_batch = max(mini_batch, 1, max(time_steps.value, 1))  # create_network, as AlexeyAB

    def listed(key: str, option: Option | None, values: list) -> Setting:
        if option is None:
            return Setting(key=key, value=values, source="default", read=uses_steps)
        return r._setting(key, values, option, uses_steps)

    width, height, channels = number("int", "width", 0), number("int", "height", 0), number("int", "channels", 0)
    is_sgdr = effective == "sgdr"
    settings = dict(
        dialect="hankai", batch=batch, subdivisions=subdivisions, time_steps=time_steps, max_batches=max_batches,
        learning_rate=number("float", "learning_rate", 0.001), momentum=number("float", "momentum", 0.9),
        decay=number("float", "decay", 0.0001), policy=policy, burn_in=number("int", "burn_in", 0),
        power=number("float", "power", 4.0), step=step, scale=number("float", "scale", 1.0, effective == "step"),
        steps=listed("steps", steps_option, steps_list), scales=listed("scales", scales_option, scales_list),
        gamma=number("float", "gamma", 1.0, effective in ("exp", "sigmoid")),
        sgdr_cycle=number("int", "sgdr_cycle", max_batches.value, is_sgdr),
        sgdr_mult=number("int", "sgdr_mult", 2, is_sgdr),
        learning_rate_min=number("float", "learning_rate_min", 0.00001, is_sgdr),
        adam=adam, B1=number("float", "B1", 0.9, bool(adam.value)), B2=number("float", "B2", 0.999, bool(adam.value)),
        eps=number("float", "eps", 0.000001, bool(adam.value)), width=width, height=height, channels=channels,
    )
    for key in sorted(lookups - set(settings) - {"steps", "scales", "seq_scales"}):
        number("float", key, 0.0)  # the other keys it reads as numbers (fatal when they are not)
    fatal.extend(message for _, message in r.fatal)
    return NetConfig(
        **settings, effective_policy=effective, mini_batch=mini_batch, fatal=tuple(fatal),
        fatal_keys=tuple(r.fatal), notes=tuple(r.notes), lookups=lookups,
    )
