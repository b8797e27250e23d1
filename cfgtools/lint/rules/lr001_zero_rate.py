from __future__ import annotations

from typing import Iterator


from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule


class ZeroRate(Rule):
    """## What it does
    Checks for updates before the training goal whose learning rate is exactly 0.

    ## Why is this bad?
    Nothing is learnt from that update on (or for that update). The usual causes: a
    scale of 0 (often from a trailing comma, which adds a step with scale 0),
    Caffe's `gamma` left unset (it defaults to 0), float underflow of
    `gamma ** iter`, pjreddie's `sigmoid`, which is 0 before `step` (unsigned
    arithmetic in `get_current_rate`, src/network.c), or darknet's `poly`, whose
    final update uses exactly 0 (reported as info: it is one update).

    ## Example
    ```cfg
    [net]
    max_batches=6000
    policy=steps
    # the trailing commas add step 0 with scale 0: the rate is 0 from batch 5400
    steps=4800,5400,
    scales=.1,.1,
    ```

    ## Use instead
    ```cfg
    [net]
    max_batches=6000
    policy=steps
    steps=4800,5400
    scales=.1,.1
    ```

    ## Options
    - `--goal ITER`, or `--epochs E` with `--images N`: the training goal, the
      last update the rule looks at (by default `max_batches`/`max_iter`);
      `--data FILE.data` gives N from its train list.
    - `--gpus N`: the GPUs darknet trains on, which turns `--epochs` into updates.
    """

    code = "LR001"
    name = "zero-rate"
    severity = Severity.WARNING
    needs = ("schedule", "profile")
    summary = "an update before the training goal uses a learning rate of exactly 0"

    def check(self) -> Iterator[Diagnostic]:
        profile = self.ctx.profile
        if profile.first_zero is None:
            return
        schedule = self.ctx.schedule
        first, last = profile.first, profile.last
        hit, end = profile.first_zero, profile.zero_end
        count = end - hit + 1
        reason, names, severity = self._why(schedule, hit)
        stretch = "the final update" if hit == end == schedule.last_update and count == 1 else (
            f"update {hit}" if count == 1 else f"{count} updates, {hit} to {end}"
        )
        yield self.diagnostic(
            self.ctx.setting_span(*names),
            f"the learning rate is exactly 0 for {stretch} (of {first}..{last}): {reason}",
            Fix(self._fix(schedule)),
            severity=severity,
        )

    def _why(self, schedule, iteration: int) -> tuple[str, tuple[str, ...], Severity | None]:
        policy = schedule.policy
        darknet = schedule.framework == "darknet"
        if schedule.base_lr == 0:
            return ("the base rate is 0", ("learning_rate", "base_lr"), None)
        kind = policy.kind
        if kind == "steps":
            for step, scale in zip(policy.steps, policy.scales):
                if step > iteration:
                    break
                if scale == 0:
                    trailing = self._trailing_comma()
                    why = f"a scale of 0 applies from step {step}"
                    if trailing:
                        why += " (a trailing comma or empty item in steps/scales reads as step 0 with scale 0)"
                    return (why, ("scales", "steps"), None)
        if kind in ("step", "exp", "multistep") and policy.gamma == 0:
            name = "scale" if darknet and kind == "step" else "gamma"
            solver = self.ctx.solver
            if solver is not None and not solver.is_set("gamma"):
                return ("gamma is not set, and Caffe's default is 0", ("lr_policy",), None)
            return (f"{name} is 0", (name,), None)
        if kind == "poly" and iteration >= policy.max_iter:
            # one update of 0 at the very end is harmless: say so at info level
            return ("poly reaches exactly 0 at max_batches, and darknet's last update uses rate(max_batches)",
                    ("power", "policy"), Severity.INFO)
        if kind == "sigmoid" and darknet and schedule.dialect == "pjreddie" and iteration < policy.step:
            return ("pjreddie computes b - step in unsigned arithmetic, so the rate is 0 before step",
                    ("step", "gamma"), None)
        names = ("gamma", "power", "policy", "lr_policy")
        return (f"the rate underflows to 0 in float32 at iteration {iteration}", names, None)

    def _trailing_comma(self) -> bool:
        net = self.ctx.net
        if net is None:
            return False
        texts = [s.raw or "" for s in (net.steps, net.scales)]
        return any(t.endswith(",") or ",," in t for t in texts)

    def _fix(self, schedule) -> str:
        if schedule.policy.kind == "poly" and schedule.framework == "darknet":
            return "harmless for one update; to train longer at a useful rate raise max_batches or lower power"
        if schedule.framework == "caffe":
            return "set gamma (e.g. gamma: 0.1) or remove the factor that reaches 0"
        return "remove the zero scale (and any trailing comma) or set a non-zero factor"
