"""UVIS Gateway: simulators."""
