from __future__ import annotations

from cfgtools.lint.core import Fix, Severity
from cfgtools.lint.rules._ultralytics import FindingRule
from cfgtools.ultralytics.settings import Finding


class DuplicateSetting(FindingRule):
    """## What it does
    Checks for a key written twice.

    ## Why is this bad?
    `yaml.safe_load` keeps the last value of a repeated key without a word: the
    earlier line, often the one you just edited, has no effect.

    ## Example
    ```yaml
    lr0: 0.02
    lrf: 0.01
    lr0: 0.01
    ```

    ## Use instead
    ```yaml
    lr0: 0.02
    lrf: 0.01
    ```
    """

    code = "UL005"
    name = "duplicate-setting"
    severity = Severity.WARNING
    summary = "a key written twice: the last one wins"
    finding_kinds = ("duplicate-key",)

    def fix(self, finding: Finding) -> Fix | None:
        return Fix(f"keep one {finding.key} line")
