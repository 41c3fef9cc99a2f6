"""The survey submit against the ceiling under wrk, loads repeated on the same respondents.

``make bench`` sends each prepared respondent's submit once, in three loads of a few
hundred requests each: a load lasts a third of a second, and its ratio to the ceiling
moves by ±0.07 from run to run. To compare two versions of the submit, this script
prepares ``--respondents`` respondents once (each taken to the review page, untimed, as
``make bench`` does) and then, ``--loads`` times: a ceiling load, every respondent's
submit once (wrk, ``scripts/bench_rotate.lua``), a ceiling load, and the round put back
as it was (invitations unanswered, ballots deleted, ``VACUUM``, ``CHECKPOINT``; untimed).
Each load reports its requests per second, its ratio to the mean of the ceiling loads
around it, and the CPU each request cost in the portal's gunicorn workers, in
PostgreSQL's processes and on the whole machine (``/proc``). Measured this way the ratio
moves by about ±0.01.

Run from the repository root (the benchmark's databases, as ``make bench`` makes them)::

    .venv/bin/python scripts/bench_submit.py --respondents 3000 --loads 6
    .venv/bin/python scripts/bench_submit.py --view   # every submit through Flask's view
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import bench  # noqa: E402
import bench_wrk  # noqa: E402
import survey_load as load  # noqa: E402
from profile_submit import backend_cpu as process_cpu  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def machine_cpu() -> float:
    """CPU seconds the whole machine has been busy so far (all but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICKS


def workers(master: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def postgres_pids() -> list[int]:
    """The machine's PostgreSQL processes: backends, WAL writer, checkpointer, …"""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=3000)
    parser.add_argument("--loads", type=int, default=6)
    parser.add_argument("--database-prefix", default="bench")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--view", action="store_true", help="SURVEY_FAST_SUBMIT=0")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    import psycopg

    args = parse_args(argv)
    scale = bench.scales(args.database_prefix, small_only=True)[0]
    bench.ensure_data(scale, rebuild=False)
    app = bench.make_app(scale.url)
    targets = bench.prepare(app, scale, args.respondents)
    bench._dispose(app)
    if args.view:
        os.environ["SURVEY_FAST_SUBMIT"] = "0"  # the gunicorn below inherits it
    settings = SimpleNamespace(seconds=5, concurrency=args.concurrency, repeats=1)
    database = psycopg.connect(load._psycopg_conninfo(scale.url, scale.database), autocommit=True)
    port, ceiling_port = load.free_port(), load.free_port()
    with (
        load.gunicorn_process(scale.url, port, args.workers) as (base, master),
        load.gunicorn_process(
            scale.url, ceiling_port, args.workers, app="bench_ceiling:app",
            cwd=ROOT / "scripts", health="/",
        ) as (ceiling_base, _ceiling_master),
    ):  # fmt: skip
        runner = bench_wrk.Bench(base, ceiling_base, "submit", scale.label, settings)
        for url, path in ((ceiling_base, "/"), (base, "/healthz")):
            line = bench_wrk.Line("GET", path)
            bench_wrk.run_wrk("warm-up", url, [line], seconds=1, connections=args.concurrency)
        started = time.perf_counter()
        prepared = bench_wrk.prepare_submits(base, targets.tokens, args.concurrency, 2026)
        submits = [submit for _form, submit in prepared]
        load.out(f"{len(submits)} respondents prepared in {time.perf_counter() - started:.0f} s")
        round_id = database.execute(
            "SELECT round_id FROM survey_invitations WHERE NOT answered"
            " GROUP BY round_id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]  # type: ignore[index]

        def put_back() -> None:
            database.execute(
                "UPDATE survey_invitations SET answered = false WHERE round_id = %s AND answered",
                (round_id,),
            )
            database.execute("DELETE FROM survey_ballots WHERE round_id = %s", (round_id,))
            database.execute("VACUUM survey_invitations, survey_ballots, survey_drafts")
            database.execute("CHECKPOINT")

        runner.submit(submits[: args.concurrency * 25], "warm-up")
        put_back()
        portal, postgres = workers(master.pid), postgres_pids()
        load.out(
            "| load | submit req/s | ceiling req/s around | ratio"
            " | worker µs/req | PostgreSQL µs/req | machine µs/req |"
        )
        load.out("|---:|---:|---:|---:|---:|---:|---:|")
        ratios = []
        for number in range(1, args.loads + 1):
            before = runner.ceiling()
            cpu = (process_cpu(portal), process_cpu(postgres), machine_cpu())
            result = runner.submit(submits)
            spent = [
                (after - was) / max(1, result.ok + result.bad) * 1e6
                for after, was in zip(
                    (process_cpu(portal), process_cpu(postgres), machine_cpu()), cpu, strict=True
                )
            ]
            after = runner.ceiling()
            ratios.append(result.rps / ((before + after) / 2))
            load.out(
                f"| {number} | {result.rps:.0f} | {before:.0f} / {after:.0f} | {ratios[-1]:.3f}"
                f" | {spent[0]:.0f} | {spent[1]:.0f} | {spent[2]:.0f} |"
                + (f" {result.bad} not the receipt" if result.bad else "")
            )
            put_back()
    load.out(
        f"ratio: median {statistics.median(ratios):.3f}, min {min(ratios):.3f},"
        f" max {max(ratios):.3f} ({'view' if args.view else 'fast path'};"
        f" load average {os.getloadavg()[0]:.1f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
