"""The neutral emitters: a training recipe (``cfgtools.recipe``) as PyTorch code, as another framework's
config (through that framework's plug-in), or as JSON. Nothing here knows a framework."""
