"""The linter: rules (one module each in ``rules/``), settings, suppression, reports."""
