"""Emit one self-contained PyTorch module (torch + standard library only) for a :class:`Recipe`.

Safety: numbers reach the code only through :mod:`cfgtools.convert.text`
(``float()``/``int()``, finiteness, ``repr``); text from the input appears only
in ``#`` comments after :func:`comment_text`; the module is compiled before it
is returned.
"""

from __future__ import annotations

import os

from cfgtools.convert.plan import SchedulerPlan, choose
from cfgtools.convert.recipe import Recipe
from cfgtools.convert.text import comment_text
from cfgtools.convert.text import float_literal as F
from cfgtools.convert.text import int_literal as I

_HELPERS = {
    "_f32": '''def _f32(x):
    """x rounded to the nearest float32 (a C float), as a Python float."""
    try:
        return struct.unpack("f", struct.pack("f", x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)
''',
    "_pow": '''def _pow(x, y):
    """C pow(): NaN for a negative base with a non-integer power, inf on overflow."""
    try:
        return math.pow(x, y)
    except ValueError:
        return math.nan
    except OverflowError:
        return math.inf
''',
    "_exp": '''def _exp(x):
    """C exp(): inf on overflow."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf
''',
}

DARKNET_UPDATE_NOTE = """\
# darknet's update rule (update_convolutional_layer / update_connected_layer, both forks):
#   weight_updates accumulates the NEGATIVE gradient summed over every image of the
#   update batch (mini-batch x subdivisions = UPDATE_BATCH), then per update:
#     weight_updates += -decay * UPDATE_BATCH * w
#     w              += (rate / UPDATE_BATCH) * weight_updates
#     weight_updates *= momentum
#   With buf = -weight_updates / UPDATE_BATCH this is
#     buf = momentum * buf + (mean gradient + decay * w);   w -= rate * buf
#   i.e. exactly torch.optim.SGD(momentum, dampening=0, weight_decay=decay) on the loss
#   averaged over the update batch: the 1/batch on the lr and the batch on the decay only
#   undo darknet's summed gradient. The lr multiplies the whole buffer at update time, as
#   in PyTorch (not inside it, as in Caffe), so no custom optimizer is needed.
#   darknet decays only convolutional/connected weights: put biases and batch-norm
#   scales in a param group with weight_decay=0. A layer's learning_rate= is a per-group
#   lr multiplier (schedulers scale each group's initial lr by the same factor).
"""

DARKNET_ADAM_NOTE = """\
# darknet's Adam (adam=1; applied by the GPU update, adam_update_gpu): m and v are kept
# on the summed, batch-scaled update d = -UPDATE_BATCH * (mean gradient + decay * w), then
# w += rate * mhat / (sqrt(vhat) + eps). Dividing through by UPDATE_BATCH gives
# torch.optim.Adam(betas=(B1, B2), weight_decay=decay [coupled L2], eps=eps / UPDATE_BATCH)
# on the loss averaged over the update batch.
"""

CAFFE_SGD_NOTE = """\
# Caffe's SGD keeps the lr INSIDE the momentum history: h = momentum*h + lr*g; w -= h.
# torch.optim.SGD keeps it outside: buf = momentum*buf + g; w -= lr*buf. The two agree
# while the lr is constant and differ after every lr change (Caffe's history still
# carries the old rate for about 1/(1 - momentum) updates). Nesterov differs the same way.
# `cfgtools convert --exact-momentum` emits an optimizer with Caffe's rule.
"""


def _module_name(path: str) -> str:
    return comment_text(os.path.basename(path) or path or "<input>")


def _const_lines(constants: list[tuple[str, str, str]]) -> list[str]:
    out = []
    seen = set()
    for name, literal, note in constants:
        if name in seen:
            continue
        seen.add(name)
        out.append(f"{name} = {literal}  # {comment_text(note)}" if note else f"{name} = {literal}")
    return out


def _provenance_lines(recipe: Recipe, keys: list[tuple[str, str, object]]) -> list[str]:
    lines = ["# Where the values come from:"]
    for config_key, const_name, value in keys:
        origin = recipe.provenance.get(config_key, "default")
        lines.append(f"#   {comment_text(config_key):<20} {comment_text(value):<24} {comment_text(origin)}"
                     + (f"  -> {const_name}" if const_name else ""))
    return lines


def _optimizer_code(recipe: Recipe, exact_momentum: bool, consts: list) -> tuple[list[str], str]:
    """(comment lines, code) for make_optimizer and related helpers."""
    o = recipe.optimizer
    notes: list[str] = []
    code: list[str] = []
    wd_name = "WEIGHT_DECAY"
    consts.append(("WEIGHT_DECAY", F(o.weight_decay if o.regularization == "L2" else 0.0),
                   "coupled L2 weight decay" if o.regularization == "L2" else "0: Caffe's L1 decay is apply_l1_decay()"))
    if recipe.framework == "darknet":
        consts.append(("UPDATE_BATCH", I(max(recipe.update_batch or 1, 1)), "images per update (mini-batch x subdivisions)"))
        if o.kind == "adam":
            notes.append(DARKNET_ADAM_NOTE)
            consts += [("BETA1", F(o.beta1), "B1"), ("BETA2", F(o.beta2), "B2"), ("EPS", F(o.eps), "eps (darknet scale)")]
            body = ("    return torch.optim.Adam(params, lr=BASE_LR, betas=(BETA1, BETA2), "
                    "eps=EPS / UPDATE_BATCH, weight_decay=WEIGHT_DECAY)\n")
        else:
            notes.append(DARKNET_UPDATE_NOTE)
            if exact_momentum:
                notes.append("# --exact-momentum: torch.optim.SGD already is darknet's rule (see above).\n")
            consts.append(("MOMENTUM", F(o.momentum), "momentum"))
            body = ("    return torch.optim.SGD(params, lr=BASE_LR, momentum=MOMENTUM, dampening=0.0,\n"
                    "                           weight_decay=WEIGHT_DECAY)\n")
        code.append('def make_optimizer(params):\n    """The optimizer darknet updates with (see the notes at the top)."""\n' + body)
        return notes, "\n\n".join(code)

    kind = o.kind
    if kind in ("sgd", "nesterov"):
        consts.append(("MOMENTUM", F(o.momentum), "momentum"))
        if exact_momentum:
            notes.append("# --exact-momentum: CaffeSGD below implements Caffe's rule exactly (lr inside the history).\n")
            code.append(_CAFFE_SGD_CLASS)
            nesterov = "True" if kind == "nesterov" else "False"
            body = (f"    return CaffeSGD(params, lr=BASE_LR, momentum=MOMENTUM, weight_decay={wd_name}, "
                    f"nesterov={nesterov})\n")
        else:
            notes.append(CAFFE_SGD_NOTE)
            if kind == "nesterov":
                body = ("    return torch.optim.SGD(params, lr=BASE_LR, momentum=MOMENTUM, dampening=0.0,\n"
                        f"                           weight_decay={wd_name}, nesterov=True)\n")
            else:
                body = ("    return torch.optim.SGD(params, lr=BASE_LR, momentum=MOMENTUM, dampening=0.0,\n"
                        f"                           weight_decay={wd_name})\n")
    elif kind == "adagrad":
        consts.append(("DELTA", F(o.eps), "delta (epsilon)"))
        notes.append("# AdaGrad: h += g^2; w -= lr * g / (sqrt(h) + delta), as torch.optim.Adagrad (lr_decay 0).\n")
        body = f"    return torch.optim.Adagrad(params, lr=BASE_LR, eps=DELTA, weight_decay={wd_name})\n"
    elif kind == "rmsprop":
        consts += [("DELTA", F(o.eps), "delta (epsilon)"), ("RMS_DECAY", F(o.alpha), "rms_decay")]
        notes.append("# RMSProp: h = rms_decay*h + (1-rms_decay)*g^2; w -= lr * g / (sqrt(h) + delta),\n"
                     "# as torch.optim.RMSprop(alpha=rms_decay, eps=delta, momentum=0, centered=False).\n")
        body = (f"    return torch.optim.RMSprop(params, lr=BASE_LR, alpha=RMS_DECAY, eps=DELTA, "
                f"weight_decay={wd_name})\n")
    elif kind == "adadelta":
        consts += [("DELTA", F(o.eps), "delta (epsilon)"), ("RHO", F(o.momentum), "momentum (AdaDelta's rho)")]
        notes.append("# AdaDelta: Caffe's momentum is rho and delta is eps (inside the square roots), as\n"
                     "# torch.optim.Adadelta; mind the defaults (torch rho 0.9, eps 1e-6).\n")
        body = f"    return torch.optim.Adadelta(params, lr=BASE_LR, rho=RHO, eps=DELTA, weight_decay={wd_name})\n"
    else:  # adam
        consts += [("BETA1", F(o.beta1), "momentum (Adam's beta1)"), ("BETA2", F(o.beta2), "momentum2"),
                   ("DELTA", F(o.eps), "delta (epsilon)")]
        notes.append("# Adam: Caffe adds delta to the uncorrected sqrt(v) (eps-hat form); torch adds eps to the\n"
                     "# corrected one. Same update with eps_torch = delta / sqrt(1 - beta2^t): negligible unless\n"
                     "# v is tiny. Caffe's t = iter + 1 continues across a resume, like torch's state step.\n")
        body = (f"    return torch.optim.Adam(params, lr=BASE_LR, betas=(BETA1, BETA2), eps=DELTA, "
                f"weight_decay={wd_name})\n")
    code.append('def make_optimizer(params):\n    """The optimizer Caffe updates with (see the notes at the top)."""\n' + body)
    if o.regularization == "L1" and o.weight_decay != 0:
        consts.append(("L1_DECAY", F(o.weight_decay), "weight_decay with regularization_type L1"))
        code.append('''def apply_l1_decay(params):
    """Caffe's L1 regularization: grad += L1_DECAY * sign(w).

    Call after the backward passes (and after clip_gradients), before optimizer.step().
    """
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.grad.add_(torch.sign(p), alpha=L1_DECAY)
''')
    if o.clip_gradients is not None:
        consts.append(("CLIP_GRADIENTS", F(o.clip_gradients), "clip_gradients (L2 norm of the summed gradient)"))
        code.append('''def clip_gradients(params):
    """Caffe's clip_gradients: scale the gradients down to a global L2 norm of CLIP_GRADIENTS.

    Caffe clips the gradient summed over iter_size passes, before weight decay; with each
    pass's loss divided by BACKWARD_PASSES_PER_STEP the threshold is divided the same way.
    (torch divides by norm + 1e-6, Caffe by norm.) Call before optimizer.step().
    """
    return torch.nn.utils.clip_grad_norm_(params, CLIP_GRADIENTS / BACKWARD_PASSES_PER_STEP)
''')
    return notes, "\n\n".join(code)


_CAFFE_SGD_CLASS = '''class CaffeSGD(torch.optim.Optimizer):
    """Caffe's SGD and Nesterov updates, with the lr inside the momentum history.

    g = grad + weight_decay * w (Caffe L2, "coupled");
    SGD:      h = momentum * h + lr * g;  w -= h
    Nesterov: h_old = h;  h = momentum * h + lr * g;  w -= (1 + momentum) * h - momentum * h_old
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0, nesterov=False):
        defaults = dict(lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=nesterov)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, momentum = group["lr"], group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                if group["weight_decay"] != 0:
                    g = g.add(p, alpha=group["weight_decay"])
                state = self.state[p]
                if "history" not in state:
                    state["history"] = torch.zeros_like(p)
                h = state["history"]
                if group["nesterov"]:
                    h_old = h.clone()
                    h.mul_(momentum).add_(g, alpha=lr)
                    p.sub_(h * (1.0 + momentum) - h_old * momentum)
                else:
                    h.mul_(momentum).add_(g, alpha=lr)
                    p.sub_(h)
        return loss
'''


def _scheduler_code(recipe: Recipe, plan: SchedulerPlan) -> str:
    darknet = recipe.framework == "darknet"
    check = '''def _first_iteration(start_iter):
    """The framework iteration whose rate the first optimizer step uses."""
    start_iter = operator.index(start_iter)
    if start_iter < 0:
        raise ValueError("start_iter must be >= 0 (the number of updates already done)")
    return start_iter + FIRST_ITERATION
'''
    ratio = '''def _ratio(it):
    """framework_rate(it) relative to BASE_LR (LambdaLR multiplies each group's initial lr by it)."""
    return framework_rate(it) / BASE_LR if BASE_LR != 0.0 else 0.0
'''
    what = "darknet batch number" if darknet else "Caffe iter_"
    if plan.scheduler == "LambdaLR":
        body = f'''def make_scheduler(optimizer, start_iter=0):
    """LambdaLR following the framework formula, continuing after start_iter finished updates.

    Exact and O(1) in start_iter: the lambda is offset, the scheduler itself starts fresh
    (last_epoch=-1), so each group's initial_lr is its lr at construction (BASE_LR from
    make_optimizer).
    """
    first = _first_iteration(start_iter)

    def lr_lambda(k):  # k-th optimizer step -> {what} first + k
        return _ratio(first + k)

    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)
'''
        return "\n\n".join([check, ratio, body])
    kwargs = ", ".join(f"{k}={v}" for k, v in plan.kwargs.items())
    body = f'''def make_scheduler(optimizer, start_iter=0):
    """{plan.scheduler} whose last_epoch is the {what}, continuing after start_iter updates.

    O(1) fast-forward: the scheduler is put at the state start_iter + FIRST_ITERATION
    ordinary scheduler.step() calls from scratch would leave it in, by setting last_epoch
    and the lr one iteration earlier from the closed form and taking one ordinary step.
    """
    first = _first_iteration(start_iter)
    scheduler = torch.optim.lr_scheduler.{plan.scheduler}(optimizer, {kwargs})
    if first > 0:
        scheduler.last_epoch = first - 1
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"] * _factor(first - 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # not a training step: no call-order warning
            scheduler.step()
    return scheduler
'''
    return "\n\n".join([check, plan.factor_source, body])


def emit_torch(recipe: Recipe, exact_momentum: bool = False, plan: SchedulerPlan | None = None) -> str:
    """The module source (compiled once to be sure it is valid Python)."""
    plan = plan or choose(recipe)
    s = recipe.schedule
    darknet = recipe.framework == "darknet"
    consts: list[tuple[str, str, str]] = []
    opt_notes, opt_code = _optimizer_code(recipe, exact_momentum, consts)

    name = _module_name(recipe.source)
    fw = f"darknet ({s.dialect} fork)" if darknet else "Caffe (BVLC)"
    lines = [
        "# Generated by cfgtools convert: a PyTorch optimizer and learning-rate schedule.",
        "# Self-contained: it imports only torch and the Python standard library.",
        f"# Source: {name} [{fw}]",
    ]
    keys: list[tuple[str, str, object]] = []
    if darknet:
        keys = [("learning_rate", "BASE_LR", recipe.values.get("learning_rate", f"{s.base_lr:.9g}"))]
        if s.gpus != 1:
            keys.append(("gpus", "BASE_LR", f"x {s.gpus}"))
        keys += [("policy", "", recipe.written.get("policy", s.policy.kind)),
                 ("max_batches", "HORIZON", s.horizon),
                 ("subdivisions", "BACKWARD_PASSES_PER_STEP", recipe.backward_passes)]
        for key in ("batch", "burn_in", "power", "step", "scale", "steps", "scales", "gamma",
                    "sgdr_cycle", "sgdr_mult", "learning_rate_min", "momentum", "decay", "adam", "B1", "B2", "eps"):
            if recipe.provenance.get(key, "default") != "default":
                keys.append((key, "", recipe.values.get(key, "")))
    else:
        keys = [("base_lr", "BASE_LR", recipe.values.get("base_lr", f"{s.base_lr:.9g}")), ("lr_policy", "", recipe.written.get("lr_policy", "")),
                ("max_iter", "HORIZON", s.horizon), ("iter_size", "BACKWARD_PASSES_PER_STEP", recipe.backward_passes),
                ("type", "", recipe.optimizer.written_as)]
        for key in ("gamma", "power", "stepsize", "stepvalue", "momentum", "momentum2", "weight_decay",
                    "regularization_type", "delta", "rms_decay", "clip_gradients", "solver_type"):
            if recipe.provenance.get(key, "default") != "default":
                keys.append((key, "", recipe.values.get(key, "")))
    lines += _provenance_lines(recipe, keys)
    for label, text in recipe.written.items():
        if label in ("policy", "lr_policy", "type"):
            continue
        lines.append(f"#   {comment_text(label)}: {comment_text(text)}  (not used by the recipe)")
    for note in recipe.notes:
        lines.append(f"# Note: {comment_text(note, 300)}")
    for problem in recipe.problems:
        lines.append(f"# WARNING: {comment_text(problem, 300)}")
    lines.append(f"# Scheduler: {plan.scheduler}: {comment_text(plan.why, 300)}")
    lines.append("#")
    lines.append("# Training loop (one optimizer step per framework update):")
    lines.append("#   opt = make_optimizer(model.parameters()); sched = make_scheduler(opt, start_iter=0)")
    lines.append("#   for step in range(HORIZON):")
    lines.append("#       opt.zero_grad()")
    lines.append("#       for _ in range(BACKWARD_PASSES_PER_STEP):  # " +
                 ("darknet subdivisions" if darknet else "Caffe iter_size"))
    lines.append("#           (loss(next_micro_batch) / BACKWARD_PASSES_PER_STEP).backward()")
    if not darknet and recipe.optimizer.clip_gradients is not None:
        lines.append("#       clip_gradients(model.parameters())")
    if not darknet and recipe.optimizer.regularization == "L1" and recipe.optimizer.weight_decay != 0:
        lines.append("#       apply_l1_decay(model.parameters())")
    lines.append("#       opt.step()")
    lines.append("#       sched.step()  # once per optimizer step, after it")
    lines.append("#")
    for note in opt_notes:
        lines.extend(note.rstrip("\n").split("\n"))

    if darknet:
        contract_rate = "darknet's rate(s + k + 1) (get_current_rate at batch number s + k + 1)"
    else:
        contract_rate = "Caffe's lr(s + k) (GetLearningRate at iter_ = s + k)"
    doc = f'''"""PyTorch training recipe converted from a {"darknet .cfg" if darknet else "Caffe solver"} by cfgtools.

Equivalence contract: with opt = make_optimizer(params) and
sched = make_scheduler(opt, start_iter=s), the lr in every param group at the
k-th call of opt.step() (k = 0, 1, 2, ...) equals {contract_rate},
within 1e-6 relative (1e-12 absolute near zero), for every s >= 0. start_iter = s
gives the same lrs as starting from 0 and skipping s steps. HORIZON optimizer
steps make a full run from scratch; each takes BACKWARD_PASSES_PER_STEP
accumulated backward passes. framework_rate(it) is the framework's own formula.
"""'''
    head = [
        "BASE_LR = " + F(recipe.base_lr) + "  # float32 value" + (f" of learning_rate x {s.gpus} GPUs" if darknet and s.gpus != 1 else ""),
        "HORIZON = " + I(recipe.horizon) + "  # optimizer steps in a run from scratch"
        + ("" if recipe.horizon else " (not set in the config)"),
        "BACKWARD_PASSES_PER_STEP = " + I(recipe.backward_passes),
        "FIRST_ITERATION = " + I(1 if darknet else 0)
        + ("  # darknet: the first update uses rate(1)" if darknet else "  # Caffe: the first update uses lr(0)"),
    ]
    const_block = _const_lines(consts + plan.constants)
    helpers = [_HELPERS[h] for h in ("_f32", "_pow", "_exp") if h in plan.helpers]
    parts = [
        "\n".join(lines),
        doc,
        "import bisect\nimport math\nimport operator\nimport struct\nimport warnings\n\nimport torch",
        "\n".join(head + const_block),
        *helpers,
        plan.rate_source,
        opt_code,
        _scheduler_code(recipe, plan),
    ]
    source = "\n\n\n".join(p.strip("\n") for p in parts if p) + "\n"
    compile(source, "<cfgtools convert output>", "exec")
    return source
