"""bondline oracle package."""
