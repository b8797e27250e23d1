"""The LG rules over one training log, read alone or against a config (``cfgtools log``).

``cfgtools lint CFG --log TRAIN.log`` runs the same rules through the usual
runner: the ``log`` view of its :class:`~cfgtools.lint.context.LintContext`
is the log read against the linted config.
"""

from __future__ import annotations

from cfgtools.errors import InputError
from cfgtools.lint.context import LintContext
from cfgtools.lint.core import Diagnostic
from cfgtools.lint.runner import FileResult, enabled_rules
from cfgtools.lint.settings import LintSettings
from cfgtools.logs import LogReading
from cfgtools.plugin import LoadedConfig


def check_log(settings: LintSettings, config: LoadedConfig | None = None) -> tuple[LogReading | None, FileResult]:
    """Read ``settings.log`` (against ``config`` when given) and run the enabled LG rules over it.

    Returns the reading (None when the log cannot be read) and the result, whose
    ``errors`` hold the one line of a log that cannot be read.
    """
    if settings.log is None:
        raise ValueError("check_log needs settings.log")
    result = FileResult(path=settings.log)
    context = LintContext(config, settings)
    try:
        reading = context.log_reading
    except InputError as exc:
        result.errors.append(exc.format())
        return None, result
    assert reading is not None
    result.kind = reading.log.framework
    for rule_class in enabled_rules(settings):
        if "log" in rule_class.needs and context.has(rule_class.needs):
            result.diagnostics.extend(rule_class(context).check())
    result.diagnostics.sort(key=Diagnostic.sort_key)
    return reading, result
