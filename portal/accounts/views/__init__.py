"""Account views by subject; importing this package attaches them to the blueprint."""

from portal.accounts.views import oidc, sessions, signin, twofactor  # noqa: F401 - registers the routes
