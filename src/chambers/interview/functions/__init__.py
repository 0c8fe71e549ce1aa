"""Helper functions interview code calls by name, one module per theme (text, places, dates)."""
