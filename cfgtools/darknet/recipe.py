"""darknet's training recipe in neutral terms, and other frameworks' recipes written as a darknet ``[net]``.

- :func:`darknet_recipe`: the optimizer darknet updates with (``update_network``
  of both forks: SGD with momentum, or Adam with ``adam=1``), the schedule,
  ``subdivisions`` backward passes per update, and where each value came from.
- :func:`express`: darknet schedules that may reproduce another framework's.
- :func:`write_net`: a recipe as a ``[net]`` section.
"""

from __future__ import annotations

from cfgtools.darknet import DEFAULT_DIALECT, netkeys
from cfgtools.darknet.net import NetConfig, Setting
from cfgtools.darknet.rate import ARITHMETIC
from cfgtools.darknet.schedule import darknet_schedule
from cfgtools.plugin import LoadedConfig, RunOptions
from cfgtools.recipe import (
    MAX_UNROLLED_STEPS,
    Expression,
    HeaderKey,
    Offers,
    OptimizerSpec,
    Recipe,
    WrittenRecipe,
    float32_text,
    header_value,
    offset_text,
    scaled_base_lr,
    shifted_exp_base,
    sigmoid_direction,
)
from cfgtools.schedule.model import Constant, Exp, Poly, Schedule, Sigmoid, Steps

#: [net] keys shown in an emitted header when the file sets them (beyond the ones every header shows)
_HEADER_KEYS = ("batch", "burn_in", "power", "step", "scale", "steps", "scales", "gamma",
                "sgdr_cycle", "sgdr_mult", "learning_rate_min", "momentum", "decay", "adam", "B1", "B2", "eps")
#: unknown [net] keys shown for reference in an emitted header, at most
_MAX_UNKNOWN_KEYS = 20

_SGD_EXPLANATION = """\
darknet's update rule (update_convolutional_layer / update_connected_layer, both forks):
  weight_updates accumulates the NEGATIVE gradient summed over every image of the
  update batch (mini-batch x subdivisions = UPDATE_BATCH), then per update:
    weight_updates += -decay * UPDATE_BATCH * w
    w              += (rate / UPDATE_BATCH) * weight_updates
    weight_updates *= momentum
  With buf = -weight_updates / UPDATE_BATCH this is
    buf = momentum * buf + (mean gradient + decay * w);   w -= rate * buf
  i.e. exactly torch.optim.SGD(momentum, dampening=0, weight_decay=decay) on the loss
  averaged over the update batch: the 1/batch on the lr and the batch on the decay only
  undo darknet's summed gradient. The lr multiplies the whole buffer at update time, as
  in PyTorch (not inside it, as in Caffe), so no custom optimizer is needed.
  darknet decays only convolutional/connected weights: put biases and batch-norm
  scales in a param group with weight_decay=0. A layer's learning_rate= is a per-group
  lr multiplier (schedulers scale each group's initial lr by the same factor)."""

_ADAM_EXPLANATION = """\
darknet's Adam (adam=1; applied by the GPU update, adam_update_gpu): m and v are kept
on the summed, batch-scaled update d = -UPDATE_BATCH * (mean gradient + decay * w), then
w += rate * mhat / (sqrt(vhat) + eps). Dividing through by UPDATE_BATCH gives
torch.optim.Adam(betas=(B1, B2), weight_decay=decay [coupled L2], eps=eps / UPDATE_BATCH)
on the loss averaged over the update batch."""


def _origin(setting: Setting) -> str:
    if setting.from_file and setting.line:
        return f"file line {int(setting.line)}"
    return "default"


def darknet_recipe(loaded: LoadedConfig, options: RunOptions) -> Recipe:
    """The recipe darknet trains ``loaded`` with (``options.gpus`` = ``-gpus`` count)."""
    schedule = loaded.schedule(options)  # raises for a [net] darknet would not train with
    net: NetConfig = loaded.view("net")
    provenance = {setting.key: _origin(setting) for setting in net.settings()}
    values = {setting.key: header_value(setting.value) for setting in net.settings() if setting.from_file}
    if options.gpus != 1:
        provenance["gpus"] = f"--gpus {options.gpus}"
    problems = list(net.fatal)
    subdivisions = net.subdivisions.value
    if subdivisions < 1:
        problems.append(f"subdivisions={subdivisions}: darknet cannot train with it")
        subdivisions = 1
    header = [HeaderKey("learning_rate", values.get("learning_rate", f"{schedule.base_lr:.9g}"),
                        provenance["learning_rate"], "base_lr")]
    if options.gpus != 1:
        header.append(HeaderKey("gpus", f"x {options.gpus}", provenance["gpus"], "base_lr"))
    header += [
        HeaderKey("policy", net.policy.value, provenance["policy"]),
        HeaderKey("max_batches", str(schedule.horizon), provenance["max_batches"], "horizon"),
        HeaderKey("subdivisions", str(subdivisions), provenance["subdivisions"], "backward_passes"),
    ]
    header += [HeaderKey(key, values.get(key, ""), provenance[key])
               for key in _HEADER_KEYS if provenance[key] != "default"]
    notes = []
    if net.policy.from_file and not net.policy_known:
        notes.append(f"policy {net.policy.value!r} is unknown to darknet ({net.dialect}): it trains with constant")
    return Recipe(
        framework="darknet", title="darknet", variant=f"{net.dialect} fork", source=loaded.path,
        schedule=schedule, optimizer=_optimizer(net), backward_passes=subdivisions,
        update_batch=net.mini_batch * net.subdivisions.value, header=tuple(header), provenance=provenance,
        notes=notes, problems=problems, reference_text=_unknown_keys(loaded, net),
    )


def _optimizer(net: NetConfig) -> OptimizerSpec:
    if net.adam.value:
        return OptimizerSpec(
            kind="adam", weight_decay=net.decay.value, beta1=net.B1.value, beta2=net.B2.value, eps=net.eps.value,
            eps_per_update_batch=True, written_as="adam=1",
            labels={"beta1": ("BETA1", "B1"), "beta2": ("BETA2", "B2"), "eps": ("EPS", "eps (darknet scale)")},
            explanation=tuple(_ADAM_EXPLANATION.split("\n")),
        )
    return OptimizerSpec(kind="sgd", momentum=net.momentum.value, weight_decay=net.decay.value,
                         written_as="SGD with momentum", explanation=tuple(_SGD_EXPLANATION.split("\n")))


def _unknown_keys(loaded: LoadedConfig, net: NetConfig) -> dict[str, str]:
    """[net] keys neither fork reads (darknet ignores them silently), for reference."""
    known = {setting.key for setting in net.settings()} | netkeys.ALL_NET_KEYS
    unknown: dict[str, str] = {}
    for option in loaded.view("document").net.options:
        label = f"unknown [net] key {option.key}"
        if option.key not in known and label not in unknown:
            unknown[label] = option.value or ""
            if len(unknown) >= _MAX_UNKNOWN_KEYS:
                break
    return unknown


# ---------------------------------------------------------------------------
# another framework's recipe as a [net]


def express(source: Schedule) -> Expression:
    """darknet schedules that may reproduce ``source``, most faithful first.

    darknet's update k uses ``rate(k)``; the source's update k uses its iteration
    ``k - 1 + first_update``. So darknet's batch number b must give the source's
    rate at ``b + shift``, ``shift = source.first_update - 1``.
    """
    shift = source.first_update - ARITHMETIC.first_update
    policy = source.policy
    horizon = source.horizon
    base = scaled_base_lr(source)
    offers = Offers(lambda rate, candidate: darknet_schedule(DEFAULT_DIALECT, rate, candidate, horizon))
    if horizon <= 0:
        offers.notes.append("the source sets no horizon (0 or unset): darknet needs max_batches, "
                            "which is also where its schedule ends")
    kind = policy.kind
    if kind == "constant":
        offers.offer(Constant(), base, "constant")
    elif kind in ("step", "multistep"):
        if kind == "step":  # rate x gamma at every multiple of step that an update reaches
            last = source.first_update + max(horizon, 1) - 1
            count = min(last // policy.step, MAX_UNROLLED_STEPS) if policy.step > 0 else 0
            advances = [policy.step * (j + 1) for j in range(count)]
        else:
            advances = policy.advances()
        steps = [t - shift for t in advances]
        if steps:
            offers.offer(Steps(steps=steps, scales=[policy.gamma] * len(steps)), base,
                         f"steps at the source's advance iterations{offset_text(-shift)}")
        else:
            offers.offer(Constant(), base, "constant (no step within the horizon)")
    elif kind == "exp":
        shifted = shifted_exp_base(base, policy.gamma, shift)
        if shifted is not None:
            rate, how = shifted
            offers.offer(Exp(gamma=policy.gamma), rate, "exp" if shift == 0 else f"exp with learning_rate {how}")
        if shift != 0:
            offers.offer(Exp(gamma=policy.gamma), base, "exp (unshifted)", exact=False)
    elif kind == "poly":
        if shift != 0:
            offers.notes.append(f"the source's poly gives (1 - (k{offset_text(shift)})/max_iter)^power at update k, "
                                "darknet's (1 - k/max_batches)^power, and max_batches is also the run length: "
                                "the shift cannot be expressed")
        if 0 < policy.max_iter == horizon:
            offers.offer(Poly(power=policy.power, max_iter=policy.max_iter), base,
                         "poly" if shift == 0 else "poly (unshifted)", exact=shift == 0)
    elif kind == "sigmoid":
        rising = sigmoid_direction(source) > 0
        gamma = abs(policy.gamma)
        # darknet's sigmoid is lr / (1 + exp(gamma * (b - step))): it rises for gamma < 0
        offers.offer(Sigmoid(gamma=-gamma if rising else gamma, step=policy.step - shift), base,
                     f"sigmoid {'rising' if rising else 'decaying'} with step = the source's step{offset_text(-shift)}")
    else:
        offers.notes.append(f"darknet has no policy like the source's {kind}")
    if not offers.exact and not offers.approximate:
        offers.offer(Constant(), base, "constant (closest available)", exact=False)
    return offers.expression()


def write_net(recipe: Recipe, schedule: Schedule) -> WrittenRecipe:
    """``recipe`` as a ``[net]`` section with ``schedule`` (one of :func:`express`'s candidates)."""
    optimizer = recipe.optimizer
    problems: list[str] = []
    passes = next((key.key for key in recipe.header if key.sets == "backward_passes"), "backward passes")
    lines = []
    if optimizer.kind in ("sgd", "nesterov") and optimizer.momentum_rule == "inside":
        lines += [f"# {recipe.title}'s SGD keeps the lr inside the momentum history, darknet outside",
                  "# (identical while the lr is constant)."]
    lines += [
        f"# Set batch (= the {recipe.title} batch size x {passes}), width, height, channels yourself.",
        "[net]",
        f"subdivisions={recipe.backward_passes}",
        f"max_batches={schedule.horizon}",
        f"learning_rate={float32_text(schedule.base_lr)}",
        *_policy_lines(schedule),
    ]
    if optimizer.kind == "adam":
        lines += ["adam=1", f"B1={float32_text(optimizer.beta1)}", f"B2={float32_text(optimizer.beta2)}",
                  f"eps={float32_text(optimizer.eps)}"]
    else:
        lines.append(f"momentum={float32_text(optimizer.momentum)}")
        if optimizer.kind != "sgd":
            problems.append(f"the optimizer {optimizer.written_as!r} has no darknet equivalent "
                            "(darknet has SGD with momentum and Adam)")
    lines.append(f"decay={float32_text(optimizer.weight_decay)}")
    if optimizer.regularization == "L1" and optimizer.weight_decay != 0:
        problems.append("L1 regularization has no darknet equivalent")
    if optimizer.clip_gradients is not None:
        problems.append("gradient clipping has no darknet equivalent")
    return WrittenRecipe("\n".join(lines) + "\n", tuple(problems))


def _policy_lines(schedule: Schedule) -> list[str]:
    """The [net] lines of the policies :func:`express` offers."""
    policy = schedule.policy
    kind = policy.kind
    if kind == "constant":
        return ["policy=constant"]
    if kind == "steps":
        return ["policy=steps", "steps=" + ",".join(str(step) for step in policy.steps),
                "scales=" + ",".join(float32_text(scale) for scale in policy.scales)]
    if kind == "exp":
        return ["policy=exp", f"gamma={float32_text(policy.gamma)}"]
    if kind == "poly":  # darknet's poly divides by max_batches, the horizon written above
        return ["policy=poly", f"power={float32_text(policy.power)}"]
    if kind == "sigmoid":
        return ["policy=sigmoid", f"gamma={float32_text(policy.gamma)}", f"step={policy.step}"]
    raise ValueError(f"write_net does not write policy {kind!r}")
