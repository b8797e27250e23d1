from __future__ import annotations

from cfgtools.lint.core import Fix, Severity
from cfgtools.lint.rules._ultralytics import FindingRule
from cfgtools.ultralytics.settings import Finding


class SettingType(FindingRule):
    """## What it does
    Checks for values of the wrong type, above all numbers that PyYAML reads as
    strings.

    ## Why is this bad?
    Both YOLOv5 and ultralytics read their YAML with `yaml.safe_load`, which follows
    YAML 1.1: a float needs a dot and a signed exponent, so `lr0: 1e-3` is the string
    `'1e-3'`. YOLOv5 then fails deep inside the optimizer (or multiplies a string);
    ultralytics' `check_cfg` stops with "is of invalid type str". An integer setting
    written as a float (`nbs: 64.0`) or a boolean written as a number is refused the
    same way.

    ## Example
    ```yaml
    lr0: 1e-3
    lrf: 0.01
    ```

    ## Use instead
    ```yaml
    lr0: 1.0e-3
    lrf: 0.01
    ```
    """

    code = "UL003"
    name = "setting-type"
    severity = Severity.ERROR
    summary = "a value of the wrong type (PyYAML reads 1e-3 as a string)"
    finding_kinds = ("type",)

    def fix(self, finding: Finding) -> Fix | None:
        if finding.suggestion is None:
            return None
        return Fix(f"write {finding.suggestion}", replacement=finding.suggestion)
