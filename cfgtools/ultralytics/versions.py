"""Every fact of the lr schedule that differs between YOLOv5 and ultralytics versions.

One :class:`VersionRules` per supported version; :func:`get_version` looks a
name up (``yolov5-latest`` is an alias of ``yolov5-7.0``). The facts, with the
upstream lines they come from (YOLOv5 ``train.py`` at the tag; ultralytics
``ultralytics/engine/trainer.py`` of the release wheel, ``yolo/engine`` in
8.0.0):

===================  =======  =======  ======  =======  ======  ======  =======
fact                 v5.0     v6.1     v7.0    8.0.200  8.1.0   8.3.0   8.4.190
===================  =======  =======  ======  =======  ======  ======  =======
group order          bn,w,b   bn,w,b   b,w,bn  b,w,bn   b,w,bn  b,w,bn  w,bn,b
warm-up floor        1000     1000     100     100      100     100     none
warmup_epochs <= 0   1000 it  1000 it  100 it  off      off     off     off
warm-up at most      -        -        -       -        -       -       E-1 ep
linear lf divisor    E-1      E        E       E        E       E       E
lf clamped at 0 [1]  no       no       no      no       yes     yes     yes
cosine by default    yes      no       no      no       no      no      no
scheduler.step()     end      end      end     end      end     start   start
ckpt saved           after    after    after   after    before  -       -
optimizer steps      ni%acc   since    since   since    since   since   since
accumulate capped    no       no       no      no       no      no      nb*E
optimizer=auto >10k  -        -        -       SGD      SGD     SGD     MuSGD
resume with E < s    E+=s-1   E+=s-1   E+=s-1  E+=s-1   E+=s-1  E+=s-1  refused
===================  =======  =======  ======  =======  ======  ======  =======

(bn = BatchNorm weights, no decay; w = other weights, with decay; b = biases.
"since" is ``ni - last_opt_step >= accumulate``. "ckpt saved": the checkpoint of
an epoch is written after/before that epoch's ``scheduler.step()``, so it holds
``base_lr * lf(epoch)`` or the epoch's last lr; with the step at the start the
restored lr is overwritten at once. [1] ``max(1 - x/E, 0)`` and
``max((1 - cos)/2, 0)``: neither can bind for the epochs a run trains, the
clamps change no value.)

Sources: v5.0 train.py:110-130 (groups, ``pg2`` biases added last), 136-140
(``linear_lr`` flag, lf with ``epochs - 1``, cosine otherwise), 238 (nw), 242,
283-291 (warm-up, ``j == 2`` is the bias group), 314 (``ni % accumulate``),
345 (``scheduler.step()`` after the batches), 392 (checkpoint saved after it);
v6.1 train.py:156-173, 179-183 (``--cos-lr``, lf with ``epochs``), 271, 273,
311-318, 341, 362; v7.0 train.py:156 and utils/torch_utils.py:318-346
(``smart_optimizer``: biases first), 159-163, 246 (floor 100), 289-296
(``j == 0``), 319, 342; ultralytics 8.0.200 trainer.py:264-281, 294
(``... if warmup_epochs > 0 else -1``), 331-338, 353, 375 (step), 391 (save),
643-650 (auto), 674-675; 8.1.0 trainer.py:215 (``max(1 - x / epochs, 0)``),
325, 435 (save) before 450 (step); utils/torch_utils.py:404-405 (cosine clamp);
8.3.0 trainer.py:209-215, 305-307, 320, 330, 352 (step at the top of the
epoch loop), 372-380, 396, 719-744 (resume), 774-783 (auto), 808-809;
8.4.190 trainer.py:268-279 (``_get_warmup_iterations``: ``min(warmup_epochs,
max(E - 1, 0))``, no floor), 321-324 (accumulate capped at ``nb * E``), 475-477,
501, 522-538 (``if nw and ni <= nw``, ramp to the capped accumulate, bias by
``param_group == "bias"``), 1133 (``assert 0 < start_epoch < epochs``),
1177-1186 (auto: MuSGD above 10000 iterations), 1216-1240 (groups passed as
``[weight, bn, bias]``; MuSGD splits each of weight, bn, bias, muon into a
group at 3x lr and one at 1x).

Versions between those read: 8.0.0 has no ``warmup_epochs == 0`` guard (a
floor of 100 like YOLOv5); 8.2.x is 8.3's rules; 8.4.0 already passes the
groups as ``[weight, bn, bias]`` but still starts index 0 (the weights) at
``warmup_bias_lr`` and its auto picks MuSGD *below* 10000 iterations: it is not
modelled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Literal

Family = Literal["yolov5", "ultralytics"]
#: what a parameter group holds: biases, weights with decay, BatchNorm (and other
#: normalisation) weights without decay, or MuSGD's orthogonalised matrices
Role = Literal["bias", "weight", "bn", "muon"]


@dataclass(frozen=True)
class VersionRules:
    name: str
    family: Family
    #: the package versions these rules were read from
    upstream: str
    #: parameter groups in the optimizer's order (results.csv's lr/pg0..2, x/lr0..2)
    group_order: tuple[Role, Role, Role]
    #: nw = max(round(warmup_epochs * nb), floor); 0 = no floor
    warmup_floor: int
    #: warmup_epochs <= 0 switches the warm-up off (ultralytics); YOLOv5 still warms up `floor` iterations
    zero_warmup_disables: bool
    #: 8.4: warm-up lasts at most E-1 epochs (``min(warmup_epochs, max(E - 1, 0))``)
    warmup_capped_before_last_epoch: bool
    #: v5.0 linear lf divides by E-1 (and so crashes for E = 1)
    linear_divides_by_epochs_minus_one: bool
    #: 8.1+: ``max(1 - x/E, 0)`` in linear and ``max((1 - cos)/2, 0)`` in cosine
    clamps_factor: bool
    #: v5.0: cosine unless --linear-lr
    cosine_by_default: bool
    scheduler_steps_at: Literal["end", "start"]
    #: the checkpoint of epoch e is written after that epoch's scheduler.step() (the lr it holds is base*lf(e))
    checkpoint_after_step: bool
    #: v5.0 steps when ``ni % accumulate == 0``; later ``ni - last_opt_step >= accumulate``
    optimizer_step_rule: Literal["modulo", "since_last"]
    #: 8.4: accumulate is capped at nb*E and the warm-up ramps to that capped value, not to nbs/batch
    accumulate_capped: bool
    #: optimizer=auto: the optimizer above 10000 iterations (None: no auto in this version)
    auto_above_10000: str | None
    #: resuming with epochs < start epoch: YOLOv5/8.0-8.3 add the trained epochs, 8.4 refuses
    resume_short_epochs: Literal["add_trained", "refuse"]
    #: optimizer names the version accepts (case as upstream spells them)
    optimizers: tuple[str, ...]


YOLOV5_5_0 = VersionRules(
    name="yolov5-5.0", family="yolov5", upstream="YOLOv5 v5.0 (v6.0 differs only in the step rule)",
    group_order=("bn", "weight", "bias"), warmup_floor=1000, zero_warmup_disables=False,
    warmup_capped_before_last_epoch=False, linear_divides_by_epochs_minus_one=True, clamps_factor=False,
    cosine_by_default=True, scheduler_steps_at="end", checkpoint_after_step=True, optimizer_step_rule="modulo",
    accumulate_capped=False, auto_above_10000=None, resume_short_epochs="add_trained", optimizers=("SGD", "Adam"),
)
YOLOV5_6_1 = VersionRules(
    name="yolov5-6.1", family="yolov5", upstream="YOLOv5 v6.1",
    group_order=("bn", "weight", "bias"), warmup_floor=1000, zero_warmup_disables=False,
    warmup_capped_before_last_epoch=False, linear_divides_by_epochs_minus_one=False, clamps_factor=False,
    cosine_by_default=False, scheduler_steps_at="end", checkpoint_after_step=True, optimizer_step_rule="since_last",
    accumulate_capped=False, auto_above_10000=None, resume_short_epochs="add_trained",
    optimizers=("SGD", "Adam", "AdamW"),
)
YOLOV5_7_0 = VersionRules(
    name="yolov5-7.0", family="yolov5", upstream="YOLOv5 v6.2, v7.0 and master",
    group_order=("bias", "weight", "bn"), warmup_floor=100, zero_warmup_disables=False,
    warmup_capped_before_last_epoch=False, linear_divides_by_epochs_minus_one=False, clamps_factor=False,
    cosine_by_default=False, scheduler_steps_at="end", checkpoint_after_step=True, optimizer_step_rule="since_last",
    accumulate_capped=False, auto_above_10000=None, resume_short_epochs="add_trained",
    optimizers=("SGD", "Adam", "AdamW"),
)
_ULTRALYTICS_OPTIMIZERS = ("SGD", "Adam", "Adamax", "AdamW", "NAdam", "RAdam", "RMSProp", "auto")
ULTRALYTICS_8_0 = VersionRules(
    name="ultralytics-8.0", family="ultralytics", upstream="ultralytics 8.0.x (read at 8.0.200)",
    group_order=("bias", "weight", "bn"), warmup_floor=100, zero_warmup_disables=True,
    warmup_capped_before_last_epoch=False, linear_divides_by_epochs_minus_one=False, clamps_factor=False,
    cosine_by_default=False, scheduler_steps_at="end", checkpoint_after_step=True, optimizer_step_rule="since_last",
    accumulate_capped=False, auto_above_10000="SGD", resume_short_epochs="add_trained",
    optimizers=_ULTRALYTICS_OPTIMIZERS,
)
ULTRALYTICS_8_1 = VersionRules(
    name="ultralytics-8.1", family="ultralytics", upstream="ultralytics 8.1.x (read at 8.1.0)",
    group_order=("bias", "weight", "bn"), warmup_floor=100, zero_warmup_disables=True,
    warmup_capped_before_last_epoch=False, linear_divides_by_epochs_minus_one=False, clamps_factor=True,
    cosine_by_default=False, scheduler_steps_at="end", checkpoint_after_step=False, optimizer_step_rule="since_last",
    accumulate_capped=False, auto_above_10000="SGD", resume_short_epochs="add_trained",
    optimizers=_ULTRALYTICS_OPTIMIZERS,
)
ULTRALYTICS_8_3 = VersionRules(
    name="ultralytics-8.3", family="ultralytics",
    upstream="ultralytics 8.2.x and 8.3.x (read at 8.2.0, 8.3.0, 8.3.253)",
    group_order=("bias", "weight", "bn"), warmup_floor=100, zero_warmup_disables=True,
    warmup_capped_before_last_epoch=False, linear_divides_by_epochs_minus_one=False, clamps_factor=True,
    cosine_by_default=False, scheduler_steps_at="start", checkpoint_after_step=False,
    optimizer_step_rule="since_last", accumulate_capped=False, auto_above_10000="SGD",
    resume_short_epochs="add_trained", optimizers=_ULTRALYTICS_OPTIMIZERS,
)
ULTRALYTICS_LATEST = VersionRules(
    name="ultralytics-latest", family="ultralytics", upstream="ultralytics 8.4.190",
    group_order=("weight", "bn", "bias"), warmup_floor=0, zero_warmup_disables=True,
    warmup_capped_before_last_epoch=True, linear_divides_by_epochs_minus_one=False, clamps_factor=True,
    cosine_by_default=False, scheduler_steps_at="start", checkpoint_after_step=False,
    optimizer_step_rule="since_last", accumulate_capped=True, auto_above_10000="MuSGD",
    resume_short_epochs="refuse",
    optimizers=("SGD", "MuSGD", "Adam", "Adamax", "AdamW", "NAdam", "RAdam", "RMSprop", "auto"),
)

VERSIONS: dict[str, VersionRules] = {
    rules.name: rules
    for rules in (YOLOV5_5_0, YOLOV5_6_1, YOLOV5_7_0, ULTRALYTICS_8_0, ULTRALYTICS_8_1, ULTRALYTICS_8_3,
                  ULTRALYTICS_LATEST)
}
ALIASES = {"yolov5-latest": "yolov5-7.0"}

#: Default per family. YOLOv5: v7.0, the last release, whose rules master still
#: follows. ultralytics: 8.3, the long-lived series (8.3.0 to 8.3.253) whose
#: schedule the reference checked against real runs; 8.4 changed the group order
#: and the warm-up, so pass ``ultralytics-latest`` for runs of 8.4.x.
DEFAULT_VERSIONS: dict[Family, str] = {"yolov5": "yolov5-7.0", "ultralytics": "ultralytics-8.3"}


def get_version(name: str) -> VersionRules:
    """The rules of ``name`` (a key of :data:`VERSIONS` or an alias); ``ValueError`` with did-you-mean otherwise."""
    key = ALIASES.get(name, name)
    if key in VERSIONS:
        return VERSIONS[key]
    choices = sorted([*VERSIONS, *ALIASES])
    close = get_close_matches(name, choices, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValueError(f"unknown framework version {name!r}{hint}; choose one of {', '.join(choices)}")


def default_version(family: Family) -> VersionRules:
    return VERSIONS[DEFAULT_VERSIONS[family]]


_PACKAGE_VERSION = re.compile(r"^\s*v?(\d+)\.(\d+)(?:\.(\d+))?")


def version_for_package(family: Family, package_version: str) -> VersionRules | None:
    """The rules for a version string as a checkpoint stores it (8.x ``ckpt['version']``), or None.

    ``8.0.*`` -> 8.0, ``8.1.*`` -> 8.1, ``8.2.*``/``8.3.*`` -> 8.3, ``8.4.*`` and
    later -> latest (read at 8.4.190; see the module docstring for 8.4.0).
    YOLOv5 checkpoints carry no version.
    """
    if family != "ultralytics":
        return None
    match = _PACKAGE_VERSION.match(package_version or "")
    if not match:
        return None
    major, minor = int(match.group(1)), int(match.group(2))
    if major != 8:
        return ULTRALYTICS_LATEST if major > 8 else None
    return {0: ULTRALYTICS_8_0, 1: ULTRALYTICS_8_1, 2: ULTRALYTICS_8_3, 3: ULTRALYTICS_8_3}.get(
        minor, ULTRALYTICS_LATEST if minor > 3 else None
    )
