"""Reminders and digests: what ``notify run`` sends, each once, and who wants which."""
