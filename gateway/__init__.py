"""UVIS Gateway: gateway."""
