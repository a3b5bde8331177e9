"""UVIS Gateway: storage."""
