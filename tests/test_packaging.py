"""The production path, ``pip install .``: the built wheel alone serves Swedish pages.

The wheel is built from a copy of the source tree (what ``pip install .`` builds),
installed into a new virtual environment and started with gunicorn from a directory
outside the source tree, so that nothing but the wheel can provide the package: its
templates, static files, migrations and compiled catalogues. The new environment
borrows the suite's installed dependencies (a ``.pth`` line after its own
site-packages), so no package is downloaded but the build's own requirements, which
pip caches. The pages are templates and a catalogue, not database work: the SQLite
half of the suite builds the wheel.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.parse
import urllib.request
import venv
from pathlib import Path
from typing import Any

import pytest

from portal import PROJECT_ROOT

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")), reason="packaging: the SQLite half builds it"
)

NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "instance", "*.egg-info", "__pycache__", "*.pyc",
    "*.mo", ".*_cache", "node_modules", "bench-results.md",
)  # fmt: skip
EMAIL = "admin@example.org"
PASSWORD = "ett-langt-losenord-for-testet"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(url: str, cookie: str = "", data: dict[str, str] | None = None) -> tuple[int, str, Any]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Cookie": cookie})  # noqa: S310
    try:
        with OPENER.open(request, timeout=10) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:  # a redirect, refused above
        return error.code, error.read().decode(), error.headers


def session_cookie(headers: Any) -> str:
    cookies = [c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or []]
    return "; ".join(cookies)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the built wheel installed; its python."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(PROJECT_ROOT, source, ignore=NOT_SOURCE)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", str(source), "--no-deps", "-w", str(work)], check=True)
    (wheel,) = work.glob("samverkansportalen-*.whl")
    env = work / "env"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (Path(site) / "suite-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", str(wheel)], check=True)
    return python


def test_the_wheel_alone_serves_swedish_pages(installed: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": "a-secret-for-this-test-only",
        "RATELIMIT_ALLOW_MEMORY": "1",  # one process
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite'}",
    }
    env.pop("PYTHONPATH", None)

    def run(*args: str) -> str:
        done = subprocess.run(
            [str(installed), *args], cwd=tmp_path, env=env, check=True, capture_output=True,
            text=True,
        )  # fmt: skip
        return done.stdout

    where = run("-c", "import portal; print(portal.__file__)")
    assert str(PROJECT_ROOT) not in where, f"the package came from the source tree: {where}"
    flask = ("-m", "flask", "--app", "portal")
    run(*flask, "db", "upgrade")
    run(*flask, "users", "create-admin", "--email", EMAIL, "--name", "Ada", "--password", PASSWORD)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [installed, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "portal:create_app()"],
            cwd=tmp_path, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                status, login_page, headers = fetch(f"{base}/login")
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(f"gunicorn did not start:\n{log.read_text()}")
        assert status == 200
        assert '<html lang="sv">' in login_page
        assert ">Logga in<" in login_page
        assert "Sign in" not in login_page
        # The static files came along, fingerprinted.
        sheet = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', login_page)
        assert sheet
        assert fetch(base + sheet.group(1))[0] == 200
        # Sign in and read a signed-in page.
        cookie = session_cookie(headers)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page)
        assert token
        status, _, headers = fetch(
            f"{base}/login",
            cookie,
            {"csrf_token": token.group(1), "email": EMAIL, "password": PASSWORD},
        )
        assert status == 302, "sign-in failed"
        status, start, _ = fetch(f"{base}/", session_cookie(headers) or cookie)
        assert status == 200
        assert ">Logga ut<" in start
        assert "Sign out" not in start
    finally:
        server.terminate()
        server.wait(timeout=10)
