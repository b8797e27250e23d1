"""The linter: rules (one module each in ``rules/``), settings, suppression, reports.

Writing a rule
--------------
1. Write ``cfgtools/lint/rules/<code>_<name>.py`` (e.g. ``lr001_zero_rate.py``) with one class::

       class ZeroRate(Rule):
           \"\"\"## What it does
           Checks for ...

           ## Why is this bad?
           What the framework does, with the upstream file and function
           (`get_current_rate`, src/network.c).

           ## Example
           ```cfg
           [net]
           ...
           ```

           ## Use instead
           ```cfg
           [net]
           ...
           ```

           ## Options
           - `--goal ITER`: only when the rule reads settings (see below).
           \"\"\"

           code = "LR001"
           name = "zero-rate"
           severity = Severity.WARNING
           needs = ("schedule", "profile")   # views the rule reads; it runs only when all are present
           summary = "one line for `cfgtools rules`"

           def check(self):
               profile = self.ctx.profile
               ...
               yield self.diagnostic(span, "what darknet/Caffe does, with the number", Fix("hint", "value", span))

   The docstring is Markdown under ruff's headings, in this order:
   *What it does*, *Why is this bad?*, *Example* and *Use instead* (each a
   fenced ``cfg`` or ``prototxt`` block), and *Options* exactly when the rule
   reads settings beyond severity. ``cfgtools explain`` prints it as plain
   text, SARIF carries it for GitHub (``cfgtools.lint.ruledoc``).
2. Add one line to ``RULE_CLASSES`` in ``cfgtools/lint/registry.py`` (``"CODE": "module:Class"``; the
   module is imported only when a file can use the rule, see ``FAMILY_FRAMEWORK`` there).
3. ``needs`` names views of :class:`~cfgtools.lint.context.LintContext`: the
   framework's (``document``, ``net``, ``layers``, ``network`` for darknet;
   ``solver`` for Caffe) and the linter's (``schedule``, ``profile``,
   ``resume``). The engine calls ``check`` only when each is present, so a
   rule never tests for ``None`` or for the kind of file.
4. ``self.diagnostic`` applies the user's per-code severity override; pass
   ``severity=Severity.INFO`` to lower one finding while still honouring
   overrides.
5. Read thresholds and run inputs from ``self.ctx.settings`` (a
   :class:`~cfgtools.lint.settings.LintSettings`), e.g. ``rise_factor``,
   ``spike_ratio``, ``clear``, and list them under *Options* (the views read
   ``gpus``, ``goal``, ``epochs``/``images``, ``resume_from``, ``previous``,
   ``previous_gpus``, ``lr_floor_fraction``, ``rise_factor`` for you).
   tests/lint/test_ruledoc.py checks the headings and that *Options* names
   what the rule reads.
6. Write ``tests/lint/cases/<CODE>.yml``: cases with the problem and without
   it, each with its input and the exact findings (code, line, and the fix
   hint's help text and replacement). tests/lint/rule_cases.py describes the
   format; tests/lint/test_rule_cases.py runs every case through the linter and
   fails when a rule has no clean case, no case with findings, or fix hints
   that no case checks. Numbers a case cannot show (a computed rate in a
   message) get a test in ``tests/lint/rules/test_<module>.py``.

A rule that raises is reported as an internal error line (exit 2) and the run goes on.
"""
