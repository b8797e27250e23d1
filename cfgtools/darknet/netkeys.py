"""The keys each darknet fork looks up in the ``[net]`` section.

Collected from ``parse_net_options`` (src/parser.c) of the C forks, the few
``[net]`` lookups made elsewhere (AlexeyAB reads ``show_receptive_field`` in
``parse_network_cfg_custom``), and hank-ai's ``CfgFile::parse_net_section``
and ``create_network`` (src-lib/darknet_cfg.cpp). The C forks never report a
``[net]`` key they do not look up, so a typo there is silently ignored;
hank-ai stops on it ("config line #N from section [net] is unused or
invalid"). The linter uses these sets to find such keys (DN001, DN005) and to
suggest the intended one.
"""

from __future__ import annotations

from cfgtools.darknet.document import Dialect

#: Keys both forks read in [net].
_COMMON = frozenset(
    {
        # training recipe
        "batch", "subdivisions", "time_steps", "max_batches", "learning_rate", "momentum", "decay",
        "policy", "burn_in", "power", "step", "scale", "steps", "scales", "gamma",
        "adam", "B1", "B2", "eps",
        # input and augmentation
        "height", "width", "channels", "inputs", "max_crop", "min_crop",
        "angle", "aspect", "saturation", "exposure", "hue",
    }
)

#: Keys only pjreddie/darknet reads.
_PJREDDIE_ONLY = frozenset({"notruth", "random", "max_ratio", "min_ratio", "center", "clip"})

#: Keys only AlexeyAB/darknet reads.
_ALEXEYAB_ONLY = frozenset(
    {
        "learning_rate_min", "sgdr_cycle", "sgdr_mult", "seq_scales",
        "track", "augment_speed", "sequential_subdivisions", "try_fix_nan",
        "weights_reject_freq", "equidistant_point", "badlabels_rejection_percentage",
        "num_sigmas_reject_badlabels", "ema_alpha", "use_cuda_graph", "loss_scale",
        "dynamic_minibatch", "optimized_memory", "workspace_size_limit_MB",
        "flip", "blur", "gaussian_noise", "mixup", "cutmix", "mosaic", "letter_box", "mosaic_bound",
        "contrastive", "contrastive_jit_flip", "contrastive_color", "unsupervised",
        "label_smooth_eps", "resize_step", "attention", "adversarial_lr", "max_chart_loss",
        "show_receptive_field",
    }
)

#: hank-ai: AlexeyAB's keys less those its parse_net_section comments out (max_crop, min_crop, unsupervised)
_HANKAI_DROPPED = frozenset({"max_crop", "min_crop", "unsupervised"})

NET_KEYS: dict[Dialect, frozenset[str]] = {
    "alexeyab": _COMMON | _ALEXEYAB_ONLY,
    "pjreddie": _COMMON | _PJREDDIE_ONLY,
    "hankai": (_COMMON | _ALEXEYAB_ONLY) - _HANKAI_DROPPED,
}

#: [net] keys looked up only under some policies (the others are looked up for every policy)
_BY_POLICY = {
    "step": frozenset({"step", "scale"}),
    "sigmoid": frozenset({"step", "gamma"}),
    "exp": frozenset({"gamma"}),
    "steps": frozenset({"steps", "scales", "seq_scales"}),
    "sgdr": frozenset({"steps", "scales", "seq_scales"}),
}
_CONDITIONAL = frozenset().union(*_BY_POLICY.values()) | {"B1", "B2", "eps"}


def lookups(dialect: Dialect, policy: str, adam: bool) -> frozenset[str]:
    """The [net] keys ``dialect`` looks up for a file with this (effective) policy and ``adam`` setting."""
    keys = (NET_KEYS[dialect] - _CONDITIONAL) | _BY_POLICY.get(policy, frozenset())
    if dialect == "pjreddie":
        keys -= {"seq_scales"}
    return keys | ({"B1", "B2", "eps"} if adam else frozenset())

#: Every key either fork reads (a key known to the other fork only is still worth a different message).
ALL_NET_KEYS = NET_KEYS["alexeyab"] | NET_KEYS["pjreddie"]

#: Integer-typed [net] keys (read with atoi): DN004 checks that their text is a plain integer.
INT_KEYS: dict[Dialect, frozenset[str]] = {
    "alexeyab": frozenset(
        {
            "batch", "subdivisions", "time_steps", "max_batches", "burn_in", "step", "adam",
            "height", "width", "channels", "inputs", "max_crop", "min_crop",
            "sgdr_cycle", "sgdr_mult", "track", "augment_speed", "sequential_subdivisions", "try_fix_nan",
            "weights_reject_freq", "equidistant_point", "use_cuda_graph", "dynamic_minibatch",
            "optimized_memory", "flip", "blur", "gaussian_noise", "mixup", "cutmix", "mosaic",
            "letter_box", "mosaic_bound", "contrastive", "contrastive_jit_flip", "contrastive_color",
            "unsupervised", "attention",
        }
    ),
    "pjreddie": frozenset(
        {
            "batch", "subdivisions", "time_steps", "max_batches", "burn_in", "step", "adam",
            "height", "width", "channels", "inputs", "max_crop", "min_crop", "notruth", "random", "center",
        }
    ),
}
INT_KEYS["hankai"] = (INT_KEYS["alexeyab"] - _HANKAI_DROPPED) | {"show_receptive_field"}

#: Integer list keys (each item read with atoi).
INT_LIST_KEYS = frozenset({"steps"})
#: Float list keys (each item read with atof).
FLOAT_LIST_KEYS = frozenset({"scales", "seq_scales"})


def known_keys(dialect: Dialect) -> frozenset[str]:
    return NET_KEYS[dialect]
