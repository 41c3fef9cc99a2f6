"""Account views by subject; importing this package attaches them to the blueprint."""

from portal.accounts.views import signin  # noqa: F401 - registers the routes
