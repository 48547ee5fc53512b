"""bondline analytics package."""
