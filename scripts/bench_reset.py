"""Time the password-reset request for a known and an unknown address (issue 19, item 3).

The two must take the same time, or the form tells which addresses have accounts.
In-process (Flask test client), on a fresh SQLite file or on ``--database`` (a
PostgreSQL URL whose database this script may fill with one user); rate limits off.
Known and unknown requests alternate so that any drift of the machine hits both.

    .venv/bin/python scripts/bench_reset.py [--samples 400] [--database URL]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app
from portal.accounts.models import User
from portal.extensions import db

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/reset.sqlite"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "RATELIMIT_ENABLED": False,
                "MAIL_BACKEND": "console",
            }
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            db.session.add(User(email="known@example.org", name="Known Person"))
            db.session.commit()
        client = app.test_client()
        token = CSRF_RE.search(client.get("/password/forgot").get_data(as_text=True))
        assert token is not None
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        for i in range(args.samples * 2 + 20):
            kind = "known" if i % 2 else "unknown"
            email = "known@example.org" if kind == "known" else f"nobody{i}@example.org"
            start = time.perf_counter()
            response = client.post(
                "/password/forgot", data={"email": email, "csrf_token": token.group(1)}
            )
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 302, response.status_code
            if i >= 20:  # warm-up
                times[kind].append(elapsed)
        with app.app_context():
            db.drop_all()
    for kind, values in times.items():
        values.sort()
        p90 = values[int(len(values) * 0.9)]
        print(  # noqa: T201 - the report
            f"{kind:8} n={len(values)} median {statistics.median(values):.2f} ms"
            f"  mean {statistics.fmean(values):.2f} ms  p90 {p90:.2f} ms"
        )


if __name__ == "__main__":
    main()
