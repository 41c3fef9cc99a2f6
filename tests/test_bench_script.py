"""``scripts/bench.py`` in miniature: its table, its verdict, its load pool, and the
in-process page measurement on a small generated data set (seconds, not minutes; the
full benchmark is ``make bench``, run by hand)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from types import ModuleType
from typing import Any

import pytest
from flask import Flask

from portal import PROJECT_ROOT
from portal.devtools.generate import Options, generate


def _script(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PROJECT_ROOT / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


bench = _script("bench")
bench_http = _script("bench_http")
bench_data = _script("bench_data")


def test_the_table_has_one_line_per_row() -> None:
    rows = [bench.Row("Server time", "Group page", "small", p50="12", queries="9")]
    lines = bench.markdown(rows).splitlines()
    assert lines[0].startswith("| Section | Page or load | Data |")
    assert len(lines) == 3
    assert "| Group page | small |" in lines[2]


def _page(what: str, scale: str, queries: float, p95: float) -> Any:
    data = {"queries": queries, "p95": p95, "errors": 0}
    return bench.Row("Server time, in-process", what, scale, data=data)


def test_the_verdict_names_each_missed_target() -> None:
    large = bench.LARGE.label
    rows = [
        _page("Plan page", large, 24, 0.05),
        _page("Board summary", large, 9, 0.2),
        bench.Row("HTTP", "Survey form (GET)", large, data={"ratio": 0.6, "errors": 0}),
        bench.Row("HTTP", "Survey submission (POST)", large, data={"ratio": 0.3, "errors": 2}),
        bench.Row("Memory", "Portal workers", large, data={"max_mb": 120}),
    ]
    verdict = bench.check_targets(rows, bench.LARGE).splitlines()
    assert "- MISSED: at most 15 SQL queries per page; over: Plan page" in verdict[1]
    assert verdict[2].startswith("- MISSED: board summary p95 < 150 ms")
    assert verdict[3].startswith("- met: Survey form (GET)")
    assert verdict[4].startswith("- MISSED: Survey submission (POST)")
    assert verdict[5] == "- MISSED: no errors under load: 2"
    assert verdict[6] == "- met: memory under 150 MB per worker: largest 120 MB"


def test_the_pool_counts_wrong_answers_and_failures_as_errors() -> None:
    def fail() -> bool:
        raise OSError("connection refused")

    jobs = [lambda: True] * 6 + [lambda: False, fail]
    result = bench_http.hammer("jobs", jobs, concurrency=3)
    assert len(result.seconds) == 6
    assert result.errors == 2
    assert result.rps > 0
    row = result.row("HTTP", "small", result.rps)
    assert row.requests == "8"
    assert row.ratio == "1.00"


def test_repeated_loads_pool_their_requests_and_take_the_median_ratio() -> None:
    """A series of loads reports all requests and errors, req/s over the summed wall
    time, and the median of the loads' ratios to the ceiling measured around each."""
    loads = [
        (bench_http.Load("form", [0.01] * 10, 0, 1.0), 20.0),  # 10 req/s, × 0.5
        (bench_http.Load("form", [0.01] * 30, 1, 1.0), 20.0),  # 30 req/s, × 1.5
        (bench_http.Load("form", [0.02] * 20, 0, 2.0), 10.0),  # 10 req/s, × 1.0
    ]
    row = bench_http.Series("form", loads).row("HTTP", "small", "note")
    assert row.requests == "61"
    assert row.errors == "1"
    assert row.rps == "15.0"  # 60 answered in 4 s
    assert row.ratio == "1.00"
    assert row.data["ratio"] == 1.0
    assert row.notes == "note; median of 3 loads: 0.50, 1.50, 1.00"
    single = bench_http.Series("form", loads[:1]).row("HTTP", "small")
    assert (single.ratio, single.notes) == ("0.50", "")


def test_worker_memory_is_read_from_proc() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        time.sleep(0.2)
        sizes = bench_http.worker_rss_kb(os.getpid())
    finally:
        child.kill()
        child.wait()
    assert len(sizes) >= 1
    assert all(size > 1000 for size in sizes)  # a Python interpreter is over 1 MB


def test_arguments_are_bounded() -> None:
    assert bench.parse_args(["--quick"]).requests == 16
    assert bench.parse_args(["--quick"]).small_only
    assert bench.parse_args(["--quick"]).repeats == 1
    assert bench.parse_args([]).repeats == 3
    with pytest.raises(SystemExit):
        bench.parse_args(["--concurrency", "0"])


def test_pages_are_measured_on_generated_data(app: Flask, db_session: Any) -> None:
    generate(Options(associations=1, years=2, seed=5))
    db_session.commit()
    with app.test_request_context("/"):
        targets = bench.Targets(**bench_data.targets(1))
        targets.tokens = bench_data.open_load_round("bench-svar", 3, 1)
    assert len(targets.tokens) == 3
    rows = bench.measure_pages(app, bench.SMALL, targets, samples=2)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert [row.what for row in rows] == [page.label for page in bench.PAGES]
    for page, row in zip(bench.PAGES, rows, strict=True):
        if page.endpoint not in endpoints:
            assert row.notes == "not built yet"
        elif page.access != "token":
            assert row.errors == "0", page.label
            assert row.data["queries"] > 0
            assert row.path


bench_wrk = _script("bench_wrk")


def test_wrk_series_pool_requests_and_take_the_median_ratio() -> None:
    loads = [
        (bench_wrk.WrkLoad("submit", 100, 0, 1.0, 0.01, 0.02, 0.03), 200.0),  # × 0.5
        (bench_wrk.WrkLoad("submit", 300, 1, 1.0, 0.01, 0.02, 0.03), 200.0),  # × 1.5
        (bench_wrk.WrkLoad("submit", 200, 0, 2.0, 0.01, 0.04, 0.05), 100.0),  # × 1.0
    ]
    row = bench_wrk.WrkSeries("submit", loads).row("HTTP", "small")
    assert (row.requests, row.errors, row.rps, row.ratio) == ("601", "1", "150.0", "1.00")
    assert row.notes == "req/s / ceiling around it: 100 / 200, 300 / 200, 100 / 100"


def test_the_database_prefix_names_both_databases_and_guards_the_drop() -> None:
    names = [s.database for s in bench.scales("test_x_bench", small_only=False)]
    assert names == ["test_x_bench_small", "test_x_bench_large"]
    assert [s.database for s in bench.scales("bench", small_only=True)] == ["bench_small"]
    with pytest.raises(SystemExit):
        bench.scales("production", small_only=True)


def test_a_prepared_request_is_one_line_of_four_fields() -> None:
    line = bench_wrk.Line("POST", "/survey/x/submit", "session=abc", "a=1&b=2")
    assert line.text() == "POST\t/survey/x/submit\tsession=abc\ta=1&b=2"
    with pytest.raises(ValueError, match="no tab"):
        bench_wrk.Line("GET", "/x\t").text()


def test_the_profile_harness_replays_a_prepared_request_and_guards_the_drop() -> None:
    profile = _script("profile_submit")
    echo = Flask("echo")

    @echo.post("/echo")
    def _echo() -> str:
        from flask import request

        return request.form["a"]

    prepared = profile._environ(None, "POST", "/echo", {"a": "ok"})
    # The same prepared request can be sent again and again: its body is read afresh.
    assert [profile.call(echo, prepared) for _ in range(2)] == ["200 OK", "200 OK"]
    with pytest.raises(SystemExit, match="_profile"):
        profile.recreate_database("postgresql+psycopg://postgres@127.0.0.1/test_x", "test_x")
