"""What the LG rules share: each reports one kind of finding of the analysed training log, at its log line."""

from __future__ import annotations

from typing import ClassVar, Iterator

from cfgtools.lint.core import Diagnostic, Fix, Severity
from cfgtools.lint.rule import Rule
from cfgtools.positions import Span
from cfgtools.trainlog.findings import Finding
from cfgtools.values import printable


class LogRule(Rule):
    """A rule about a training log (``--log``): the findings of one kind, positioned on the log's lines.

    The analysis (``cfgtools.trainlog``) finds them; a rule chooses the
    severity of each finding (:meth:`severity_of`) and a fix hint (:meth:`fix_of`).
    """

    needs = ("log",)
    #: the kind of :class:`~cfgtools.trainlog.findings.Finding` this rule reports
    kind: ClassVar[str]

    def check(self) -> Iterator[Diagnostic]:
        report = self.ctx.log
        for finding in report.findings:
            if finding.kind == self.kind:
                level = self.ctx.settings.severity_for(self.code, self.severity_of(finding))
                # the message quotes the log (file names): one line, whatever bytes the log holds
                yield Diagnostic(path=report.path, span=Span.point(finding.line), code=self.code, severity=level,
                                 message=printable(finding.message), fix=self.fix_of(finding))

    def severity_of(self, finding: Finding) -> Severity:
        """The finding's severity before the user's overrides (the rule's default unless said otherwise)."""
        return self.severity

    def fix_of(self, finding: Finding) -> Fix | None:
        return None
