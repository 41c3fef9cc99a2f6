"""``flask notify run``: queue the reminders and digests that are due (run it on a timer)."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from portal.notifications.services import runner

notify_cli = AppGroup("notify", help="Reminders and digests.")


@notify_cli.command("run")
@click.option("--verbose", "-v", is_flag=True, help="List every mail queued.")
def run_command(verbose: bool) -> None:
    """Queue every reminder and digest that is due; each goes once, however often this runs."""
    started = time.perf_counter()
    report = runner.run()
    seconds = time.perf_counter() - started
    if verbose:
        for line in report.lines:
            click.echo(line)
    for kind, count in sorted(report.queued.items()):
        click.echo(f"{kind.value}: {count}")
    click.echo(
        f"queued {report.total}, already sent {report.already_sent}, "
        f"switched off {report.switched_off}, associations held by another run "
        f"{report.associations_skipped}, {seconds:.2f} s"
    )
    if report.failed:
        raise click.ClickException(f"failed (rolled back, see the log): {', '.join(report.failed)}")
