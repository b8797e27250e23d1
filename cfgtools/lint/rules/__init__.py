"""The lint rules, one module each (a family may share a helper module); the table is ``cfgtools.lint.registry``."""
