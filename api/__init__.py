"""UVIS Gateway: api."""
