"""``flask --app portal survey …``: import instruments, and the scheduler's jobs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from portal.core.errors import DomainError
from portal.extensions import db
from portal.surveys.models import RespondentGroup

survey_cli = AppGroup("survey", help="The yearly indicator survey.")


@contextmanager
def _localised() -> Iterator[None]:
    """Messages in the installation's default language (Swedish), outside any request."""
    with (
        current_app.test_request_context("/"),
        force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]),
    ):
        yield


@survey_cli.command("import-instrument")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--respondent-group",
    type=click.Choice([g.value for g in RespondentGroup]),
    help="The respondent group the version serves (must agree with the file's own).",
)
@click.option(
    "--draft",
    is_flag=True,
    help="Store it unpublished; publish it on the platform's instrument page.",
)
def import_instrument(path: Path, respondent_group: str | None, draft: bool) -> None:
    """Check an instrument file and store it as an instrument version, published to
    every association (unless --draft)."""
    from portal.surveys import services
    from portal.surveys.instrument import InstrumentError, parse_instrument

    chosen = RespondentGroup(respondent_group) if respondent_group else None
    with _localised():
        try:
            parsed = parse_instrument(path.read_text(encoding="utf-8"), chosen)
        except UnicodeDecodeError as error:
            raise click.ClickException(f"{path}: not UTF-8 text ({error.reason})") from error
        except InstrumentError as error:
            for problem in error.problems:
                click.echo(
                    f"{path}:{problem.line or 1}: {problem.pointer or '/'}: {problem.message}",
                    err=True,
                )
            raise click.ClickException(
                f"{len(error.problems)} error(s); nothing was imported"
            ) from None
        try:
            instrument, outcome = services.import_instrument(None, parsed, publish=not draft)
        except DomainError as error:
            raise click.ClickException(error.message) from error
        db.session.commit()
    click.echo(
        f"{instrument.code} {instrument.version}: {outcome}, "
        f"{len(instrument.questions)} questions"
        + (" (example instrument)" if instrument.is_example else "")
        + f", {instrument.respondent_group.value}"
        + ("" if instrument.is_published else ", draft (not published)")
    )


@survey_cli.command("send-reminders")
@click.option(
    "--interval-days",
    default=7,
    show_default=True,
    type=click.IntRange(min=1),
    help="Remind only those not contacted for this many days.",
)
def send_reminders(interval_days: int) -> None:
    """Remind everyone who has not answered an open round (run on a timer)."""
    from portal.surveys import services
    from portal.surveys.models import RoundStatus, SurveyRound

    total = 0
    with _localised():
        rounds = db.session.scalars(
            db.select(SurveyRound).where(SurveyRound.status == RoundStatus.OPEN)
        ).all()
        for survey_round in rounds:
            if services.accepts_answers(survey_round):
                total += services.send_reminders(
                    None, survey_round, dt.timedelta(days=interval_days)
                )
        db.session.commit()
    click.echo(f"reminders queued: {total}")


@survey_cli.command("close-due")
def close_due() -> None:
    """Close rounds whose closing day has passed; remove links from delivered mail."""
    from portal.surveys import services

    with _localised():
        closed = services.close_due()
        scrubbed = services.scrub_delivered_links()
        db.session.commit()
        # Every run, not only after a close: one that could not run (a lock) is retried.
        vacuumed = services.vacuum_sealed_tables()
    click.echo(f"rounds closed: {len(closed)}; delivered messages with links removed: {scrubbed}")
    if not vacuumed:
        click.echo("the sealed survey tables could not be vacuumed now; run again", err=True)


@survey_cli.command("import-national")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_national(path: Path) -> None:
    """Load national reference shares from a CSV file (replaces each year in it)."""
    from portal.surveys import national

    with _localised():
        try:
            loaded = national.import_national(None, path.read_bytes())
        except national.NationalFileError as error:
            for problem in error.problems:
                click.echo(f"{path}:{problem.line}: {problem.message}", err=True)
            raise click.ClickException(
                f"{len(error.problems)} error(s); nothing was imported"
            ) from None
        db.session.commit()
        for warning in loaded.warnings:
            click.echo(f"{path}:{warning.line}: {warning.message}", err=True)
    for year in loaded.years:
        codes = sorted(row.question_code for row in loaded.rows if row.year == year)
        click.echo(f"{year}: {len(codes)} figures ({', '.join(codes)})")
    click.echo(
        f"loaded {len(loaded.rows)} figures for {len(loaded.years)} year(s); "
        f"replaced {loaded.replaced}"
    )
