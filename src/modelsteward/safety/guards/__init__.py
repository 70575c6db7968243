"""safety.guards package."""
