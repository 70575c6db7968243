"""licenses package."""
