"""Command-line tools under ``flask --app portal``.

``db upgrade`` comes from Flask-Migrate; the rest are registered here.
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")
mail_cli = AppGroup("mail", help="The mail outbox.")
demo_cli = AppGroup("demo", help="Demo data.")


@users_cli.command("create-admin")
@click.option("--email", required=True, help="E-mail address of the platform administrator.")
@click.option("--name", required=True, help="Full name.")
@click.password_option(help="Password (asked for when not given).")
def create_admin(email: str, name: str, password: str) -> None:
    """Create (or promote) a platform administrator with a password."""
    from portal.cli.commands import create_platform_admin
    from portal.core.errors import DomainError

    try:
        user = create_platform_admin(email=email, name=name, password=password)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Platform administrator {user.email} is ready.")


@users_cli.command("sweep-sessions")
def sweep_sessions() -> None:
    """Delete session records past the idle or absolute limit (run it daily)."""
    from portal.accounts.services.sessions import delete_expired
    from portal.accounts.views.sessions import timeouts

    removed = delete_expired(timeouts())
    db.session.commit()
    click.echo(f"removed {removed} expired sessions")


@mail_cli.command("send")
def send_mail() -> None:
    """Deliver the outbox messages that are due (run it on a timer)."""
    from portal.accounts.views.signin import send_requested_resets
    from portal.core.mail import MailSettings, deliver_pending

    with current_app.test_request_context():  # the reset links are built with url_for
        send_requested_resets()
    db.session.commit()
    report = deliver_pending(MailSettings.from_config(current_app.config))
    click.echo(f"sent {report.sent}, retry later {report.retried}, failed {report.failed}")


@demo_cli.command("load")
def load_demo() -> None:
    """Load the Gävleborg demo data (idempotent; refused in production)."""
    from portal.cli.demo import (
        DEMO_PASSWORD,
        DEMO_RECOVERY_CODES,
        DEMO_SIGN_INS,
        DEMO_TOTP_SECRET,
        load,
    )

    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("demo data is not loaded in production")
    created = load()
    db.session.commit()
    click.echo("Demo data loaded." if created else "Demo data was already there; updated.")
    click.echo("Demo sign-ins (the same password for all):")
    for role, email in DEMO_SIGN_INS:
        click.echo(f"  {role:<32} {email}")
    click.echo(f"  password: {DEMO_PASSWORD}")
    click.echo(f"  two-factor key (authenticator app): {DEMO_TOTP_SECRET}")
    click.echo(f"  two-factor recovery codes: {', '.join(DEMO_RECOVERY_CODES)}")
    from portal.organisations.models import Association
    from portal.surveys.demo import respondent_links

    association = db.session.scalar(db.select(Association).where(Association.slug == "gavleborg"))
    survey_links = respondent_links(association) if association is not None else []
    if survey_links:
        click.echo("Answer this year's open survey as a member (personal links, no sign-in):")
        for name, group, link in survey_links:
            click.echo(f"  {name} ({group}): {link}")


def register_commands(app: Flask) -> None:
    """Attach this package's command groups to the app (domains bring their own)."""
    for group in (users_cli, mail_cli, demo_cli):
        app.cli.add_command(group)
