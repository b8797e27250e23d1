"""The keys each darknet fork looks up in the ``[net]`` section.

Collected from ``parse_net_options`` (src/parser.c) of both forks and the few
``[net]`` lookups made elsewhere (AlexeyAB reads ``show_receptive_field`` in
``parse_network_cfg_custom``). darknet never reports a ``[net]`` key it does
not look up, so a typo there is silently ignored: the linter uses these sets
to find such keys (DN001) and to suggest the intended one.
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

NET_KEYS: dict[Dialect, frozenset[str]] = {
    "alexeyab": _COMMON | _ALEXEYAB_ONLY,
    "pjreddie": _COMMON | _PJREDDIE_ONLY,
}

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

#: Integer list keys (each item read with atoi).
INT_LIST_KEYS = frozenset({"steps"})
#: Float list keys (each item read with atof).
FLOAT_LIST_KEYS = frozenset({"scales", "seq_scales"})


def known_keys(dialect: Dialect) -> frozenset[str]:
    return NET_KEYS[dialect]
