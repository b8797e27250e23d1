"""One module per sub-command; see cfgtools.cli for the contract."""
