"""A public body's duties: statements, register extracts, erasure and retention (issue 20)."""
