"""Documents attached to meetings, minutes and plans: upload, storage, download."""
