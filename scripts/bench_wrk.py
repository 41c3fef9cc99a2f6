"""The HTTP half of ``scripts/bench.py`` on wrk: gunicorn, the ceiling, the survey, memory.

The loads are put on by ``wrk`` (Debian package ``wrk``, a C load generator), not by
Python threads: on two cores a Python client saturated before the server did, so its
ceiling read 300–900 req/s and every ratio to it flattered the portal. wrk runs with
``scripts/bench_rotate.lua``, which rotates through requests the Python side prepared
in a file, one a line (method, path, cookie, body): for the survey submit each
respondent is first taken to the review page (untimed) and the line is its confirming
POST with its own cookie, sent once.

Loads alternate with the ceiling (``scripts/bench_ceiling.py``: Flask + one
``SELECT 1`` under the same gunicorn): ceiling, load, ceiling, load, … and each load's
ratio is to the mean of the two ceiling loads around it (this machine's speed drifts
within a minute). Closing the round the submits answered is timed at the end.
"""

from __future__ import annotations

import concurrent.futures
import json
import math
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bench_http
import survey_load as load
from bench_http import Row

NATIONAL_EMAIL = "natverket@gen.example.org"  # portal.devtools.generate.NATIONAL_EMAIL

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "scripts" / "bench_rotate.lua"
CEILING = "Ceiling: Flask + SELECT 1"
WRK_THREADS = 2
LOAD_LIMIT = 120  # seconds: a "once" load stops when its lines are done, or here


@dataclass(frozen=True)
class Line:
    """One prepared request."""

    method: str
    path: str
    cookie: str = "-"
    body: str = "-"

    def text(self) -> str:
        for part in (self.path, self.cookie, self.body):
            if "\t" in part or "\n" in part:
                raise ValueError("a prepared request may hold no tab or newline")
        return f"{self.method}\t{self.path}\t{self.cookie}\t{self.body}"


@dataclass
class WrkLoad:
    """What one wrk run reported."""

    label: str
    ok: int
    bad: int
    seconds: float
    p50: float
    p95: float
    p99: float

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else math.nan


@dataclass
class WrkSeries:
    """Loads of one kind, each with the ceiling's req/s measured around it."""

    label: str
    loads: list[tuple[WrkLoad, float]] = field(default_factory=list)

    def row(self, section: str, scale: str, notes: str = "") -> Row:
        ok = sum(item.ok for item, _ in self.loads)
        bad = sum(item.bad for item, _ in self.loads)
        seconds = sum(item.seconds for item, _ in self.loads)
        rps = ok / seconds if seconds else math.nan
        ratios = [item.rps / ceiling for item, ceiling in self.loads if ceiling]
        ratio = statistics.median(ratios) if ratios else math.nan
        each = ", ".join(f"{item.rps:.0f} / {ceiling:.0f}" for item, ceiling in self.loads)
        spread = f"req/s / ceiling around it: {each}"
        p95 = statistics.median(item.p95 for item, _ in self.loads)
        return Row(
            section,
            self.label,
            scale,
            requests=str(ok + bad),
            p50=load.fmt_ms(statistics.median(item.p50 for item, _ in self.loads)),
            p95=load.fmt_ms(p95),
            p99=load.fmt_ms(statistics.median(item.p99 for item, _ in self.loads)),
            rps=f"{rps:.1f}",
            errors=str(bad),
            ratio="–" if math.isnan(ratio) else f"{ratio:.2f}",
            notes=f"{notes}; {spread}" if notes else spread,
            data={"rps": rps, "ratio": ratio, "errors": bad, "p95": p95},
        )


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: make system-deps (Debian package wrk)")
    return found


def run_wrk(
    label: str,
    base: str,
    lines: Sequence[Line],
    *,
    seconds: float,
    connections: int,
    once: bool = False,
    expect: str = "200",
) -> WrkLoad:
    """One wrk run over the prepared lines for ``seconds``; ``once`` sends each line
    once (wrk still runs its ``seconds``: the load's time is measured in the script)."""
    load.check_loopback_url(base)
    threads = max(1, min(WRK_THREADS, len(lines) if once else WRK_THREADS))
    connections = max(threads, min(connections, len(lines)) if once else connections)
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", encoding="utf-8") as file:
        file.write("\n".join(line.text() for line in lines) + "\n")
        file.flush()
        duration = min(seconds, LOAD_LIMIT)
        command = [
            wrk_binary(), f"-t{threads}", f"-c{connections}", f"-d{math.ceil(duration)}s",
            "--timeout", "10s", "-s", str(LUA), base,
            "--", file.name, "once" if once else "loop", str(threads), expect,
        ]  # fmt: skip
        result = subprocess.run(  # noqa: S603 - fixed argv, loopback only
            command, capture_output=True, text=True, check=False, timeout=duration + 60
        )
    found = [x for x in result.stdout.splitlines() if x.startswith("WRKJSON ")]
    if result.returncode != 0 or not found:
        raise SystemExit(f"wrk failed ({label}): {result.stderr.strip() or result.stdout}")
    data = json.loads(found[-1].removeprefix("WRKJSON "))
    return WrkLoad(
        label,
        ok=int(data["ok"]),
        bad=int(data["bad"]) + int(data["socket_errors"]),
        seconds=(data["span_us"] if once else data["duration_us"]) / 1e6,
        p50=data["p50_us"] / 1e6,
        p95=data["p95_us"] / 1e6,
        p99=data["p99_us"] / 1e6,
    )


def _cookie(browser: load.Browser) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in browser.jar) or "-"


SLOT_LINK = re.compile(r'href="(/survey/s/[A-Za-z0-9_-]+/answers)"')


def prepare_submits(
    base: str, tokens: Sequence[str], concurrency: int, seed: int
) -> list[tuple[Line, Line]]:
    """Open each respondent's link and take them to the review page (untimed): per
    respondent, the GET of their questionnaire and their confirming POST, each with their
    own cookie (the link's page exchanges the token for a cookie and a slot, issue 15).
    A respondent that could not be prepared is left out (and counted by the caller)."""

    def prepare(index: int) -> tuple[Line, Line] | None:
        token = tokens[index]
        browser = load.Browser(base)
        try:
            slot = SLOT_LINK.search(browser.get_ok(f"/survey/{token}"))
            if slot is None:
                raise LookupError("the link's page leads to no questionnaire")
            answers = slot.group(1)
            forms, _links = load.parse_page(browser.get_ok(answers))
            form = load.find_form(forms, "/answers")
            data = load.fill_answers(form, random.Random(seed + index), button="review")  # noqa: S311
            status, _text, location = browser.request(form.action, data)
            review = load._expect_redirect("POST answers", status, location, "/review")
            confirm = load.find_form(load.parse_page(browser.get_ok(review))[0], "/submit")
        except (OSError, RuntimeError, LookupError):
            return None
        payload = {**confirm.hidden, "csrf_token": load.csrf_token(confirm)}
        path = urllib.parse.urlsplit(urllib.parse.urljoin(base, confirm.action)).path
        submit = Line("POST", path, _cookie(browser), urllib.parse.urlencode(payload))
        return Line("GET", answers, _cookie(browser)), submit

    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
        prepared = list(pool.map(prepare, range(len(tokens))))
    return [line for line in prepared if line is not None]


def _shares(items: Sequence[Any], parts: int) -> list[Sequence[Any]]:
    return [items[n * len(items) // parts : (n + 1) * len(items) // parts] for n in range(parts)]


class Bench:
    """The loads of one run: each portal load followed by one of the ceiling's."""

    def __init__(self, base: str, ceiling_base: str, section: str, scale: str, args: Any):
        self.base, self.ceiling_base = base, ceiling_base
        self.section, self.scale = section, scale
        self.seconds, self.c, self.repeats = args.seconds, args.concurrency, args.repeats
        self.ceilings: list[WrkLoad] = []
        self.rows: list[Row] = []
        self.rate = 100.0  # req/s the submits ran at last: sizes the next load's wrk run

    def ceiling(self) -> float:
        line = Line("GET", "/")
        self.ceilings.append(
            run_wrk(CEILING, self.ceiling_base, [line], seconds=self.seconds, connections=self.c)
        )
        return self.ceilings[-1].rps

    def loop(self, lines: list[Line]) -> Any:
        return lambda: run_wrk("load", self.base, lines, seconds=self.seconds, connections=self.c)

    def series(self, label: str, loads: Sequence[Any], notes: str = "", warm: Any = None) -> None:
        """Each load (a callable giving a WrkLoad) followed by a ceiling load; ``warm``
        (a load of its own kind, untimed) first, when given."""
        if warm is not None:
            warm()
        done = WrkSeries(label)
        for make in loads:
            before = self.ceilings[-1].rps
            result = make()
            done.loads.append((result, (before + self.ceiling()) / 2))
        self.rows.append(done.row(self.section, self.scale, notes))

    def submit(self, part: Sequence[Line], label: str = "submit") -> WrkLoad:
        """Each line once; wrk runs long enough for them at the last rate seen."""
        span = min(LOAD_LIMIT, max(2, math.ceil(2 * len(part) / self.rate) + 1))
        result = run_wrk(label, self.base, part, seconds=span, connections=self.c, once=True,
                         expect="redirect:/receipt")  # fmt: skip
        if result.ok + result.bad < len(part):
            load.out(f"  {label}: only {result.ok + result.bad} of {len(part)} answered")
        if result.bad:
            load.out(f"  {label}: {result.bad} answers were not the receipt")
        self.rate = max(result.rps, 20.0)
        return result

    def submits(self, lines: list[Line], unprepared: int) -> None:
        warm, rest = lines[: self.c * 2], lines[self.c * 2 :]
        if warm:
            self.submit(warm, "warm-up")
        loads = [lambda p=p: self.submit(p) for p in _shares(rest, self.repeats) if p]
        notes = f"{len(rest)} respondents, each once; {unprepared} could not be prepared"
        self.series("Survey submission (POST)", loads, notes)


def run(scale: Any, targets: Any, paths: dict[str, str], args: Any) -> list[Row]:
    """The portal's loads on wrk, each between two of the ceiling's."""
    section = f"HTTP (wrk), gunicorn -w {args.workers}, c={args.concurrency}"
    with (
        load.gunicorn_process(
            scale.url, load.free_port(), args.workers, startup_limit=bench_http.STARTUP_LIMIT
        ) as (base, master),
        load.gunicorn_process(
            scale.url,
            load.free_port(),
            args.workers,
            app="bench_ceiling:app",
            cwd=ROOT / "scripts",
            health="/",
            startup_limit=bench_http.STARTUP_LIMIT,
        ) as (ceiling_base, ceiling_master),
    ):
        load.out(f"HTTP load (wrk) on {base}, ceiling on {ceiling_base} …")
        bench = Bench(base, ceiling_base, section, scale.label, args)
        run_wrk("warm-up", ceiling_base, [Line("GET", "/")], seconds=1, connections=bench.c)
        run_wrk("warm-up", base, [Line("GET", "/healthz")], seconds=1, connections=bench.c)
        bench.ceiling()
        cookie = bench_http.sign_in(base, targets.admin_email, "demo-losenord-2026")["Cookie"]
        tokens = list(targets.tokens)
        load.out(f"preparing {len(tokens)} respondents (untimed) …")
        started = time.perf_counter()
        prepared = prepare_submits(base, tokens, bench.c, 2026)
        submits = [submit for _form, submit in prepared]
        load.out(f"… {len(submits)} prepared in {time.perf_counter() - started:.0f} s")
        form = [form for form, _submit in prepared[: max(1, len(prepared) // 4)]]
        bench.series("Survey form (GET)", [bench.loop(form)] * args.repeats, warm=bench.loop(form))
        bench.submits(submits, len(tokens) - len(submits))
        for label in ("Group page", "Board summary"):
            if label in paths:
                page = bench.loop([Line("GET", paths[label], cookie)])
                bench.series(label, [page], warm=page)
        if "National compilation" in paths:  # issue 22: the national network's page
            national = bench_http.sign_in(base, NATIONAL_EMAIL, "demo-losenord-2026")["Cookie"]
            page = bench.loop([Line("GET", paths["National compilation"], national)])
            bench.series("National compilation", [page], warm=page)
        floor = [bench.loop([Line("GET", "/healthz")])] * args.repeats
        bench.series("Portal floor: /healthz", floor, "one `SELECT 1`")
        portal_rss = bench_http.worker_rss_kb(master.pid)
        ceiling_rss = bench_http.worker_rss_kb(ceiling_master.pid)
    rows = bench.rows
    rows.append(_ceiling_row(section, scale.label, bench.ceilings))
    rows.append(bench_http._memory_row("Portal workers", scale.label, portal_rss))
    rows.append(bench_http._memory_row("Ceiling workers", scale.label, ceiling_rss))
    return rows


def _ceiling_row(section: str, scale: str, ceilings: Sequence[WrkLoad]) -> Row:
    ok = sum(item.ok for item in ceilings)
    seconds = sum(item.seconds for item in ceilings)
    spread = ", ".join(f"{item.rps:.0f}" for item in ceilings)
    rps = ok / seconds if seconds else math.nan
    return Row(
        section,
        CEILING,
        scale,
        requests=str(ok + sum(item.bad for item in ceilings)),
        p50=load.fmt_ms(statistics.median(item.p50 for item in ceilings)),
        p95=load.fmt_ms(statistics.median(item.p95 for item in ceilings)),
        rps=f"{rps:.1f}",
        errors=str(sum(item.bad for item in ceilings)),
        ratio="1.00",
        notes=f"`scripts/bench_ceiling.py`; {len(ceilings)} loads around the others: "
        f"{spread} req/s",
        data={"rps": rps, "errors": sum(item.bad for item in ceilings)},
    )
