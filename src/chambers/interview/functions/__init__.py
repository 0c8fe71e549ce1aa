"""Helper functions interview code calls by name, grouped by theme."""
