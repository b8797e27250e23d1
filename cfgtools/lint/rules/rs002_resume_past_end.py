from __future__ import annotations

from typing import Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule


class ResumePastEnd(Rule):
    """The checkpoint is already at or past ``max_batches`` / ``max_iter``: nothing will train.

    darknet's training loop runs while the iteration is below
    ``max_batches``, so it writes the final weights at once; Caffe runs
    ``max_iter - iter`` iterations, i.e. none, and still takes a snapshot.

    Bad::

        # cfgtools lint --resume-from backup/yolo_last.weights yolo.cfg   (iteration 6000)
        [net]
        max_batches=6000

    Good::

        [net]
        max_batches=8000
    """

    code = "RS002"
    name = "resume-past-end"
    severity = Severity.ERROR
    needs = ("resume",)
    summary = "the checkpoint's iteration is at or past max_batches / max_iter: nothing will train"

    def check(self) -> Iterator[Diagnostic]:
        point = self.ctx.resume
        if self.ctx.settings.clear:
            return
        new = point.new
        darknet = new.framework == "darknet"
        name = "max_batches" if darknet else "max_iter"
        if point.iteration < new.horizon:
            return
        what = "darknet writes the final weights at once" if darknet else \
            "Caffe runs zero iterations (and still writes a snapshot)"
        yield self.diagnostic(
            self.ctx.setting_span(name),
            f"resuming from {point.described}, at or past {name}={new.horizon}: nothing will train ({what})",
            Fix(f"raise {name} above {point.iteration}, or start over with --clear"),
        )
