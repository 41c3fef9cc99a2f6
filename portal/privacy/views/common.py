"""What every page of the privacy domain needs: the platform pages' guard."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from portal.privacy import policies
from portal.privacy.blueprint import bp

PLATFORM_PREFIX = "/platform/"


@bp.before_request
def _guard_platform_pages() -> None:
    """Pages under /platform look absent to all but the platform admin, as admin's do."""
    if request.path.startswith(PLATFORM_PREFIX) and not policies.can_handle_personal_data(
        current_user
    ):
        abort(404)
