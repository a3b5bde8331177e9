"""placeholder until the protocol lands."""
