"""registry.store package."""
