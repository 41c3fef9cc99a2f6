"""``make bench``: the portal's main pages at Gävleborg and national scale, and under load.

Bounded and loopback only. The script

1. makes sure two PostgreSQL databases hold generated data (``flask dev generate``):
   ``bench_small`` (1 association × 3 years, the Gävleborg shape) and ``bench_large``
   (80 associations × 10 years). A database that already holds the right data is
   reused; ``--rebuild`` drops and regenerates both. Only names starting with
   ``bench_`` are ever dropped;
2. in each, opens a fresh survey round (through the survey services) in an association
   of its own, ``bench-svar``, whose group has at least one member per load respondent
   (members an earlier run with more respondents added stay, and are invited too), so
   the generated associations stay as generated and every run has unanswered links;
3. measures each main page in-process (Flask test client, signed in as the
   association's admin): median and p95 of the time inside the app and the number of
   SQL statements. The page list is data: an entry whose endpoint the app does not
   have yet is reported as "not built yet";
4. on the national database, serves the portal with gunicorn (``--workers`` sync
   workers, by default gunicorn's own advice of two per core plus one: a sync worker
   idles while its commit waits for the disk, so two on two cores capped the submit) and
   loads it with ``wrk`` (``scripts/bench_wrk.py``, ``scripts/bench_rotate.lua``) at
   8 connections on loopback; serves ``scripts/bench_ceiling.py`` (one ``SELECT 1``)
   the same way beside it and loads it before and after every portal load (ceiling,
   load, ceiling, load, …), so each ratio compares loads seconds apart; the survey
   pages and the floor are loaded ``--repeats`` times and their ratio is the median;
   the submit sends each prepared respondent once (``--respondents``, 2,000); reads
   each worker's resident memory from ``/proc``;
5. closes the load's round (as many invitations as respondents) and times it;
6. prints one Markdown table and writes it to ``bench-results.md``.

``--database-prefix`` names the databases (``<prefix>_small``, ``<prefix>_large``;
``bench`` by default), so a session can keep its own; ``--small-only`` loads the
Gävleborg-sized one over HTTP too and skips generating the national one.

Run from the repository root::

    .venv/bin/python scripts/bench.py            # or: make bench
    .venv/bin/python scripts/bench.py --quick    # a smoke run with tiny counts
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import bench_wrk  # noqa: E402
import survey_load as load  # noqa: E402
from bench_http import Row  # noqa: E402

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
RESULTS = ROOT / "bench-results.md"
BENCH_SLUG = "bench-svar"
ROUND_YEAR_OFFSET = 1  # the load's round is for next year: this year's round is closed
# gunicorn's advice (2 × cores + 1), for both apps alike: a sync worker waits out its
# commit's flush to disk idle, and on two cores two workers left the CPUs idle meanwhile.
DEFAULT_WORKERS = 2 * (os.cpu_count() or 1) + 1


@dataclass(frozen=True)
class Scale:
    label: str
    database: str
    associations: int
    years: int

    @property
    def url(self) -> str:
        return PG_SERVER + self.database


SMALL = Scale("Gävleborg (1 × 3 y)", "bench_small", 1, 3)
LARGE = Scale("National (80 × 10 y)", "bench_large", 80, 10)
DATABASE_NAME = re.compile(r"([a-z][a-z0-9_]*_)?bench_(small|large)")


def scales(prefix: str, small_only: bool) -> list[Scale]:
    """The scales to measure, their databases named ``<prefix>_small`` / ``_large``."""
    out = [
        Scale(s.label, f"{prefix}_{s.database.removeprefix('bench_')}", s.associations, s.years)
        for s in ([SMALL] if small_only else [SMALL, LARGE])
    ]
    for scale in out:
        if not DATABASE_NAME.fullmatch(scale.database):
            raise SystemExit(f"{scale.database!r}: the prefix must end with 'bench'")
    return out


@dataclass
class Targets:
    """What the pages are measured on, in one generated association."""

    association_id: int
    slug: str
    admin_email: str
    group_id: int
    plan_id: int
    meeting_id: int
    round_id: int
    year: int
    tokens: list[str] = field(default_factory=list)
    api_token: str | None = None


@dataclass(frozen=True)
class Page:
    """A main page: its endpoint, how to build its address, and how it is reached."""

    label: str
    endpoint: str
    values: Callable[[Targets], dict[str, Any]]
    # "session" (signed in as the association's admin), "national" (signed in as the
    # national network's account), "public" (survey link) or "token" (API)
    access: str = "session"


PAGES = [
    Page("Group page", "groups.show", lambda t: {"slug": t.slug, "group_id": t.group_id}),
    Page("Plan page", "plans.show", lambda t: {"slug": t.slug, "plan_id": t.plan_id}),
    Page("Meeting page", "meetings.show", lambda t: {"slug": t.slug, "meeting_id": t.meeting_id}),
    Page(
        "Survey form",
        "surveys.respond_answers",
        lambda t: {"slot": t.tokens[0]},  # replaced by the slot the link opens (_sample_url)
        access="public",
    ),
    Page(
        "Survey results",
        "surveys.results_page",
        lambda t: {"slug": t.slug, "round_id": t.round_id},
    ),
    Page(
        "Board summary",
        "reporting.summary",
        lambda t: {"slug": t.slug, "year": t.year},
    ),
    Page(
        "National compilation",
        "national.compilation",
        lambda t: {"year": t.year, "group": "managers"},
        access="national",
    ),
    Page(
        "API: meeting statistics",
        "api.meeting_statistics",
        lambda t: {"association_id": t.association_id, "year": t.year},
        access="token",
    ),
]


# --- data ------------------------------------------------------------------------------


def _flask(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": load.SECRET_KEY}
    env["PORTAL_ENV"] = "development"
    command = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "portal", *args]
    subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603 - fixed argv


def holds_data(scale: Scale) -> bool:
    """Whether the database exists and holds exactly the generated data asked for."""
    import psycopg

    conninfo = load._psycopg_conninfo(scale.url, scale.database)
    try:
        with psycopg.connect(conninfo) as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM associations WHERE slug LIKE 'gen-%'),"
                " (SELECT count(DISTINCT year) FROM plans)"
            ).fetchone()
    except psycopg.Error:
        return False
    return row is not None and (row[0], row[1]) == (scale.associations, scale.years)


def ensure_data(scale: Scale, rebuild: bool) -> None:
    """Generate the scale's database unless it already holds the data."""
    if not rebuild and holds_data(scale):
        load.out(
            f"{scale.database}: generated data present, reused; migrating, refreshing statistics"
        )
        _flask(scale.url, "db", "upgrade")  # tables added since the data was generated
        import psycopg

        with psycopg.connect(load._psycopg_conninfo(scale.url, scale.database)) as conn:
            conn.execute("ANALYZE")  # PostgreSQL here may run without autovacuum
        return
    import psycopg

    if not DATABASE_NAME.fullmatch(scale.database):
        raise SystemExit(f"refusing to drop {scale.database!r}: not a benchmark database")
    with psycopg.connect(load._psycopg_conninfo(scale.url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scale.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{scale.database}"')
    load.out(f"{scale.database}: generating {scale.associations} × {scale.years} …")
    _flask(scale.url, "db", "upgrade")
    args = ["--associations", str(scale.associations), "--years", str(scale.years)]
    _flask(scale.url, "dev", "generate", *args)


def make_app(url: str) -> Any:
    from portal import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": load.SECRET_KEY,
            "PORTAL_ENV": "development",
            "MAIL_BACKEND": "console",
            "RATELIMIT_ENABLED": False,
        }
    )


def prepare(app: Any, scale: Scale, respondents: int) -> Targets:
    """Pick the measured association's objects and open a fresh round for the load."""
    import bench_data

    with app.app_context(), app.test_request_context("/"):
        targets = Targets(**bench_data.targets(scale.associations))
        targets.tokens = bench_data.open_load_round(BENCH_SLUG, respondents, ROUND_YEAR_OFFSET)
        targets.api_token = bench_data.api_token(targets.association_id)
    return targets


def close_row(app: Any, scale: Scale) -> Row:
    """Close the load's round (its invitations, as many as respondents) and time it."""
    import bench_data

    with app.app_context(), app.test_request_context("/"):
        seconds, invited, answered = bench_data.close_load_round(BENCH_SLUG, ROUND_YEAR_OFFSET)
    return Row(
        "Closing",
        "Close the survey round",
        scale.label,
        p50=load.fmt_ms(seconds),
        notes=f"{invited} invitations, {answered} answered; one run",
        data={"close_seconds": seconds, "invited": invited},
    )


# --- in-process ------------------------------------------------------------------------


def measure_pages(app: Any, scale: Scale, targets: Targets, samples: int) -> list[Row]:
    """Median and p95 time inside the app, and the SQL statements, of every page."""
    import sqlalchemy as sa
    from flask import url_for

    from portal.cli.demo import DEMO_PASSWORD
    from portal.devtools.generate import NATIONAL_EMAIL
    from portal.extensions import db

    client = app.test_client()
    rows = []
    with app.app_context():
        _sign_in(client, targets.admin_email, DEMO_PASSWORD)
        national = app.test_client()
        _forget_user()
        _sign_in(national, NATIONAL_EMAIL, DEMO_PASSWORD)
        endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
        statements: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            for page in PAGES:
                section, what = "Server time, in-process", page.label
                if page.endpoint not in endpoints:
                    rows.append(Row(section, what, scale.label, notes="not built yet"))
                    continue
                if page.access == "token" and targets.api_token is None:
                    rows.append(Row(section, what, scale.label, notes="no API token service"))
                    continue
                browser = {"public": app.test_client(), "national": national}.get(
                    page.access, client
                )
                _forget_user()  # the requests share this app context: each page its own user
                values = page.values(targets)
                if page.access == "public":  # open the link: its page leads to the slot
                    with app.test_request_context("/"):
                        link = url_for("surveys.respond_enter", token=targets.tokens[0])
                    opening = browser.get(link).get_data(as_text=True)
                    slot = re.search(r'href="/survey/s/([A-Za-z0-9_-]+)/answers"', opening)
                    values = {"slot": slot.group(1) if slot else ""}
                with app.test_request_context("/"):
                    url = url_for(page.endpoint, **values)
                headers = {"Authorization": f"Bearer {targets.api_token}"}
                kwargs = {"headers": headers} if page.access == "token" else {}
                rows.append(_sample(browser, url, kwargs, statements, samples, scale, page))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    return rows


def _forget_user() -> None:
    """Drop the signed-in user and principal a request left on ``flask.g``: requests
    made inside the one app context share it (``tests/test_queries.py`` does the same)."""
    from flask import g

    g.pop("_login_user", None)
    g.pop("principals", None)


def _sign_in(client: Any, email: str, password: str) -> None:
    html = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if match is None:
        raise SystemExit("no CSRF token on /login")
    data = {"email": email, "password": password, "csrf_token": match.group(1)}
    if client.post("/login", data=data).status_code != 302:
        raise SystemExit(f"could not sign in as {email}")


def _sample(
    client: Any,
    url: str,
    kwargs: dict[str, Any],
    statements: list[str],
    samples: int,
    scale: Scale,
    page: Page,
) -> Row:
    client.get(url, **kwargs)  # warm the caches (templates, compiled statements)
    times, counts, bad = [], [], 0
    for _ in range(samples):
        statements.clear()
        started = time.perf_counter()
        response = client.get(url, **kwargs)
        times.append(time.perf_counter() - started)
        counts.append(len(statements))
        bad += response.status_code != 200
    queries = f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}–{max(counts)}"
    return Row(
        "Server time, in-process",
        page.label,
        scale.label,
        requests=str(samples),
        p50=load.fmt_ms(load.percentile(times, 50)),
        p95=load.fmt_ms(load.percentile(times, 95)),
        queries=queries,
        errors=str(bad),
        notes=f"`{page.endpoint}`",
        path=url,
        data={"p95": load.percentile(times, 95), "queries": max(counts), "errors": bad},
    )


# --- table -----------------------------------------------------------------------------

COLUMNS = [
    ("Section", "section"),
    ("Page or load", "what"),
    ("Data", "scale"),
    ("Requests", "requests"),
    ("p50 ms", "p50"),
    ("p95 ms", "p95"),
    ("p99 ms", "p99"),
    ("SQL queries", "queries"),
    ("Req/s", "rps"),
    ("Errors", "errors"),
    ("× ceiling", "ratio"),
    ("Notes", "notes"),
]


def markdown(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(title for title, _ in COLUMNS) + " |"]
    lines.append("|" + "|".join("---" for _ in COLUMNS) + "|")
    for row in rows:
        lines.append("| " + " | ".join(getattr(row, name) for _, name in COLUMNS) + " |")
    return "\n".join(lines)


NOTES = """\
Notes: in-process server time is measured around the Flask test client's request
(WSGI app plus the test client's own small overhead) on PostgreSQL, {samples} requests
after one warm-up, signed in as the association's admin; SQL queries are statements
sent to the database per request. HTTP figures: gunicorn {workers} sync workers,
loaded by wrk ({concurrency} connections, 2 threads, on loopback: client and server
share this machine's CPUs, but wrk is C and takes little), {load_seconds} s per load after an
untimed load of its own kind; the submission sends each prepared respondent's confirming
POST once (the first {warm} warm up), timed from the first request to the last answer.
"× ceiling" is req/s divided by the mean req/s of the two ceiling loads run just before
and just after it (the ceiling row pools all of them). The survey form, the submission
and the floor are loaded {repeats} times each (the submissions shared out among the
loads): their row pools the loads' requests and gives the median of their ratios, since
one load on a shared machine can be off by a tenth either way. Memory is VmRSS of each
gunicorn worker after the loads. Closing: the load's round, through the survey service.
Finished {when} on {cpus} CPUs; total {seconds:.0f} s; load average (1 min) {load_start:.1f}
at the start and {load_end:.1f} at the end (other work on the machine slows every figure)."""


def check_targets(rows: Sequence[Row], largest: Scale) -> str:
    """Issue 7's targets, each met or missed, from the rows' numbers."""
    lines = ["Targets of issues 7 and 15:"]

    def line(ok: bool, text: str) -> None:
        lines.append(f"- {'met' if ok else 'MISSED'}: {text}")

    pages = [r for r in rows if r.section.startswith("Server time") and "queries" in r.data]
    over = [
        f"{r.what} ({r.scale}): {r.data['queries']:.0f}" for r in pages if r.data["queries"] > 15
    ]
    line(
        not over, "at most 15 SQL queries per page" + (f"; over: {'; '.join(over)}" if over else "")
    )
    summary = [r for r in pages if r.what == "Board summary" and r.scale == largest.label]
    if summary:
        p95 = summary[0].data["p95"] * 1000
        line(p95 < 150, f"board summary p95 < 150 ms at {largest.label}: {p95:.0f} ms")
    else:
        lines.append("- not measured: board summary p95 (not built yet)")
    compilation = [
        r for r in pages if r.what == "National compilation" and r.scale == largest.label
    ]
    if compilation:
        p95 = compilation[0].data["p95"] * 1000
        line(p95 < 300, f"national compilation p95 < 300 ms at {largest.label}: {p95:.0f} ms")
    http = [r for r in rows if r.what == "National compilation" and r.section.startswith("HTTP")]
    if http and "p95" in http[0].data:
        p95 = http[0].data["p95"] * 1000
        line(p95 < 300, f"national compilation p95 < 300 ms under wrk load: {p95:.0f} ms")
    for what in ("Survey form (GET)", "Survey submission (POST)"):
        found = [r for r in rows if r.what == what and "ratio" in r.data]
        if found:
            ratio = found[0].data["ratio"]
            line(ratio >= 0.5, f"{what} throughput ≥ half the ceiling's: × {ratio:.2f}")
    loads = [r for r in rows if r.section.startswith("HTTP") and "errors" in r.data]
    errors = sum(r.data["errors"] for r in loads)
    line(errors == 0, f"no errors under load: {errors:.0f}")
    closing = [r for r in rows if "close_seconds" in r.data]
    if closing:
        close = closing[0].data
        line(
            close["close_seconds"] < 10,
            f"closing a round of {close['invited']:.0f} invitations < 10 s: "
            f"{close['close_seconds']:.1f} s",
        )
    memory = [r.data["max_mb"] for r in rows if r.what == "Portal workers"]
    if memory:
        line(memory[0] < 150, f"memory under 150 MB per worker: largest {memory[0]:.0f} MB")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="regenerate both databases")
    parser.add_argument("--samples", type=int, default=30, help="in-process requests per page")
    parser.add_argument("--requests", type=int, default=400, help="HTTP requests per load")
    parser.add_argument(
        "--respondents", type=int, default=2000, help="survey submissions (and the round closed)"
    )
    parser.add_argument("--seconds", type=int, default=5, help="seconds per wrk load")
    parser.add_argument("--database-prefix", default="bench", help="databases <prefix>_small, …")
    parser.add_argument(
        "--small-only", action="store_true", help="no national database; HTTP on the small one"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="loads of the survey pages and the floor"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        help="gunicorn sync workers, for the portal and the ceiling alike",
    )
    parser.add_argument("--quick", action="store_true", help="tiny counts, small data only")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        args.samples, args.requests, args.respondents, args.repeats = 3, 16, 40, 1
        args.seconds, args.small_only = 1, True
    for name in ("samples", "requests", "respondents", "concurrency", "workers", "repeats"):
        if not 1 <= getattr(args, name) <= 5000:
            parser.error(f"--{name} must be between 1 and 5000")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    measured = scales(args.database_prefix, args.small_only)
    rows: list[Row] = []
    for scale in measured:
        ensure_data(scale, args.rebuild)
        app = make_app(scale.url)
        targets = prepare(app, scale, args.respondents)
        load.out(f"{scale.database}: measuring pages in-process …")
        page_rows = measure_pages(app, scale, targets, args.samples)
        rows += page_rows
        if scale is not measured[-1]:
            _dispose(app)
    paths = {row.what: row.path for row in page_rows if row.path}
    rows += bench_wrk.run(measured[-1], targets, paths, args)
    rows.append(close_row(app, measured[-1]))
    _dispose(app)
    table = markdown(rows)
    notes = NOTES.format(
        samples=args.samples,
        workers=args.workers,
        concurrency=args.concurrency,
        repeats=args.repeats,
        warm=args.concurrency * 2,
        load_seconds=args.seconds,
        when=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        cpus=os.cpu_count(),
        seconds=time.perf_counter() - started,
        load_start=load_start,
        load_end=os.getloadavg()[0],
    )
    verdict = check_targets(rows, measured[-1])
    text = f"{table}\n\n{notes}\n\n{verdict}\n"
    args.output.write_text(text, encoding="utf-8")
    load.out()
    load.out(text)
    return 0


def _dispose(app: Any) -> None:
    from portal.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
