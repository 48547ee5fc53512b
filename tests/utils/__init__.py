"""Test helpers shared across test packages (reference models, chain helpers)."""
