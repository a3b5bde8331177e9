"""Reproducible performance commands: ``python -m benchmarks.<name> [--json FILE]``."""
