"""Reminder settings, the rules of what is due, and the run that sends it."""
