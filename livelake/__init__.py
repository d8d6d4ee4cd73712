"""livelake."""
