"""The HTTP half of ``scripts/bench.py``: gunicorn, a bounded load, the ceiling, memory.

Every load is a fixed number of requests through a pool of ``concurrency`` threads on
loopback. Latency is per request, measured by the client; throughput is completed
requests over the load's wall time. Each load follows a few untimed requests of its
own kind (``WARM_UP_ROUNDS``). The survey submission load first takes every respondent
to the review page (not timed), then times the submit POSTs only (but the first few,
which warm up).

The ceiling app is served beside the portal for the whole run, and every portal load
is bracketed by two ceiling loads: its ratio is to their mean. This machine's speed
drifts within a minute (one ceiling load after another gave 435 to 1,016 req/s), so a
ceiling measured once, a minute away from a portal load, said more about the drift
than about the portal.
"""

from __future__ import annotations

import concurrent.futures
import http.cookiejar
import math
import random
import statistics
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import survey_load as load

ROOT = Path(__file__).resolve().parent.parent
MB = 1024  # kB in /proc
STARTUP_LIMIT = 120.0  # seconds: importing the app takes long on a busy machine


@dataclass
class Row:
    """One line of the results table; ``data`` keeps the numbers for the verdict."""

    section: str
    what: str
    scale: str
    requests: str = "–"
    p50: str = "–"
    p95: str = "–"
    p99: str = "–"
    queries: str = "–"
    rps: str = "–"
    errors: str = "–"
    ratio: str = "–"
    notes: str = ""
    path: str = ""
    data: dict[str, float] = field(default_factory=dict)


@dataclass
class Load:
    """The outcome of one load."""

    label: str
    seconds: list[float]
    errors: int
    wall: float

    @property
    def rps(self) -> float:
        return len(self.seconds) / self.wall if self.wall else math.nan

    def row(self, section: str, scale: str, reference: float, notes: str = "") -> Row:
        """The load's row; ``reference`` is the ceiling's req/s to compare with."""
        ratio = self.rps / reference if reference else math.nan
        p95 = load.percentile(self.seconds, 95)
        return Row(
            section,
            self.label,
            scale,
            requests=str(len(self.seconds) + self.errors),
            p50=load.fmt_ms(load.percentile(self.seconds, 50)),
            p95=load.fmt_ms(p95),
            p99=load.fmt_ms(load.percentile(self.seconds, 99)),
            rps=f"{self.rps:.1f}",
            errors=str(self.errors),
            ratio="–" if math.isnan(ratio) else f"{ratio:.2f}",
            notes=notes,
            data={"rps": self.rps, "ratio": ratio, "errors": self.errors, "p95": p95},
        )


@dataclass
class Series:
    """Repeated loads of one kind, each with the ceiling's req/s measured around it."""

    label: str
    loads: list[tuple[Load, float]] = field(default_factory=list)  # (load, ceiling req/s)

    def row(self, section: str, scale: str, notes: str = "") -> Row:
        """One row: latencies and req/s over all the loads pooled; the ratio is the
        median of the loads' ratios, each to the ceiling measured seconds apart."""
        pooled = Load(
            self.label,
            [seconds for item, _ in self.loads for seconds in item.seconds],
            sum(item.errors for item, _ in self.loads),
            sum(item.wall for item, _ in self.loads),
        )
        ratios = [item.rps / ceiling for item, ceiling in self.loads if ceiling]
        row = pooled.row(section, scale, 0.0, notes)
        if ratios:
            ratio = statistics.median(ratios)
            row.ratio, row.data["ratio"] = f"{ratio:.2f}", ratio
            if len(ratios) > 1:
                each = ", ".join(f"{r:.2f}" for r in ratios)
                spread = f"median of {len(ratios)} loads: {each}"
                row.notes = f"{notes}; {spread}" if notes else spread
        return row


Job = Callable[[], bool]


def hammer(label: str, jobs: Sequence[Job], concurrency: int) -> Load:
    """Run the jobs ``concurrency`` at a time; each returns whether its answer was right."""

    def timed(job: Job) -> tuple[bool, float]:
        started = time.perf_counter()
        try:
            ok = job()
        except OSError:
            ok = False
        return ok, time.perf_counter() - started

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(timed, jobs, timeout=load.RUN_LIMIT))
    wall = time.perf_counter() - started
    good = [seconds for ok, seconds in results if ok]
    return Load(label, good, len(results) - len(good), wall)


def _opener(jar: http.cookiejar.CookieJar | None = None) -> urllib.request.OpenerDirector:
    handlers: list[Any] = [load._KeepAllResponses()]
    if jar is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(jar))
    return urllib.request.build_opener(*handlers)


def get_job(base: str, path: str, headers: dict[str, str]) -> Job:
    """A GET that must answer 200."""
    url = urllib.parse.urljoin(base, path)
    load.check_loopback_url(url)

    def job() -> bool:
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback only
        with _opener().open(request, timeout=load.REQUEST_TIMEOUT) as response:
            response.read()
            return bool(response.status == 200)

    return job


def sign_in(base: str, email: str, password: str) -> dict[str, str]:
    """Sign in through the form once; the session cookie as a header for every thread."""
    jar = http.cookiejar.CookieJar()
    opener = _opener(jar)
    with opener.open(base + "/login", timeout=load.REQUEST_TIMEOUT) as response:
        forms, _links = load.parse_page(response.read().decode())
    form = next(f for f in forms if f.method == "post" and "email" in f.texts)
    data = {**form.hidden, "email": email, "password": password}
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(base + "/login", data=body)  # noqa: S310 - loopback only
    with opener.open(request, timeout=load.REQUEST_TIMEOUT) as response:
        if response.status != 302:
            raise SystemExit(f"could not sign in as {email} over HTTP ({response.status})")
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in jar)}


def submit_jobs(base: str, tokens: Sequence[str], concurrency: int, seed: int) -> list[Job]:
    """Take each respondent to the review page (untimed); returns their submit POSTs."""

    def prepare(index: int) -> Job | None:
        token = tokens[index]
        browser = load.Browser(base)
        try:
            browser.get_ok(f"/survey/{token}")
            forms, _links = load.parse_page(browser.get_ok(f"/survey/{token}/answers"))
            form = load.find_form(forms, "/answers")
            data = load.fill_answers(form, random.Random(seed + index), button="review")  # noqa: S311
            status, _text, location = browser.request(form.action, data)
            review = load._expect_redirect("POST answers", status, location, "/review")
            confirm = load.find_form(load.parse_page(browser.get_ok(review))[0], "/submit")
        except (OSError, RuntimeError, LookupError):
            return None
        payload = {**confirm.hidden, "csrf_token": load.csrf_token(confirm)}

        def job() -> bool:
            status, _text, location = browser.request(confirm.action, payload)
            return status in {302, 303} and (location or "").endswith("/receipt")

        return job

    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
        prepared = list(pool.map(prepare, range(len(tokens))))
    return [job if job is not None else (lambda: False) for job in prepared]


def worker_rss_kb(master: int) -> list[int]:
    """Resident memory (VmRSS, kB) of each child process of the gunicorn master."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            children.append(int(stat.parent.name))
    sizes = []
    for pid in sorted(children):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]))
    return sizes


def _memory_row(label: str, scale: str, sizes: Sequence[int]) -> Row:
    text = ", ".join(f"{size / MB:.0f} MB" for size in sizes)
    return Row(
        "Memory after load",
        label,
        scale,
        notes=f"VmRSS per worker: {text}",
        data={"max_mb": max(sizes, default=0) / MB},
    )


CEILING = "Ceiling: Flask + SELECT 1"
# Untimed requests of its own kind before each load, per client thread: a worker's first
# use of a page (compiling its templates, keeping the unanswered questionnaire) is a
# one-off, not what the page costs while it is in use.
WARM_UP_ROUNDS = 2


def run(scale: Any, targets: Any, paths: dict[str, str], args: Any) -> list[Row]:
    """The portal's loads, each between two of the ceiling's, on the scale's database."""
    section = f"HTTP, gunicorn -w {args.workers}, c={args.concurrency}"
    rows: list[Row] = []
    ceilings: list[Load] = []
    with (
        load.gunicorn_process(
            scale.url, load.free_port(), args.workers, startup_limit=STARTUP_LIMIT
        ) as (base, master),
        load.gunicorn_process(
            scale.url,
            load.free_port(),
            args.workers,
            app="bench_ceiling:app",
            cwd=ROOT / "scripts",
            health="/",
            startup_limit=STARTUP_LIMIT,
        ) as (ceiling_base, ceiling_master),
    ):
        load.out(f"HTTP load on {base}, ceiling on {ceiling_base} …")
        ceiling_jobs = [get_job(ceiling_base, "/", {})] * args.requests
        hammer("warm-up", ceiling_jobs[: args.concurrency * 4], args.concurrency)
        hammer("warm-up", [get_job(base, "/healthz", {})] * args.concurrency * 4, args.concurrency)
        ceilings.append(hammer(CEILING, ceiling_jobs, args.concurrency))

        warm = args.concurrency * WARM_UP_ROUNDS

        def measure(
            label: str,
            jobs: Sequence[Job],
            notes: str = "",
            *,
            once: bool = False,
            repeats: int = 1,
        ) -> None:
            """Warm the page up (untimed), then load it ``repeats`` times, each load
            followed by one of the ceiling. Jobs that can run ``once`` only (submits)
            are split: the first ones warm up, the rest are shared out among the loads."""
            first = min(warm, len(jobs) // 4)  # a quick run keeps most of its few jobs
            hammer("warm-up", jobs[:first], args.concurrency)
            rest = jobs[first:]
            series = Series(label)
            for n in range(repeats):
                timed = rest[n * len(rest) // repeats : (n + 1) * len(rest) // repeats]
                done = hammer(label, timed if once else jobs, args.concurrency)
                before = ceilings[-1].rps
                ceilings.append(hammer(CEILING, ceiling_jobs, args.concurrency))
                series.loads.append((done, (before + ceilings[-1].rps) / 2))
            rows.append(series.row(section, scale.label, notes))

        tokens = targets.tokens
        form_jobs = [
            get_job(base, f"/survey/{tokens[i % len(tokens)]}/answers", {})
            for i in range(args.requests)
        ]
        measure("Survey form (GET)", form_jobs, repeats=args.repeats)
        submits = submit_jobs(base, tokens, args.concurrency, 2026)
        measure("Survey submission (POST)", submits, once=True, repeats=args.repeats)
        cookie = sign_in(base, targets.admin_email, "demo-losenord-2026")
        for label in ("Group page", "Board summary"):
            if label in paths:
                measure(label, [get_job(base, paths[label], cookie)] * args.requests)
            else:
                rows.append(Row(section, label, scale.label, notes="not built yet"))
        # The portal's own floor: its whole middleware (session, sign-in, CSP, locale,
        # transaction) around one SELECT, to tell framework cost from page cost.
        floor = [get_job(base, "/healthz", {})] * args.requests
        measure("Portal floor: /healthz", floor, "one `SELECT 1`", repeats=args.repeats)
        portal_rss = worker_rss_kb(master.pid)
        ceiling_rss = worker_rss_kb(ceiling_master.pid)
    rows.append(_ceiling_row(section, scale.label, ceilings))
    rows.append(_memory_row("Portal workers", scale.label, portal_rss))
    rows.append(_memory_row("Ceiling workers", scale.label, ceiling_rss))
    return rows


def _ceiling_row(section: str, scale: str, ceilings: Sequence[Load]) -> Row:
    """All ceiling loads as one: their requests over their summed wall time."""
    pooled = Load(
        CEILING,
        [seconds for item in ceilings for seconds in item.seconds],
        sum(item.errors for item in ceilings),
        sum(item.wall for item in ceilings),
    )
    spread = ", ".join(f"{item.rps:.0f}" for item in ceilings)
    notes = f"`scripts/bench_ceiling.py`; {len(ceilings)} loads around the others: {spread} req/s"
    return pooled.row(section, scale, pooled.rps, notes)
