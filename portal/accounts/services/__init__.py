"""Account services by subject: passwords and links, sessions, two-factor sign-in."""
