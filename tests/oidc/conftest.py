"""A real OpenID provider (npm oidc-provider) on a free loopback port, for the session.

`make oidc` installs it under .venv/oidc; the suite's make targets depend on that.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / ".venv" / "oidc" / "node_modules"
SCRIPT = Path(__file__).with_name("provider.mjs")
# The portal's callback as the tests' PORTAL_BASE_URL makes it.
REDIRECT_URI = "http://portal.test/login/provider/callback"
CLIENT_ID = "portal-test"
CLIENT_SECRET = "test-client-secret-for-loopback-only"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def oidc_issuer() -> Iterator[str]:
    """The issuer URL of a running provider; stopped at the end of the session."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the OpenID provider for these tests needs it")
    assert (NODE_MODULES / "oidc-provider").is_dir(), "run `make oidc` to install oidc-provider"
    port = _free_port()
    process = subprocess.Popen(
        [node, str(SCRIPT), str(port), REDIRECT_URI],
        env={**os.environ, "OIDC_NODE_MODULES": str(NODE_MODULES)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == "ready", f"the OpenID provider did not start ({line!r})"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
