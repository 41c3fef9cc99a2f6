"""What every page of the national domain needs: the guards of its whole-path pages."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from portal.national import policies
from portal.national.blueprint import bp

PLATFORM_PREFIX = "/platform/"
COMPILATION_PREFIX = "/national"


@bp.before_request
def _guard() -> None:
    """Pages under /platform look absent to all but the platform admin, as admin's do;
    the compilation to all but the national network (and the platform admin). The
    association's own page checks its admin when it has loaded the association."""
    if request.path.startswith(PLATFORM_PREFIX):
        if not policies.can_appoint_national_network(current_user):
            abort(404)
    elif request.path.startswith(COMPILATION_PREFIX) and not policies.can_read_compilation(
        current_user
    ):
        abort(404)
