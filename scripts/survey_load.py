"""Load test of survey answering: N respondents answer and submit against gunicorn.

Bounded and loopback only. The script

1. drops and recreates its own PostgreSQL database (default ``survey_load``; the name
   must start with ``survey_load`` so that no other database can be dropped by mistake),
   migrates it, and builds the data through the portal's own services: an association,
   agencies, groups, one person and one current membership per respondent, the demo
   instrument, and an opened round whose invitations are queued in the outbox;
2. reads the N personal links from the queued invitation mail;
3. starts gunicorn (2 workers by default) on 127.0.0.1 and a free port;
4. lets N respondents, at most ``--concurrency`` at a time, each with its own cookie
   jar, do what a browser without JavaScript does: open the link, open the
   questionnaire, answer every question, go to the review, submit (with the CSRF token
   from the form), and open the receipt;
5. counts the recorded responses and the answered invitations in the database, and
   prints one Markdown table. The exit status is non-zero when any check fails.

Run from the repository root::

    .venv/bin/python scripts/survey_load.py --respondents 200 --concurrency 8
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime as dt
import http.cookiejar
import math
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/survey_load"
# Shared with the gunicorn workers: links are derived from it.
SECRET_KEY = "survey-load-test-secret-key-not-used-anywhere-else"  # noqa: S105 - test only
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
LINK_RE = re.compile(r"/survey/[A-Za-z0-9_-]{43}")
REQUEST_TIMEOUT = 30.0  # seconds, every HTTP request
RUN_LIMIT = 300.0  # seconds, the whole answering phase
STARTUP_LIMIT = 30.0  # seconds for gunicorn to answer /healthz
FREE_TEXTS = (
    "Vi träffas regelbundet och det fungerar bra.",
    "Tydligare mål för gruppen skulle hjälpa.",
    "Mer stöd från förbundet i uppföljningen.",
    "",
)


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# --- pure helpers (tested in tests/surveys/test_load_script.py) ---------------------


@dataclass
class Form:
    """One HTML form as a browser without JavaScript sees it."""

    action: str
    method: str = "get"
    hidden: dict[str, str] = field(default_factory=dict)
    radios: dict[str, list[str]] = field(default_factory=dict)
    checked: dict[str, str] = field(default_factory=dict)
    textareas: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (name, value), named only


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is None or "name" not in a:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            name, value = a["name"], a.get("value", "")
            if kind == "hidden":
                self._form.hidden[name] = value
            elif kind in {"radio", "checkbox"}:
                self._form.radios.setdefault(name, []).append(value or "on")
                if "checked" in a:
                    self._form.checked[name] = value or "on"
            elif kind in {"submit", "button", "image"}:
                self._form.buttons.append((name, value))
            else:
                self._form.texts[name] = value
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            self._form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form.textareas[a["name"]] = ""

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form.textareas[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


def parse_page(html: str) -> tuple[list[Form], list[str]]:
    """The forms and link targets of a page."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser.forms, parser.links


def find_form(forms: Sequence[Form], action_suffix: str) -> Form:
    """The POST form whose action ends with ``action_suffix``."""
    for form in forms:
        if form.method == "post" and urllib.parse.urlsplit(form.action).path.endswith(
            action_suffix
        ):
            return form
    raise LookupError(f"no POST form with an action ending in {action_suffix!r}")


def csrf_token(form: Form) -> str:
    """The CSRF token a form carries (Flask-WTF puts it in a hidden field)."""
    token = form.hidden.get("csrf_token")
    if not token:
        raise LookupError("the form has no csrf_token")
    return token


def fill_answers(form: Form, rng: random.Random, button: str) -> dict[str, str]:
    """Answer every question of the form: one option of each radio group, every text box.

    Includes the hidden fields (the CSRF token) and the named submit ``button``, as a
    browser does when that button is pressed.
    """
    data = dict(form.hidden)
    data.update(form.texts)
    for name, values in form.radios.items():
        data[name] = rng.choice(values)
    for name in form.textareas:
        data[name] = rng.choice(FREE_TEXTS)
    pressed = [(n, v) for n, v in form.buttons if n == button]
    if not pressed:
        raise LookupError(f"the form has no button named {button!r}")
    data[button] = pressed[0][1]
    return data


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) by the nearest-rank method; NaN for no values."""
    if not values:
        return math.nan
    if not 0 <= p <= 100:
        raise ValueError("p must be between 0 and 100")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def check_loopback_url(url: str) -> None:
    """Refuse anything but a loopback host."""
    host = urllib.parse.urlsplit(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"refusing non-loopback host {host!r} in {url}")


def markdown_table(rows: Sequence[tuple[str, str]]) -> str:
    """A two-column Markdown table (measure, value)."""
    lines = ["| Measure | Value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def fmt_ms(seconds: float) -> str:
    return "–" if math.isnan(seconds) else f"{seconds * 1000:.0f}"


# --- database and data ---------------------------------------------------------------


def _psycopg_conninfo(url: str, dbname: str) -> str:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    return urllib.parse.urlunsplit((scheme, parts.netloc, "/" + dbname, parts.query, ""))


def recreate_database(url: str) -> str:
    """Drop and create the database named in ``url``; returns its name."""
    import psycopg

    check_loopback_url(url)
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"survey_load[a-z0-9_]*", name):
        raise SystemExit(f"refusing to drop {name!r}: the name must start with survey_load")
    with psycopg.connect(_psycopg_conninfo(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


@dataclass(frozen=True)
class World:
    round_id: int
    paths: list[str]  # /survey/<token>, one per invitation


def build_world(url: str, respondents: int, group_size: int) -> World:
    """Migrate, then build the association, people, groups and an opened round."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal import create_app
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.groups import services as groups
    from portal.groups.models import MembershipRole
    from portal.organisations import services as organisations
    from portal.organisations.models import AgencyKind
    from portal.people import services as people
    from portal.surveys import crypto
    from portal.surveys import services as surveys
    from portal.surveys.instrument import parse_instrument
    from portal.surveys.models import Invitation

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET_KEY,
            "PORTAL_ENV": "development",
            "MAIL_BACKEND": "console",
        }
    )
    with app.app_context():
        upgrade()
    with app.app_context(), app.test_request_context("/"):
        actor = User(email="load-admin@example.org", name="Load Admin", is_platform_admin=True)
        db.session.add(actor)
        db.session.flush()
        association = organisations.create_association(
            actor, organisations.AssociationData(name="Lastförbundet", slug="lastforbundet")
        )
        kinds = [AgencyKind.MUNICIPALITY, AgencyKind.STATE, AgencyKind.REGION]
        agencies = [
            organisations.create_agency(
                actor, association, organisations.AgencyData(name=f"{kind.value} {i}", kind=kind)
            )
            for i, kind in enumerate(kinds * 2, start=1)
        ]
        municipalities = [a for a in agencies if a.kind is AgencyKind.MUNICIPALITY]
        group_count = max(1, math.ceil(respondents / group_size))
        group_list = [
            groups.create_group(
                actor,
                association,
                groups.GroupData(
                    name=f"Mysam Last {g + 1}",
                    municipality_ids=[municipalities[g % len(municipalities)].id],
                ),
            )
            for g in range(group_count)
        ]
        since = groups.today() - dt.timedelta(days=365)
        for i in range(respondents):
            user, _created = people.add_person(
                actor,
                association,
                people.PersonData(name=f"Svarande {i + 1}", email=f"svarande{i + 1}@example.org"),
            )
            groups.add_membership(
                actor,
                group_list[i % group_count],
                groups.MembershipData(
                    user_id=user.id,
                    agency_id=agencies[i % len(agencies)].id,
                    role=MembershipRole.MEMBER,
                    valid_from=since,
                ),
            )
        demo = ROOT / "portal" / "surveys" / "data" / "demo-instrument.json"
        instrument, _outcome = surveys.import_instrument(
            actor, parse_instrument(demo.read_text(encoding="utf-8"))
        )
        today = groups.today()
        survey_round = surveys.create_round(
            actor,
            association,
            surveys.RoundData(
                year=today.year,
                instrument_id=instrument.id,
                group_ids=[g.id for g in group_list],
                opens_on=today,
                closes_on=min(today + dt.timedelta(days=14), dt.date(today.year, 12, 31)),
                min_answers=association.min_survey_answers,
            ),
        )
        invited = surveys.open_round(actor, survey_round)
        db.session.commit()
        round_id = survey_round.id
        keys = surveys.round_keys(round_id)  # links derive from the round's own secret
        assert keys is not None
        salts = db.session.scalars(
            sa.select(Invitation.token_salt)
            .where(Invitation.round_id == round_id)
            .order_by(Invitation.id)
        )
        paths = [f"/survey/{crypto.link_token(keys.link_secret, salt)}" for salt in salts]
        stored = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Invitation)
            .where(Invitation.round_id == round_id)
        )
        db.session.remove()
        db.engine.dispose()
    if not invited == stored == respondents == len(set(paths)):
        raise SystemExit(
            f"setup: {respondents} respondents, {invited} invited, {stored} invitations stored, "
            f"{len(set(paths))} distinct links"
        )
    return World(round_id=round_id, paths=paths)


@dataclass(frozen=True)
class Recorded:
    """What the database holds for the round after the run."""

    responses: int
    invitations: int
    answered: int
    drafts: int
    scale_answers: int
    scale_questions: int


def count_outcome(url: str, round_id: int) -> Recorded:
    """Count straight in the database (not through the app)."""
    import psycopg

    queries = {
        "responses": "SELECT count(*) FROM survey_responses WHERE round_id = %(r)s",
        "invitations": "SELECT count(*) FROM survey_invitations WHERE round_id = %(r)s",
        "answered": "SELECT count(*) FROM survey_invitations WHERE round_id = %(r)s AND answered",
        "drafts": "SELECT count(*) FROM survey_drafts",
        "scale_answers": "SELECT count(*) FROM survey_answers a"
        " JOIN survey_responses s ON s.id = a.response_id"
        " WHERE s.round_id = %(r)s AND a.text IS NULL",
        "scale_questions": "SELECT count(*) FROM survey_questions q"
        " JOIN survey_rounds s ON s.instrument_id = q.instrument_id"
        " WHERE s.id = %(r)s AND q.kind = 'scale'",
    }
    counts: dict[str, int] = {}
    with psycopg.connect(_psycopg_conninfo(url, urllib.parse.urlsplit(url).path[1:])) as conn:
        for name, query in queries.items():
            row = conn.execute(query, {"r": round_id}).fetchone()
            counts[name] = int(row[0]) if row else -1
    return Recorded(**counts)


# --- gunicorn ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def gunicorn(url: str, port: int, workers: int) -> Iterator[str]:
    """gunicorn on 127.0.0.1:port, stopped (and waited for) however the block ends."""
    with gunicorn_process(url, port, workers) as (base, _process):
        yield base


@contextlib.contextmanager
def gunicorn_process(
    url: str,
    port: int,
    workers: int,
    app: str = "wsgi:app",
    cwd: Path = ROOT,
    health: str = "/healthz",
    startup_limit: float = STARTUP_LIMIT,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Serve ``app`` with gunicorn on 127.0.0.1:port; yields the base URL and the master.

    The benchmark (scripts/bench.py) serves its ceiling app the same way and reads the
    workers' memory through the master's process id.
    """
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "PORTAL_ENV": "development",
        "MAIL_BACKEND": "console",
        "PORTAL_BASE_URL": base,
    }
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--log-level",
        "warning",
        app,
    ]
    log = open(os.devnull, "wb")  # noqa: SIM115 - closed in finally
    errlog = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finally
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        command, cwd=cwd, env=env, stdout=log, stderr=errlog
    )
    try:
        _wait_until_healthy(process, errlog, base + health, startup_limit)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()
        errlog.seek(0)
        tail = errlog.read().decode(errors="replace").strip()
        errlog.close()
        if tail:
            out("gunicorn stderr (last lines):\n" + "\n".join(tail.splitlines()[-20:]))


def _wait_until_healthy(
    process: subprocess.Popen[bytes], errlog: Any, url: str, limit: float
) -> None:
    deadline = time.monotonic() + limit
    while True:
        if process.poll() is not None:
            errlog.seek(0)
            stderr = errlog.read().decode(errors="replace")
            raise SystemExit(f"gunicorn exited with {process.returncode}:\n{stderr[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit("gunicorn did not answer its health check in time")
        time.sleep(0.2)


# --- respondents ----------------------------------------------------------------------


class _KeepAllResponses(urllib.request.HTTPErrorProcessor):
    """Hand every response back as it is: redirects are followed by hand, and timed."""

    def http_response(self, request: Any, response: Any) -> Any:
        return response

    https_response = http_response


@dataclass
class Outcome:
    submitted: bool = False
    submit_seconds: float | None = None
    total_seconds: float | None = None
    error: str | None = None


class Browser:
    """One respondent's browser: its own cookies, no JavaScript."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _KeepAllResponses()
        )

    def request(
        self, path: str, data: Mapping[str, str] | None = None
    ) -> tuple[int, str, str | None]:
        """(status, body, Location) of one request, without following redirects."""
        url = urllib.parse.urljoin(self.base, path)
        check_loopback_url(url)
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, method="POST" if body else "GET")  # noqa: S310
        with self.opener.open(req, timeout=REQUEST_TIMEOUT) as response:
            text = response.read().decode("utf-8", errors="replace")
            return response.status, text, response.headers.get("Location")

    def get_ok(self, path: str) -> str:
        status, text, _location = self.request(path)
        if status != 200:
            raise RuntimeError(f"GET {_short(path)}: {status}")
        return text


def _short(path: str) -> str:
    """The path with the token shortened: errors are printed."""
    return re.sub(r"(/survey/)([A-Za-z0-9_-]{6})[A-Za-z0-9_-]{37}", r"\1\2…", path)


def _expect_redirect(what: str, status: int, location: str | None, suffix: str) -> str:
    target = urllib.parse.urlsplit(location or "").path
    if status not in {302, 303} or not target.endswith(suffix):
        raise RuntimeError(f"{what}: {status} to {_short(target) or 'nowhere'}, not …{suffix}")
    return target


def respond(base: str, path: str, seed: int, deadline: float) -> Outcome:
    """One respondent, from the link to the receipt."""
    outcome = Outcome()
    if time.monotonic() > deadline:
        outcome.error = "not started: the run's time limit was reached"
        return outcome
    rng = random.Random(seed)  # noqa: S311 - answers, not security
    browser = Browser(base)
    started = time.perf_counter()
    try:
        _forms, links = parse_page(browser.get_ok(path))
        answers_path = next(
            (urllib.parse.urlsplit(h).path for h in links if h.endswith(path + "/answers")), None
        )
        if answers_path is None:
            raise RuntimeError("the opening page has no link to the questions")
        forms, _links = parse_page(browser.get_ok(answers_path))
        form = find_form(forms, "/answers")
        if not form.radios:
            raise RuntimeError("the questionnaire has no scale questions")
        data = fill_answers(form, rng, button="review")
        status, _text, location = browser.request(form.action or answers_path, data)
        review_path = _expect_redirect("POST answers", status, location, "/review")
        forms, _links = parse_page(browser.get_ok(review_path))
        confirm = find_form(forms, "/submit")
        payload = {**confirm.hidden, "csrf_token": csrf_token(confirm)}
        submit_started = time.perf_counter()
        status, _text, location = browser.request(confirm.action, payload)
        outcome.submit_seconds = time.perf_counter() - submit_started
        receipt_path = _expect_redirect("POST submit", status, location, "/receipt")
        outcome.submitted = True
        browser.get_ok(receipt_path)
        outcome.total_seconds = time.perf_counter() - started
    except (OSError, RuntimeError, LookupError, urllib.error.URLError) as error:
        outcome.error = f"{type(error).__name__}: {error}"
    return outcome


def run_respondents(
    base: str, paths: Sequence[str], concurrency: int, seed: int
) -> tuple[list[Outcome], float]:
    """All respondents through a bounded pool; returns the outcomes and the wall time."""
    deadline = time.monotonic() + RUN_LIMIT
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [
            pool.submit(respond, base, path, seed + i, deadline) for i, path in enumerate(paths)
        ]
        try:
            for future in concurrent.futures.as_completed(
                futures, timeout=RUN_LIMIT + 2 * REQUEST_TIMEOUT
            ):
                outcomes.append(future.result())
        except concurrent.futures.TimeoutError:
            for future in futures:
                future.cancel()
            done = sum(1 for f in futures if f.done())
            outcomes += [
                Outcome(error="timed out: the run's time limit was reached")
                for _ in range(len(paths) - done)
            ]
    return outcomes, time.perf_counter() - started


# --- main -----------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--group-size", type=int, default=25, help="respondents per group")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args(argv)
    if not 1 <= args.respondents <= 5000:
        parser.error("--respondents must be between 1 and 5000")
    if not 1 <= args.concurrency <= 64:
        parser.error("--concurrency must be between 1 and 64")
    if not 1 <= args.workers <= 16:
        parser.error("--workers must be between 1 and 16")
    if args.group_size < 1:
        parser.error("--group-size must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.database_url
    name = recreate_database(url)
    out(f"database {name} recreated; building {args.respondents} respondents …")
    setup_started = time.perf_counter()
    world = build_world(url, args.respondents, args.group_size)
    setup_seconds = time.perf_counter() - setup_started
    out(f"round {world.round_id} open, {len(world.paths)} links ({setup_seconds:.1f} s)")
    port = free_port()
    with gunicorn(url, port, args.workers) as base:
        out(f"gunicorn -w {args.workers} on {base}; answering at concurrency {args.concurrency} …")
        outcomes, wall = run_respondents(base, world.paths, args.concurrency, args.seed)
    recorded = count_outcome(url, world.round_id)

    submitted = sum(1 for o in outcomes if o.submitted)
    errors = [o.error for o in outcomes if o.error]
    submit_times = [o.submit_seconds for o in outcomes if o.submitted and o.submit_seconds]
    totals = [o.total_seconds for o in outcomes if o.total_seconds is not None]
    checks = {
        "every respondent submitted": submitted == args.respondents and not errors,
        "responses recorded = successful submits": recorded.responses == submitted,
        "every invitation answered": (
            recorded.answered == recorded.invitations == args.respondents
        ),
        "no drafts left": recorded.drafts == 0,
        "every scale question answered in every response": (
            recorded.scale_answers == recorded.responses * recorded.scale_questions
        ),
    }
    rows = [
        ("Respondents", str(args.respondents)),
        ("Concurrency (client threads)", str(args.concurrency)),
        ("gunicorn workers (sync)", str(args.workers)),
        ("Successful submits", str(submitted)),
        ("Errors", str(len(errors))),
        ("Responses recorded (survey_responses)", str(recorded.responses)),
        ("Invitations answered / invited", f"{recorded.answered} / {recorded.invitations}"),
        ("Drafts left", str(recorded.drafts)),
        ("Answering phase wall time (s)", f"{wall:.2f}"),
        ("Submissions per second", f"{submitted / wall:.1f}" if wall else "–"),
        ("Submit POST p50 (ms)", fmt_ms(percentile(submit_times, 50))),
        ("Submit POST p95 (ms)", fmt_ms(percentile(submit_times, 95))),
        ("Submit POST p99 (ms)", fmt_ms(percentile(submit_times, 99))),
        ("Whole respondent p95 (ms, 6 requests)", fmt_ms(percentile(totals, 95))),
    ]
    out()
    out(markdown_table(rows))
    out()
    for error in sorted(set(errors))[:10]:
        out(f"error ({errors.count(error)}×): {error}")
    failed = [name for name, ok in checks.items() if not ok]
    for check in failed:
        out(f"CHECK FAILED: {check}")
    if not failed:
        out("all checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
