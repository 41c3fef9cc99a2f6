"""The national compilation on the read-only API (``/api/v1/national/<year>/<group>``).

The route sits on the API's blueprint, so the API's token check, rate limit and JSON
errors apply (a national network token only: ``portal.api.auth.NATIONAL_ENDPOINTS``
names this endpoint, ``api.national_compilation``); it lives here so that the API
package does not import the national domain, which imports the API's tokens.
"""

from __future__ import annotations

from flask import Response, abort, jsonify

from portal.api import params
from portal.api.views import bp
from portal.national.services import compile_year
from portal.national.services import export as national_export
from portal.surveys.models import RespondentGroup


@bp.route("/national/<int:year>/<group>")
def national_compilation(year: int, group: str) -> Response:
    """The national compilation of a year and respondent group (a national network
    token only, ``auth.NATIONAL_ENDPOINTS``): the figures of the compilation page."""
    params.check_year(year)
    try:
        respondent_group = RespondentGroup(group)
    except ValueError:
        abort(404)
    return jsonify(national_export.to_json(compile_year(year, respondent_group)))
