"""bondline keeper package."""
