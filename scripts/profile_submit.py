"""CPU cost per request, in-process: the ceiling, ``/healthz`` and the survey submit.

The machine ``make bench`` runs on is shared and loaded, so its wrk ratios move from run
to run. This measures what one request costs the worker itself, without a network,
gunicorn or a load generator: each request is a direct WSGI call (environ prepared
beforehand), timed with the process's CPU clock, and the PostgreSQL side is counted
apart (statements the app sent, the server backend's CPU time read from ``/proc``, WAL
bytes written, and what the ballots take on disk with their TOAST).

1. makes a fresh database (``--database-url``, name must end in ``_profile``) with one
   opened round of ``--respondents`` respondents (``survey_load.build_world``);
2. takes each respondent to the review page with the Flask test client (untimed);
3. measures, in rounds of ``--batch`` requests, (a) the ceiling app's ``GET /``
   (``scripts/bench_ceiling.py``), (b) the portal's ``/healthz``, (c) the submit POST,
   each respondent once; prints the median CPU time per request of the rounds (and the
   cheapest round's, the figure least disturbed by other work on a shared machine), and the
   wall time, which adds what the request waited for the database (for the submit, the
   flush of its commit to disk): a sync worker waits that out, so ``2 / wall`` bounds
   what ``make bench``'s workers can serve, however fast the CPU part becomes;
4. ``--profile KIND`` prints the top of a cProfile of that kind's requests instead of
   timing it (``--sort tottime|cumulative``).

Run from the repository root::

    .venv/bin/python scripts/profile_submit.py --respondents 400
    .venv/bin/python scripts/profile_submit.py --respondents 200 --profile submit
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import survey_load as load  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/survey_profile"
SLOT_LINK = re.compile(r'href="(/survey/s/[A-Za-z0-9_-]+/answers)"')
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
KINDS = ("ceiling", "healthz", "submit")
WORKERS = 2 * (os.cpu_count() or 1) + 1  # as make bench serves both apps (its default)


@dataclass
class Prepared:
    """One request, ready to be sent again and again: the environ and its body."""

    environ: dict[str, Any]
    body: bytes


def _environ(client: Any, method: str, path: str, data: dict[str, str] | None) -> Prepared:
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=path, method=method, data=data, base_url="http://localhost")
    try:
        environ = builder.get_environ()
        if client is not None:
            client._add_cookies_to_wsgi(environ)  # the cookie of the respondent's slot
        body = environ["wsgi.input"].read()
    finally:
        builder.close()
    environ["REMOTE_ADDR"] = "127.0.0.1"
    return Prepared(environ, body)


def call(app: Callable[..., Iterable[bytes]], prepared: Prepared) -> str:
    """One WSGI request as a server would make it; the status line."""
    environ = dict(prepared.environ)
    environ["wsgi.input"] = io.BytesIO(prepared.body)
    status: list[str] = []

    def start_response(line: str, headers: Any, exc_info: Any = None) -> None:
        status.append(line)

    result = app(environ, start_response)
    try:
        for _chunk in result:
            pass
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return status[0]


def prepare_submits(portal: Any, paths: Sequence[str]) -> list[Prepared]:
    """Each respondent opened their link and saved complete answers (untimed)."""
    import random

    prepared = []
    for index, path in enumerate(paths):
        client = portal.test_client()
        page = client.get(path).get_data(as_text=True)
        slot = SLOT_LINK.search(page)
        if slot is None:
            raise SystemExit(f"{path}: the link's page leads to no questionnaire")
        forms, _links = load.parse_page(client.get(slot.group(1)).get_data(as_text=True))
        form = load.find_form(forms, "/answers")
        data = load.fill_answers(form, random.Random(index), button="review")  # noqa: S311
        saved = client.post(form.action, data=data)
        if saved.status_code != 302 or not saved.location.endswith("/review"):
            raise SystemExit(f"{path}: saving answered {saved.status_code}")
        review = client.get(saved.location).get_data(as_text=True)
        confirm = load.find_form(load.parse_page(review)[0], "/submit")
        payload = {**confirm.hidden, "csrf_token": load.csrf_token(confirm)}
        prepared.append(_environ(client, "POST", confirm.action, payload))
    return prepared


class Backend:
    """What the database server did meanwhile: its backend's CPU, WAL bytes."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.connection = psycopg.connect(load._psycopg_conninfo(url, url.rsplit("/", 1)[1]))
        self.connection.autocommit = True

    def wal(self) -> int:
        return int(self._one("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"))

    def _one(self, sql: str) -> Any:
        return self.connection.execute(sql).fetchone()[0]  # type: ignore[index]

    def ballots_size(self) -> int:
        return int(self._one("SELECT pg_total_relation_size('survey_ballots')"))

    def commit_us(self, size: int, times: int = 100) -> float:
        """Median wall time of a one-row INSERT that commits (waits for the WAL flush)."""
        self.connection.execute("CREATE TABLE IF NOT EXISTS profile_commit (b bytea)")
        data = os.urandom(size)
        spent = []
        for _ in range(times):
            began = time.perf_counter()
            self.connection.execute("INSERT INTO profile_commit (b) VALUES (%s)", (data,))
            spent.append(time.perf_counter() - began)
        self.connection.execute("DROP TABLE profile_commit")
        return statistics.median(spent) * 1e6

    def pids(self, database: str) -> list[int]:
        rows = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
        return [row[0] for row in rows]


def backend_cpu(pids: Sequence[int]) -> float:
    """CPU seconds (user + system) the server processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


@dataclass
class Measured:
    kind: str
    requests: int
    cpu_us: float  # median per request of the rounds, this process
    best_us: float  # the cheapest round's per request: least disturbed by other work
    wall_us: float  # the same in wall time: with the waits on the database
    server_us: float  # per request, PostgreSQL backends of this database
    statements: float  # per request
    wal_bytes: float  # per request, the whole server's: other databases' writes count too
    statuses: set[str]


def measure(
    kind: str,
    app: Callable[..., Iterable[bytes]],
    requests: Sequence[Prepared],
    batch: int,
    backend: Backend,
    database: str,
    counter: list[int],
) -> Measured:
    statuses: set[str] = set()
    per_round, wall_round = [], []
    counter[0] = 0
    wal_before = backend.wal()
    pids = backend.pids(database)
    server_before = backend_cpu(pids)
    for start in range(0, len(requests), batch):
        chunk = requests[start : start + batch]
        began, wall_began = time.process_time(), time.perf_counter()
        for prepared in chunk:
            statuses.add(call(app, prepared))
        per_round.append((time.process_time() - began) / len(chunk))
        wall_round.append((time.perf_counter() - wall_began) / len(chunk))
    server = backend_cpu(pids) - server_before
    wal = backend.wal() - wal_before
    return Measured(
        kind,
        len(requests),
        statistics.median(per_round) * 1e6,
        min(per_round) * 1e6,
        statistics.median(wall_round) * 1e6,
        server / len(requests) * 1e6,
        counter[0] / len(requests),
        wal / len(requests),
        statuses,
    )


def profile(app: Callable[..., Iterable[bytes]], requests: Sequence[Prepared], sort: str) -> None:
    profiler = cProfile.Profile(time.process_time)  # CPU: waits on the database left out
    profiler.enable()
    for prepared in requests:
        call(app, prepared)
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats(sort).print_stats(45)
    load.out(f"{len(requests)} requests")
    load.out(stream.getvalue())


def recreate_database(url: str, name: str) -> None:
    import psycopg

    if not re.fullmatch(r"[a-z][a-z0-9_]*_profile", name):
        raise SystemExit(f"refusing to drop {name!r}: the name must end in _profile")
    with psycopg.connect(load._psycopg_conninfo(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _no_flush_wait(dbapi_connection: Any, _record: Any) -> None:
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    dbapi_connection.execute("SET synchronous_commit = off")
    dbapi_connection.autocommit = autocommit


def _engines(portal: Any, ceiling: Any) -> list[Any]:
    import sqlalchemy as sa

    from portal.extensions import db

    with portal.app_context():
        engines = [db.engine]
    for cell in ceiling.view_functions["select_one"].__closure__ or ():
        if isinstance(cell.cell_contents, sa.Engine):
            engines.append(cell.cell_contents)
    return engines


def count_statements(counter: list[int]) -> None:
    """Count every statement sent, in ``counter[0]``: psycopg's cursor is where both
    SQLAlchemy's and ``portal.core.direct``'s statements go."""
    import psycopg

    execute = psycopg.Cursor.execute

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        counter[0] += 1
        return execute(self, *args, **kwargs)

    psycopg.Cursor.execute = counted  # type: ignore[method-assign]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--respondents", type=int, default=400)
    parser.add_argument("--batch", type=int, default=50, help="requests per timed round")
    parser.add_argument("--profile", choices=KINDS, help="cProfile this kind instead")
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    parser.add_argument(
        "--no-flush-wait",
        action="store_true",
        help="diagnosis only: the measured requests' sessions commit without waiting for"
        " the disk (synchronous_commit off), to show what the flush costs; never the"
        " portal's setting, nor make bench's",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.database_url
    database = url.rsplit("/", 1)[1]
    load.check_loopback_url(url)
    recreate_database(url, database)
    world = load.build_world(url, args.respondents, group_size=7)

    import bench_ceiling
    import sqlalchemy as sa

    from portal import create_app

    os.environ.setdefault("PORTAL_BASE_URL", "http://127.0.0.1")
    portal = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": load.SECRET_KEY,
            "PORTAL_ENV": "development",
            "MAIL_BACKEND": "console",
        }
    )
    ceiling = bench_ceiling.create_app(url)
    counter = [0]

    count_statements(counter)  # both apps', through SQLAlchemy or straight to psycopg

    submits = prepare_submits(portal, world.paths)
    n = len(submits)
    if args.no_flush_wait:
        for engine in _engines(portal, ceiling):
            sa.event.listen(engine, "connect", _no_flush_wait)
            engine.dispose()  # new connections, with the setting
            with engine.connect() as connection:
                setting = connection.scalar(sa.text("SHOW synchronous_commit"))
            load.out(f"synchronous_commit on {engine.url.database}: {setting}")
    requests = {
        "ceiling": [_environ(None, "GET", "/", None)] * n,
        "healthz": [_environ(None, "GET", "/healthz", None)] * n,
        "submit": submits,
    }
    apps = {"ceiling": ceiling, "healthz": portal, "submit": portal}  # as gunicorn calls them
    if args.profile:
        warm = requests[args.profile][:1] if args.profile != "submit" else []
        for prepared in warm * 20:
            call(apps[args.profile], prepared)
        profile(apps[args.profile], requests[args.profile], args.sort)
        return 0

    backend = Backend(url)
    size_before = backend.ballots_size()
    for kind in ("ceiling", "healthz"):  # warm: connections, caches
        for prepared in requests[kind][:20]:
            call(apps[kind], prepared)
    results = [
        measure(kind, apps[kind], requests[kind], args.batch, backend, database, counter)
        for kind in KINDS
    ]
    ballot_bytes = (backend.ballots_size() - size_before) / n
    flush = " (DIAGNOSIS: commits do not wait for the disk)" if args.no_flush_wait else ""
    load.out(
        f"{n} requests each, rounds of {args.batch}; load average {os.getloadavg()[0]:.2f}{flush}"
    )
    load.out(
        "| request | app CPU µs | best round µs | CPU ratio | wall µs | wall ratio"
        " | PG backend CPU µs | statements | WAL bytes | status |"
    )
    load.out("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    base, wall = results[0].cpu_us, results[0].wall_us
    for r in results:
        load.out(
            f"| {r.kind} | {r.cpu_us:.0f} | {r.best_us:.0f} | {base / r.cpu_us:.2f}"
            f" | {r.wall_us:.0f}"
            f" | {wall / r.wall_us:.2f} | {r.server_us:.0f}"
            f" | {r.statements:.1f} | {r.wal_bytes:.0f} | {', '.join(sorted(r.statuses))} |"
        )
    bounds = ", ".join(f"{r.kind} {WORKERS / r.wall_us * 1e6:.0f}" for r in results)
    load.out(f"{WORKERS} sync workers serve at most (req/s, from the wall time): {bounds}")
    load.out(f"survey_ballots (with TOAST, indexes) grew {ballot_bytes:.0f} bytes per submit")
    for size in (16, round(ballot_bytes)):
        load.out(f"one INSERT of {size} bytes that commits: {backend.commit_us(size):.0f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
