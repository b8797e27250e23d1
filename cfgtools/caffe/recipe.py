"""Caffe's training recipe in neutral terms, and other frameworks' recipes written as a Caffe solver.

- :func:`caffe_recipe`: what ``caffe train`` runs a solver with: the solver type's
  update (``src/caffe/solvers/*.cpp``, ``ComputeUpdateValue``), the schedule,
  ``iter_size`` backward passes per update, and where each value came from.
- :func:`express`: Caffe schedules that may reproduce another framework's.
- :func:`write_solver`: a recipe as solver text.
"""

from __future__ import annotations

from cfgtools.caffe import SOLVER_TYPES, fork_name
from cfgtools.caffe.plateau import torch_difference
from cfgtools.caffe.rate import ARITHMETIC
from cfgtools.caffe.schedule import caffe_schedule
from cfgtools.caffe.solver import CaffeSolver
from cfgtools.errors import InputError
from cfgtools.plugin import LoadedConfig, RunOptions
from cfgtools.recipe import (
    MAX_UNROLLED_STEPS,
    Expression,
    HeaderKey,
    Offers,
    OptimizerKind,
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
from cfgtools.schedule.model import Constant, Exp, MultiStep, Poly, Schedule, ScheduleError, Sigmoid, Step
from cfgtools.values import to_float32

#: optimizer kind -> the solver type string (the solver registry key, exact and case-sensitive)
TYPE_NAMES: dict[str, str] = {name.lower(): name for name in SOLVER_TYPES.values()}
#: solver fields shown in an emitted header when the file sets them (beyond the ones every header shows)
_HEADER_FIELDS = ("gamma", "power", "stepsize", "stepvalue", "momentum", "momentum2", "weight_decay",
                  "regularization_type", "delta", "rms_decay", "clip_gradients", "solver_type")
#: solver fields the recipe does not use, shown for reference in an emitted header
_REFERENCE_FIELDS = ("net", "train_net", "snapshot_prefix")
#: what each solver field is for torch, in the emitted code: torch argument -> (constant, Caffe's name)
_LABELS = {"eps": ("DELTA", "delta (epsilon)"), "alpha": ("RMS_DECAY", "rms_decay"),
           "rho": ("RHO", "momentum (AdaDelta's rho)"), "beta1": ("BETA1", "momentum (Adam's beta1)"),
           "beta2": ("BETA2", "momentum2")}

#: each solver type's update compared with torch.optim's (reference: caffe.md, update rules vs PyTorch)
_EXPLANATIONS: dict[str, str] = {
    "sgd": """\
Caffe's SGD keeps the lr INSIDE the momentum history: h = momentum*h + lr*g; w -= h.
torch.optim.SGD keeps it outside: buf = momentum*buf + g; w -= lr*buf. The two agree
while the lr is constant and differ after every lr change (Caffe's history still
carries the old rate for about 1/(1 - momentum) updates). Nesterov differs the same way.""",
    "adagrad": "AdaGrad: h += g^2; w -= lr * g / (sqrt(h) + delta), as torch.optim.Adagrad (lr_decay 0).",
    "rmsprop": """\
RMSProp: h = rms_decay*h + (1-rms_decay)*g^2; w -= lr * g / (sqrt(h) + delta),
as torch.optim.RMSprop(alpha=rms_decay, eps=delta, momentum=0, centered=False).""",
    "adadelta": """\
AdaDelta: Caffe's momentum is rho and delta is eps (inside the square roots), as
torch.optim.Adadelta; mind the defaults (torch rho 0.9, eps 1e-6).""",
    "adam": """\
Adam: Caffe adds delta to the uncorrected sqrt(v) (eps-hat form); torch adds eps to the
corrected one. Same update with eps_torch = delta / sqrt(1 - beta2^t): negligible unless
v is tiny. Caffe's t = iter + 1 continues across a resume, like torch's state step.""",
}
_EXPLANATIONS["nesterov"] = _EXPLANATIONS["sgd"]


#: how a recipe's header names each fork: "Caffe (BVLC)", "Caffe (SSD)"
_VARIANTS = {"bvlc": "BVLC", "ssd": "SSD"}


def caffe_recipe(loaded: LoadedConfig, options: RunOptions) -> Recipe:
    """The recipe ``caffe train`` runs the solver with (Caffe ignores the GPU count)."""
    solver: CaffeSolver = loaded.model
    try:
        schedule = loaded.schedule(options)  # raises for a policy Caffe aborts on, and for plateau
    except ScheduleError as exc:
        if solver.lr_policy == "plateau" and solver.dialect == "ssd":
            raise ScheduleError(f"{exc.message}; {torch_difference(solver)}", exc.path, exc.line, exc.column) from None
        raise
    refused = [(u.span, f"{fork_name(solver.dialect)} refuses the file: SolverParameter has no field {u.name!r}")
               for u in solver.unknown_fields]
    refused += [(d.span, f"Caffe refuses the file: non-repeated field {d.name!r} is given again")
                for d in solver.duplicate_fields]
    if refused:
        span, message = min(refused, key=lambda item: (item[0].line, item[0].column))
        raise InputError(message, loaded.path, span.line, span.column)

    provenance: dict[str, str] = {}
    values: dict[str, str] = {}
    for name, entry in solver.fields.items():
        if entry.explicit:
            span = entry.span or entry.key_span
            provenance[name] = f"file line {int(span.line)}" if span is not None else "file"
            shown = header_value(entry.value)
            if shown:
                values[name] = shown
        else:
            provenance[name] = "default"
    problems: list[str] = []
    notes: list[str] = []
    optimizer = _optimizer(solver, problems, notes)
    iter_size = solver.iter_size
    if iter_size < 1:
        problems.append(f"iter_size {iter_size}: Caffe runs no forward/backward pass per update")
        iter_size = 1
    header = (
        HeaderKey("base_lr", values.get("base_lr", f"{schedule.base_lr:.9g}"), provenance["base_lr"], "base_lr"),
        HeaderKey("lr_policy", values.get("lr_policy", ""), provenance["lr_policy"]),
        HeaderKey("max_iter", str(schedule.horizon), provenance["max_iter"], "horizon"),
        HeaderKey("iter_size", str(iter_size), provenance["iter_size"], "backward_passes"),
        HeaderKey("type", optimizer.written_as, provenance["type"]),
        *(HeaderKey(name, values.get(name, ""), provenance[name])
          for name in _HEADER_FIELDS if provenance[name] != "default"),
    )
    written = {name: solver.fields[name] for name in _REFERENCE_FIELDS if name in solver.fields}
    reference = {name: entry.value for name, entry in written.items()
                 if entry.explicit and isinstance(entry.value, str)}
    return Recipe(
        framework="caffe", title="Caffe", variant=_VARIANTS[solver.dialect], source=loaded.path, schedule=schedule,
        optimizer=optimizer, backward_passes=iter_size, header=header, provenance=provenance, notes=notes,
        problems=problems, reference_text=reference,
    )


def _optimizer(solver: CaffeSolver, problems: list[str], notes: list[str]) -> OptimizerSpec:
    """The solver type's update rule (its constructor's checks become ``problems``)."""
    type_name = solver.solver_type_name
    if solver.both_solver_type_and_type:
        problems.append("both solver_type and type are written: Caffe dies in UpgradeSolverType")
    kind: OptimizerKind
    if type_name in TYPE_NAMES.values():
        kind = type_name.lower()  # type: ignore[assignment]
    else:
        problems.append("unknown solver type (Caffe aborts with 'Unknown solver type'; known: "
                        + ", ".join(TYPE_NAMES.values()) + "); converting as SGD")
        kind = "sgd"
    momentum = solver.momentum
    decay = solver.weight_decay
    regularization = solver.regularization_type
    if decay != 0 and regularization not in ("L1", "L2"):
        problems.append("regularization_type is neither L1 nor L2: Caffe aborts at the first update")
    if regularization not in ("L1", "L2"):
        regularization = "L2"  # never consulted when weight_decay is 0
    if kind in ("adagrad", "rmsprop") and momentum != 0:
        problems.append(f"{type_name} with momentum {momentum!r}: Caffe refuses "
                        f"('Momentum cannot be used with {type_name}.')")
    if kind == "rmsprop" and not (0 <= solver.rms_decay < 1):
        problems.append(f"rms_decay {solver.rms_decay!r} is outside [0, 1): Caffe refuses")
    if kind == "nesterov" and momentum == 0:
        notes.append("Nesterov with momentum 0 is plain SGD")
        kind = "sgd"
    clip = solver.clip_gradients
    return OptimizerSpec(
        kind=kind,
        momentum=momentum if kind in ("sgd", "nesterov", "adadelta") else 0.0,
        momentum_rule="inside",
        weight_decay=decay,
        regularization=regularization,  # type: ignore[arg-type]
        beta1=momentum if kind == "adam" else None,
        beta2=solver.momentum2 if kind == "adam" else None,
        eps=solver.delta if kind in ("adagrad", "rmsprop", "adadelta", "adam") else None,
        alpha=solver.rms_decay if kind == "rmsprop" else None,
        clip_gradients=clip if clip >= 0 else None,
        written_as=type_name,
        labels=_LABELS,
        explanation=tuple(_EXPLANATIONS[kind].split("\n")),
    )


# ---------------------------------------------------------------------------
# another framework's recipe as a solver


def express(source: Schedule) -> Expression:
    """Caffe schedules that may reproduce ``source``, most faithful first.

    Caffe's update k (1-based) uses ``lr(k - 1)``; the source's uses its
    iteration ``k - 1 + first_update``. So Caffe's ``iter_`` i must give the
    source's rate at ``i + shift``, ``shift = source.first_update``.
    """
    shift = source.first_update - ARITHMETIC.first_update
    policy = source.policy
    horizon = source.horizon
    base = scaled_base_lr(source)
    offers = Offers(lambda rate, candidate: caffe_schedule(rate, candidate, horizon))
    warm_up = source.burn_in is not None and source.burn_in.iterations != 0
    if warm_up:
        offers.notes.append(f"burn_in={source.burn_in.iterations}: Caffe has no warm-up policy")
    kind = policy.kind
    if kind == "constant":
        offers.offer(Constant(), base, "fixed")
    elif kind == "exp":
        shifted = shifted_exp_base(base, policy.gamma, shift)
        if shifted is not None:
            rate, how = shifted
            offers.offer(Exp(gamma=policy.gamma), rate, "exp" if shift == 0 else f"exp with base_lr {how}")
        if shift != 0:
            offers.offer(Exp(gamma=policy.gamma), base, "exp (unshifted)", exact=False)
    elif kind in ("step", "steps"):
        _offer_steps(source, shift, base, offers)
    elif kind == "poly":
        if shift != 0:
            offers.notes.append(f"the source's poly gives (1 - (k{offset_text(shift - 1)})/max_iter)^power at "
                                "update k, Caffe's (1 - (k - 1)/max_iter)^power: the one-update shift cannot be "
                                "expressed")
        if 0 < policy.max_iter == horizon:
            offers.offer(Poly(power=policy.power, max_iter=policy.max_iter), base,
                         "poly" if shift == 0 else "poly (unshifted)", exact=shift == 0)
    elif kind == "sigmoid":
        if sigmoid_direction(source) < 0:
            offers.notes.append("the source's sigmoid decays; BVLC Caffe requires gamma >= 0 (a rising sigmoid)")
        else:  # Caffe's sigmoid is lr / (1 + exp(-gamma * (i - stepsize))): it rises for gamma > 0
            offers.offer(Sigmoid(gamma=abs(policy.gamma), step=policy.step - shift), base,
                         f"sigmoid with stepsize = the source's step{offset_text(-shift)}")
    elif kind == "sgdr":
        offers.notes.append("SGDR (cosine restarts) has no Caffe policy")
    else:
        offers.notes.append(f"Caffe has no lr_policy like the source's {kind}")
    if warm_up:  # nothing can be exact
        offers.exact, offers.approximate = [], offers.exact + offers.approximate
    if not offers.exact and not offers.approximate:
        offers.offer(Constant(), base, "fixed (closest available)", exact=False)
    return offers.expression()


def _offer_steps(source: Schedule, shift: int, base: float, offers: Offers) -> None:
    """A step or steps schedule as multistep (stepvalue = the source's firing iteration - shift)."""
    policy = source.policy
    fires: list[int] = []
    scales: list[float] = []
    if policy.kind == "step":
        if policy.step <= 0:
            offers.notes.append(f"step={policy.step}")
        else:  # gamma at every multiple of step that an update reaches
            last = source.first_update + max(source.horizon, 1) - 1
            fires = [policy.step * (j + 1) for j in range(min(last // policy.step, MAX_UNROLLED_STEPS))]
            scales = [policy.gamma] * len(fires)
    else:  # steps: a step fires once it and every step listed before it are reached
        for step, scale in zip(policy.steps, policy.scales):
            fires.append(step if not fires else max(fires[-1], step))
            scales.append(scale)
    folded = base
    later: list[tuple[int, float]] = []
    for fire, scale in zip(fires, scales):
        if fire - shift <= 0:
            folded = to_float32(folded * scale)  # in force from the first update
        else:
            later.append((fire - shift, scale))
    stepvalues = [value for value, _ in later]
    gammas = {scale for _, scale in later}
    if len(gammas) > 1:
        offers.notes.append("the source's scales differ: Caffe multistep has one gamma")
    if len(set(stepvalues)) != len(stepvalues):
        offers.notes.append("several of the source's steps fire at the same update: Caffe advances at most one "
                            "step per iteration")
    if policy.kind == "step" and policy.step == 1:
        shifted = shifted_exp_base(base, policy.gamma, shift)
        if shifted is not None:
            offers.offer(Exp(gamma=policy.gamma), shifted[0], "exp (step=1)")
    offers.offer(MultiStep(stepvalues=stepvalues, gamma=later[0][1] if later else 1.0), folded,
                 f"multistep with stepvalue = step{offset_text(-shift)}", exact=len(gammas) <= 1)
    if policy.kind == "step" and policy.step > 0:
        offers.offer(Step(step=policy.step, gamma=policy.gamma), base, "step" if shift == 0 else "step (unshifted)",
                     exact=shift == 0)


def write_solver(recipe: Recipe, schedule: Schedule) -> WrittenRecipe:
    """``recipe`` as solver text with ``schedule`` (one of :func:`express`'s candidates)."""
    optimizer = recipe.optimizer
    kind = optimizer.kind
    lines = []
    if kind in ("sgd", "nesterov") and optimizer.momentum_rule == "outside":
        lines += [f"# {recipe.title}'s SGD applies the lr outside the momentum buffer, Caffe's inside: identical "
                  "while", "# the lr is constant, different after each change."]
    lines += [
        "# Add net: / snapshot settings yourself.",
        f"base_lr: {float32_text(schedule.base_lr)}",
        *_policy_lines(schedule),
        f"max_iter: {schedule.horizon}",
        f"iter_size: {recipe.backward_passes}",
        f'type: "{TYPE_NAMES[kind]}"',
    ]
    if kind == "adam":
        lines += [f"momentum: {float32_text(optimizer.beta1)}", f"momentum2: {float32_text(optimizer.beta2)}"]
    elif kind in ("sgd", "nesterov", "adadelta"):
        lines.append(f"momentum: {float32_text(optimizer.momentum)}")
    if kind == "rmsprop":
        lines.append(f"rms_decay: {float32_text(optimizer.alpha)}")
    if optimizer.eps is not None:
        if optimizer.eps_per_update_batch:
            lines.append(f"delta: {float32_text(optimizer.eps / max(recipe.update_batch, 1))}  "
                         f"# {recipe.title}'s eps / images per update")
        else:
            lines.append(f"delta: {float32_text(optimizer.eps)}")
    lines.append(f"weight_decay: {float32_text(optimizer.weight_decay)}")
    if optimizer.regularization == "L1":
        lines.append('regularization_type: "L1"')
    if optimizer.clip_gradients is not None:
        lines.append(f"clip_gradients: {float32_text(optimizer.clip_gradients)}")
    return WrittenRecipe("\n".join(lines) + "\n")


def _policy_lines(schedule: Schedule) -> list[str]:
    """The solver lines of the policies :func:`express` offers."""
    policy = schedule.policy
    kind = policy.kind
    if kind == "constant":
        return ['lr_policy: "fixed"']
    if kind == "exp":
        return ['lr_policy: "exp"', f"gamma: {float32_text(policy.gamma)}"]
    if kind == "multistep":
        return ['lr_policy: "multistep"', f"gamma: {float32_text(policy.gamma)}",
                *(f"stepvalue: {value}" for value in policy.stepvalues)]
    if kind == "step":
        return ['lr_policy: "step"', f"stepsize: {policy.step}", f"gamma: {float32_text(policy.gamma)}"]
    if kind == "poly":  # Caffe's poly divides by max_iter, the horizon written below
        return ['lr_policy: "poly"', f"power: {float32_text(policy.power)}"]
    if kind == "sigmoid":
        return ['lr_policy: "sigmoid"', f"gamma: {float32_text(policy.gamma)}", f"stepsize: {policy.step}"]
    raise ValueError(f"write_solver does not write policy {kind!r}")
