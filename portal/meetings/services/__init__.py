"""What meetings do: scheduling and notices, attendance, minutes, follow-ups, figures."""
