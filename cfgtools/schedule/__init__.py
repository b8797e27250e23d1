"""The framework-neutral learning-rate schedule, its construction and evaluation."""
