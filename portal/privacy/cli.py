"""``flask --app portal retention run [--dry-run]``: apply the retention rules (daily timer)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.db import utcnow
from portal.extensions import db

retention_cli = AppGroup("retention", help="Cull personal data by the retention rules.")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="List what would be removed; change nothing.")
def run(dry_run: bool) -> None:
    """Apply every retention rule as of now (from a daily timer)."""
    from portal.privacy.services import retention

    findings = retention.run(utcnow(), dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    for finding in findings:
        click.echo(f"{finding.category}: {verb} {finding.count}")
        if dry_run:
            for item in finding.items:
                click.echo(f"  {item}")
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
