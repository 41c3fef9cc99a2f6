"""A demo API token for Gävleborg, so the API can be tried with curl at once.

The secret exists only in the output of the ``demo load`` that made the token (it is
never written to the repository or the database). Loading again leaves the token as
it is and says how to get a new one.
"""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app

from portal.api import services
from portal.api.models import ApiToken
from portal.extensions import db
from portal.organisations.models import Association
from portal.people import services as people_services

DEMO_TOKEN_NAME = "Demo: BI-verktyg"  # noqa: S105 (the name shown in the list, not a secret)


def load_demo(association: Association) -> None:
    """Create the demo token once and print its secret with a curl example."""
    existing = db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.association_id == association.id,
            ApiToken.name == DEMO_TOKEN_NAME,
            ApiToken.revoked_at.is_(None),
        )
    )
    if existing is not None:
        click.echo(
            f"API: the demo token ({existing.prefix}…) exists; its secret was shown when it "
            "was made. Revoke it and create a new one under API tokens to get a new secret."
        )
        return
    admin = people_services.first_admin(association)
    assert admin is not None  # the demo appoints its admin before this runs
    _token, secret = services.create_token(admin, association, DEMO_TOKEN_NAME)
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    click.echo("API: a demo token was made; it is shown this once:")
    click.echo(f"  {secret}")
    click.echo(
        f'  curl -H "Authorization: Bearer {secret}" '
        f"{base}/api/v1/associations/{association.id}/groups"
    )
