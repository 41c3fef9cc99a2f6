"""Forms of the API token pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.api.models import TOKEN_NAME_MAX
from portal.core.forms import BaseForm, name_field


class TokenForm(BaseForm):
    """A new token: a name that says who uses it and for what."""

    name = name_field(_l("Name (who uses the token, for what)"), max_length=TOKEN_NAME_MAX)


class RevokeForm(BaseForm):
    """Revoking carries nothing but the CSRF token."""
