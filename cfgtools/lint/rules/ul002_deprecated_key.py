from __future__ import annotations

from cfgtools.lint.core import Fix, Severity
from cfgtools.lint.rules._ultralytics import FindingRule
from cfgtools.ultralytics.settings import Finding


class DeprecatedSettingKey(FindingRule):
    """## What it does
    Checks for ultralytics settings the version reading the file has renamed or
    dropped.

    ## Why is this bad?
    `_handle_deprecation` (ultralytics cfg/__init__.py) rewrites a renamed key to its
    new name with a warning (`boxes` becomes `show_boxes`, `hide_labels` the opposite
    of `show_labels`) and deletes a dropped one: the value either means something
    else now or nothing at all, and the next release may refuse the key.

    ## Example
    ```yaml
    task: detect
    epochs: 100
    lr0: 0.01
    boxes: true
    ```

    ## Use instead
    ```yaml
    task: detect
    epochs: 100
    lr0: 0.01
    show_boxes: true
    ```
    """

    code = "UL002"
    name = "deprecated-setting-key"
    severity = Severity.WARNING
    summary = "an ultralytics setting the version renamed or dropped"
    finding_kinds = ("deprecated-key",)

    def fix(self, finding: Finding) -> Fix | None:
        if finding.suggestion is None:
            return Fix(f"delete the {finding.key} line")
        return Fix(f"write {finding.suggestion} (check the value: a renamed key may mean the opposite)",
                   replacement=finding.suggestion)
