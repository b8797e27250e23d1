"""The linter: rules (one module each in ``rules/``), settings, suppression, reports.

Writing a rule
--------------
1. Create ``cfgtools/lint/rules/<code>_<name>.py`` (e.g. ``lr001_zero_rate.py``) with one class::

       @register
       class ZeroRate(Rule):
           \"\"\"One paragraph on what the framework does.

           Bad::

               [net]
               ...

           Good::

               [net]
               ...
           \"\"\"

           code = "LR001"; name = "zero-rate"; severity = Severity.WARNING
           framework = "darknet"          # or "caffe" or "any"
           summary = "one line for `cfgtools rules`"

           def check(self):
               net = self.ctx.net         # or self.ctx.document / self.ctx.solver / self.ctx.schedule
               ...
               yield self.diagnostic(span, "what darknet/Caffe does, with the number", Fix("hint", "value", span))

2. Add one import line to ``cfgtools/lint/rules/__init__.py``.
3. ``self.diagnostic`` applies the user's per-code severity override; pass
   ``severity=self.ctx.settings.severity_for(self.code, Severity.INFO)`` to
   lower one finding while still honouring overrides.
4. Read thresholds and run inputs from ``self.ctx.settings`` (a
   :class:`~cfgtools.lint.settings.LintSettings`): ``gpus``, ``goal``,
   ``epochs``/``images``, ``resume_from``, ``previous``, ``previous_gpus``,
   ``clear``, ``lr_floor_fraction``, ``lr_floor_share``, ``rise_factor``,
   ``spike_ratio``, ``dialect``.
5. Add ``fixtures/lint/<CODE>_bad*.cfg|prototxt`` with ``# expect: CODE line N``
   lines at the top (``# settings: key=value`` for LintSettings) and a
   ``<CODE>_good*`` one; tests/lint/test_lint_fixtures.py checks the DN/CF
   ones (copy it for other families).

A rule that raises is reported as an internal error line (exit 2) and the run goes on.
"""
