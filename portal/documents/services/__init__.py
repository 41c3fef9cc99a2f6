"""Document services, by subject."""
