"""``cfgtools extend CONFIG --from ITER|CHECKPOINT --to NEW_END``: train longer (or shorter) without a jump in the rate.

CONFIG is the config the checkpoint was trained with. Both frameworks
recompute the rate after a resume from the stored iteration and the edited
config, so raising ``max_batches``/``max_iter`` alone moves the rate at the
resume point (x19 for the poly example of the README). The framework's plug-in
plans the fewest edits that keep the first update after the resume on the
rate of the last one before it, never let the rate rise again for a decaying
schedule, and end at the target rate (:meth:`Framework.plan_extension`); the
chosen plan is written as a minimal edit of CONFIG's text
(:meth:`Framework.edit_text`), read back through the loader and checked
against the plan before anything is shown or written.

Output: by default a unified diff on stdout and the summary on stderr (as
``ruff --diff`` does), so ``cfgtools extend ... | patch -p1`` applies it; with
``-o NEW`` (atomic, no overwrite without ``--force``) or ``--in-place`` the
summary goes to stdout. ``--plot`` draws the old schedule, the naive extension
(only the end changed) and the plan, in the terminal or (``--plot lr.png``) with
matplotlib. Every refusal (unreadable input, a checkpoint past the end, a
policy with no plan, a rate of 0 to continue from) is one line on stderr,
exit 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import io
import math
import re
import sys
from pathlib import Path

import numpy as np

from cfgtools.commands._args import (
    add_dialect_argument,
    comma_list,
    epochs,
    gpu_count,
    iteration,
    positive_float,
    positive_int,
)
from cfgtools.commands.lint import _count_images
from cfgtools.edits import unified_diff
from cfgtools.errors import InputError
from cfgtools.files import WriteRefused, atomic_write
from cfgtools.lint.numeric import format_lr
from cfgtools.lint.settings import SettingsError
from cfgtools.loading import load, load_source
from cfgtools.plugin import Checkpoint, ExtensionRequest, LoadedConfig, RunOptions
from cfgtools.schedule.evaluate import iter_chunks, rate_at
from cfgtools.schedule.extend import REWIND_SHARE, Plan, ZeroRateAtResume
from cfgtools.schedule.model import Schedule, ScheduleError
from cfgtools.schedule.textplot import Envelope, columns_for, render
from cfgtools.sources import SourceText
from cfgtools.values import format_value, printable

EXIT_OK, EXIT_ERROR = 0, 2
IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
#: envelope columns of an image (about one per pixel of a 10-inch figure at 200 dpi)
IMAGE_COLUMNS = 2000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="CONFIG", help="the darknet .cfg or Caffe solver the checkpoint was trained with")
    parser.add_argument("--from", dest="resume_from", required=True, metavar="ITER|CHECKPOINT",
                        help="the checkpoint: an iteration, or a .weights / .solverstate file (its iteration is read)")
    end = parser.add_mutually_exclusive_group(required=True)
    end.add_argument("--to", dest="new_end", type=positive_int, metavar="NEW_END",
                     help="the new max_batches / max_iter")
    end.add_argument("--epochs", type=epochs, metavar="E",
                     help="the new end in epochs (with --images N or --data FILE.data)")
    parser.add_argument("--images", type=positive_int, metavar="N", help="training images (for --epochs)")
    parser.add_argument("--data", metavar="FILE.data",
                        help="darknet .data file whose train= list gives the training images (for --epochs)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--end-lr", type=_rate, metavar="X", help="the rate wanted at the new end "
                        "(default: what the old schedule ended with: 0 for poly, the scales' product for steps)")
    target.add_argument("--end-fraction", type=_rate, metavar="F",
                        help="the rate wanted at the new end as a fraction of the configured rate")
    edits = parser.add_mutually_exclusive_group()
    edits.add_argument("--keep", type=comma_list, default=(), metavar="KEY,...", help="keys a plan must not change")
    edits.add_argument("--change", type=comma_list, default=None, metavar="KEY,...",
                       help="the only keys a plan may change (besides the end)")
    start = parser.add_mutually_exclusive_group()
    start.add_argument("--start-lr", type=positive_float, metavar="X",
                       help="the rate to start from after the resume (when the old rate is 0 there)")
    start.add_argument("--rewind-to", type=iteration, metavar="ITER",
                       help="start from the rate the old schedule had at this iteration")
    parser.add_argument("--prefer", metavar="N|KEY",
                        help="the plan to write: its number in the list, or a key it changes (default: plan 1)")
    parser.add_argument("--clear", action="store_true",
                        help="the run restarts at iteration 0 on the checkpoint's weights (darknet -clear, "
                        "Caffe --weights): burn-in warms up again, then the rate continues from the checkpoint's")
    parser.add_argument("--gpus", type=gpu_count, default=1, metavar="N", help="GPUs of the resumed run (darknet)")
    parser.add_argument("--previous-gpus", type=gpu_count, default=None, metavar="N",
                        help="GPUs of the run that wrote the checkpoint (default: --gpus)")
    add_dialect_argument(parser, "reading rules and arithmetic apply")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("-o", "--output", metavar="NEW", help="write the planned config to NEW (atomically)")
    output.add_argument("--in-place", action="store_true", help="rewrite CONFIG itself")
    parser.add_argument("--force", action="store_true", help="overwrite NEW (or the --plot image) if it exists")
    parser.add_argument("--plot", nargs="?", const="-", metavar="IMAGE",
                        help="draw the old schedule, the naive extension and the plan: in the terminal, or to "
                        "IMAGE (.png, .svg or .pdf, with matplotlib)")
    parser.add_argument("--log-y", action="store_true", help="logarithmic lr axis in the plot")


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, not {text!r}")
    return value


class Refused(Exception):
    """One line for stderr; the command stops with exit 2 and writes nothing."""


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except ZeroRateAtResume as exc:
        furthest = "" if exc.rewind is None else \
            f" (--rewind-to {exc.rewind} goes back as far as a resume may without a jump: {REWIND_SHARE:.0%} of training)"
        print(f"{exc.format()}: --start-lr X or --rewind-to ITER{furthest}", file=sys.stderr)
    except (InputError, ScheduleError) as exc:  # the planner's refusals are InputErrors too
        print(exc.format(), file=sys.stderr)
    except (Refused, SettingsError, WriteRefused) as exc:
        print(f"cfgtools extend: error: {printable(str(exc))}", file=sys.stderr)
    return EXIT_ERROR


def _run(args: argparse.Namespace) -> int:
    if args.plot not in (None, "-") and Path(args.plot).suffix.lower() not in IMAGE_SUFFIXES:
        raise Refused(f"--plot must name a .png, .svg or .pdf file, not {args.plot!r}")
    loaded = load(args.file, {"darknet": args.dialect})
    checkpoint = _checkpoint(loaded, args.resume_from)
    request = ExtensionRequest(
        new_end=_new_end(loaded, args), end_lr=args.end_lr, end_fraction=args.end_fraction,
        keep=tuple(args.keep), change=None if args.change is None else tuple(args.change),
        start_lr=args.start_lr, rewind_to=args.rewind_to, clear=args.clear, gpus=args.gpus,
        previous_gpus=args.previous_gpus,
    )
    old = loaded.schedule(request.previous_options)
    plans = loaded.framework.plan_extension(loaded, checkpoint, request)
    chosen = _chosen(plans, args.prefer)
    new_text = _written(loaded, plans[chosen], request)
    naive = _naive(loaded, old, request)
    summary = _summary(loaded, checkpoint, old, naive, plans, chosen, request)

    image = _image_plot(old, naive, plans[chosen], args.plot, args.log_y) if args.plot not in (None, "-") else None
    target = loaded.path if args.in_place else args.output
    for path in (args.output, args.plot if image is not None else None):
        if path and not args.force and Path(path).exists():  # refused before anything is written
            raise WriteRefused(f"{path}: already exists (use --force to overwrite)")
    if target:
        atomic_write(target, new_text, force=args.force or args.in_place)
        report = sys.stdout
        summary.append(f"wrote {printable(target)}")
    else:
        sys.stdout.write(unified_diff(loaded.source.text, new_text, f"a/{loaded.path}", f"b/{loaded.path}"))
        sys.stdout.flush()
        report = sys.stderr
    if image is not None:
        atomic_write(args.plot, image, force=args.force)
        summary.append(f"plotted {printable(args.plot)}")
    report.write("\n".join(summary) + "\n")
    if args.plot == "-":
        report.write(_text_plot(old, naive, plans[chosen], args.log_y))
    report.flush()
    return EXIT_OK


def _checkpoint(loaded: LoadedConfig, spec: str) -> Checkpoint:
    if re.fullmatch(r"\s*[0-9]+\s*", spec):  # an iteration, not a file
        try:
            value = iteration(spec.strip())
        except argparse.ArgumentTypeError as exc:
            raise Refused(f"--from: {exc}") from None
        return Checkpoint(value, None, f"iteration {value}")
    return loaded.checkpoint(spec)


def _new_end(loaded: LoadedConfig, args: argparse.Namespace) -> int:
    """``--to``, or ``--epochs`` of ``--images``/``--data`` at the config's images per update."""
    if args.new_end is not None:
        if args.images is not None or args.data is not None:
            raise Refused("--images and --data go with --epochs, not --to")
        return args.new_end
    images = args.images
    if images is None and args.data is not None:
        images = _count_images(args.data)
    if images is None:
        raise Refused("--epochs needs --images N or --data FILE.data")
    per_update = loaded.framework.images_per_update(loaded, RunOptions(gpus=args.gpus))
    if per_update is None:
        raise Refused(f"a {loaded.framework.noun} does not say how many images an update trains: use --to")
    updates = math.ceil(args.epochs * images / per_update)
    if updates > 2**31 - 1:
        raise Refused(f"{args.epochs:g} epochs of {images} images are {updates} updates, more than an int holds")
    return updates


def _chosen(plans: list[Plan], prefer: str | None) -> int:
    """The index of the plan ``--prefer`` names (a 1-based number or a config key it changes); 0 by default."""
    if prefer is None:
        return 0
    if re.fullmatch(r"[0-9]+", prefer.strip()):
        number = int(prefer)
        if 1 <= number <= len(plans):
            return number - 1
    else:
        for index, plan in enumerate(plans):
            if any(change.key == prefer.strip() for change in plan.changes if change.name != "horizon"):
                return index
    offered = "; ".join(f"{n}: {_changes_text(plan)}" for n, plan in enumerate(plans, 1))
    raise Refused(f"--prefer {prefer}: no such plan (the plans: {offered})")


def _written(loaded: LoadedConfig, plan: Plan, request: ExtensionRequest) -> str:
    """The plan as an edit of the file's text, read back through the loader and checked against the plan."""
    new_text = loaded.framework.edit_text(loaded, {change.key: change.new for change in plan.changes})
    reread = _reloaded(loaded, new_text).schedule(RunOptions(gpus=request.gpus))
    if _data(reread) != _data(plan.schedule):
        raise InputError(f"the edited config would not train with the planned schedule ({_data(reread)} instead "
                         f"of {_data(plan.schedule)}): please report this", loaded.path)
    return new_text


def _reloaded(loaded: LoadedConfig, text: str) -> LoadedConfig:
    source = SourceText(loaded.path, text, loaded.source.has_bom)
    return load_source(source, {loaded.kind: loaded.dialect}, loaded.framework)


def _data(schedule: Schedule) -> dict:
    return schedule.model_dump(exclude={"source"})


def _naive(loaded: LoadedConfig, old: Schedule, request: ExtensionRequest) -> Schedule | None:
    """The schedule of the config with only the end changed (what a user would edit first)."""
    key = old.arithmetic.setting_key(old, "horizon")
    try:
        return _reloaded(loaded, loaded.framework.edit_text(loaded, {key: request.new_end})).schedule(
            RunOptions(gpus=request.gpus))
    except (InputError, ValueError):  # nothing to compare with: the plan alone is shown
        return None


# ----------------------------------------------------------------------------- the summary


def _summary(loaded: LoadedConfig, checkpoint: Checkpoint, old: Schedule, naive: Schedule | None,
             plans: list[Plan], chosen: int, request: ExtensionRequest) -> list[str]:
    plan = plans[chosen]
    horizon_key = old.arithmetic.setting_key(old, "horizon")
    what = "restarting at iteration 0 on the weights of" if request.clear else "resuming from"
    lines = [printable(f"{loaded.path}: {what} {checkpoint.described}; new end {horizon_key}={request.new_end} "
                       f"(was {old.horizon})")]
    rows = []
    if plan.before_lr is not None and not request.clear:
        rows.append(("last update before the checkpoint", plan.first_update - 1, plan.before_lr, ""))
    if plan.reference_lr != plan.before_lr or request.clear:
        rows.append(("rate to continue from", plan.first_update, plan.reference_lr, ""))
    if naive is not None:
        naive_lr = rate_at(naive, plan.first_update, plan.resume)
        rows.append((f"with only {horizon_key}={request.new_end}", plan.first_update, naive_lr,
                     _ratio(naive_lr, plan.reference_lr)))
    lines += _table(rows)
    for number, candidate in enumerate(plans, 1):
        mark = " (written)" if number - 1 == chosen else ""
        lines.append(printable(f"plan {number} of {len(plans)}{mark}: {candidate.strategy}: "
                               f"{_changes_text(candidate)}"))
        rows = [("first update after the resume", candidate.first_update, candidate.after_lr,
                 _ratio(candidate.after_lr, candidate.reference_lr))]
        if candidate.last_lr != candidate.end_lr:
            rows.append(("last update", candidate.schedule.last_update, candidate.last_lr, ""))
        rows.append(("at the new end", candidate.end_iteration, candidate.end_lr,
                     f"target {format_lr(candidate.target_lr)}"))
        lines += _table(rows)
        if not candidate.exact:
            lines.append(f"  not exact: the nearest float32 values leave {candidate.residual:+.3g} at the resume "
                         f"and {candidate.end_residual:+.3g} at the end")
        lines += [printable(f"  note: {note}") for note in candidate.notes]
    if len(plans) > 1:
        lines.append(f"plan {chosen + 1} is written; --prefer N (or a key the plan changes) writes another")
    return lines


#: width of the labels of the summary's rows
LABEL_WIDTH = 34


def _table(rows) -> list[str]:
    return [f"  {label:<{LABEL_WIDTH}} {where:>10}  {format_lr(rate):<12} {note}".rstrip()
            for label, where, rate, note in rows]


def _ratio(rate: float, reference: float) -> str:
    if reference == 0:
        return "" if rate == 0 else "(from 0)"
    ratio = rate / reference
    if abs(ratio - 1) <= 1e-6:
        return "(continuous)"
    return f"(x{ratio:.3g})" if ratio >= 1 else f"(/{1 / ratio:.3g})" if ratio > 0 else "(to 0)"


def _changes_text(plan: Plan) -> str:
    return ", ".join(f"{change.key} {format_value(change.old)} -> {format_value(change.new)}"
                     for change in plan.changes) or "no change"


# ----------------------------------------------------------------------------- the plot


def _curves(old: Schedule, naive: Schedule | None, plan: Plan):
    """(label, schedule, first, last, resume) of the three curves."""
    curves = [("old schedule", old, old.first_update, old.last_update, None)]
    if naive is not None:
        curves.append(("only the end changed", naive, plan.first_update, naive.last_update, plan.resume))
    curves.append((f"plan: {plan.strategy}", plan.schedule, plan.first_update, plan.schedule.last_update,
                   plan.resume))
    return curves


def _envelopes(curves, x0: int, x1: int, columns: int, log_y: bool) -> list[Envelope]:
    envelopes = []
    for label, schedule, first, last, resume in curves:
        envelope = Envelope(x0=x0, x1=x1, columns=columns, label=label)
        for iters, lrs in iter_chunks(schedule, max(first, x0), min(last, x1), resume=resume):
            envelope.add(iters, lrs, log_y=log_y)
        envelopes.append(envelope)
    return envelopes


def _text_plot(old: Schedule, naive: Schedule | None, plan: Plan, log_y: bool) -> str:
    curves = _curves(old, naive, plan)
    x0, x1 = min(c[2] for c in curves), max(c[3] for c in curves)
    envelopes = _envelopes(curves, x0, x1, columns_for(80), log_y)
    return render(envelopes, log_y=log_y, vlines=[(plan.resume_iteration, "|")],
                  title=f"learning rate{' (log)' if log_y else ''}")


def _image_plot(old: Schedule, naive: Schedule | None, plan: Plan, path: str, log_y: bool) -> bytes:
    """The plot as an image in the format ``path``'s suffix names."""
    try:  # lazy: matplotlib is an optional extra, needed only for image output
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise Refused("matplotlib is needed for --plot IMAGE: pip install 'cfgtools[plot]'") from None
    curves = _curves(old, naive, plan)
    x0, x1 = min(c[2] for c in curves), max(c[3] for c in curves)
    columns = min(IMAGE_COLUMNS, x1 - x0 + 1)
    figure, axes = plt.subplots(figsize=(10, 5), dpi=100)
    try:
        for envelope in _envelopes(curves, x0, x1, columns, log_y):
            present = np.flatnonzero(~np.isnan(envelope.low))
            xs = x0 + (present * (x1 - x0 + 1)) / columns
            ys = np.column_stack([envelope.low[present], envelope.high[present]]).reshape(-1)
            axes.plot(np.repeat(xs, 2), ys, label=envelope.label, linewidth=1.2)
        axes.axvline(plan.first_update, color="black", linestyle="--", linewidth=1,
                     label=f"first update after the resume ({plan.first_update})")
        if log_y:
            axes.set_yscale("log")
        axes.set_xlabel("iteration")
        axes.set_ylabel("learning rate")
        axes.grid(True, alpha=0.3)
        axes.legend(loc="best", fontsize="small")
        figure.tight_layout()
        image = io.BytesIO()
        figure.savefig(image, format=Path(path).suffix.lower().lstrip("."))
        return image.getvalue()
    finally:
        plt.close(figure)
