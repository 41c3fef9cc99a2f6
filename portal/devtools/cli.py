"""``flask --app portal dev …``: developer commands (never in production)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db

dev_cli = AppGroup("dev", help="Developer tools: synthetic data for benchmarks.")


@dev_cli.command("generate")
@click.option("--associations", type=click.IntRange(1, 500), required=True, help="How many.")
@click.option("--years", type=click.IntRange(1, 30), required=True, help="Years, ending this one.")
@click.option("--seed", type=int, default=2026, show_default=True, help="Same seed, same data.")
def generate_command(associations: int, years: int, seed: int) -> None:
    """Fill an empty, migrated database with generated associations in the Gävleborg shape."""
    from portal.devtools.context import Options
    from portal.devtools.generate import generate

    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("generated data is not loaded in production")

    def progress(number: int, seconds: float) -> None:
        if number % 10 == 0 or number == associations:
            click.echo(f"  {number}/{associations} associations ({seconds:.1f} s)")

    click.echo(f"Generating {associations} associations × {years} years (seed {seed}) …")
    try:
        report = generate(Options(associations, years, seed), progress)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    total = sum(report.counts.values())
    for table, count in sorted(report.counts.items()):
        click.echo(f"  {table:<24} {count:>9}")
    click.echo(f"{total} rows in {report.seconds:.1f} s ({total / report.seconds:.0f} rows/s).")
