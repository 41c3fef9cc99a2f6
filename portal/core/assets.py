"""Static files: fingerprinted names, a year's caching, served before the app.

Every file under ``static/`` is read once when the app is made and given a name with
its content's hash (``css/portal.css`` → ``/static/css/portal.3f2a1b9c0d12.css``);
templates reach it only through :func:`asset_url`. A changed file gets a new name, so
browsers and proxies may keep every version for a year (``immutable``).

:class:`StaticFiles` answers ``/static/…`` and ``/favicon.ico`` in front of the Flask
app, as WSGI middleware: no session, no sign-in check, no cookie, the same answer for
everyone. Text files are kept gzip-compressed too, and sent so where the browser
accepts it. The files are small (≤ 60 KB compressed, a test holds it), so they live in
memory; an app server keeps nothing on disk.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, has_request_context, request

PREFIX = "/static/"
FOREVER = "public, max-age=31536000, immutable"
# /favicon.ico has a fixed address: cached for a day, not for ever.
FAVICON = "favicon.ico"
FAVICON_CACHE = "public, max-age=86400"
TEXT_TYPES = ("text/", "application/javascript", "image/svg+xml")

StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class Asset:
    """One static file, as it is served."""

    name: str  # "css/portal.css"
    url_name: str  # "css/portal.3f2a1b9c0d12.css"
    content_type: str
    body: bytes
    gzipped: bytes | None
    etag: str


def _content_type(name: str) -> str:
    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if name.endswith(".ico"):
        guessed = "image/x-icon"
    if guessed.startswith("text/") or guessed == "application/javascript":
        guessed += "; charset=utf-8"
    return guessed


def _asset(root: Path, path: Path) -> Asset:
    name = path.relative_to(root).as_posix()
    body = path.read_bytes()
    digest = hashlib.sha256(body).hexdigest()[:12]
    stem, dot, suffix = name.rpartition(".")
    url_name = f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"
    content_type = _content_type(name)
    gzipped = None
    if content_type.startswith(TEXT_TYPES):
        # mtime=0: the same bytes on every server, so one ETag fits them all.
        gzipped = gzip.compress(body, compresslevel=9, mtime=0)
    # Weak: the gzipped and the plain body are the same file.
    return Asset(name, url_name, content_type, body, gzipped, f'W/"{digest}"')


class Assets:
    """The static files of one app, by name and by fingerprinted name."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.by_name: dict[str, Asset] = {}
        self.by_url: dict[str, Asset] = {}
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if (
                path.name.startswith(".")
                or path.suffix in (".txt", ".md")
                or "LICENSE" in path.name
            ):
                continue
            asset = _asset(root, path)
            self.by_name[asset.name] = asset
            self.by_url[asset.url_name] = asset

    def url(self, name: str) -> str:
        """The fingerprinted address of ``name`` (KeyError for a file that is not there)."""
        script_root = request.script_root if has_request_context() else ""
        return f"{script_root}{PREFIX}{self.by_name[name].url_name}"

    def compressed_size(self, suffixes: Iterable[str]) -> int:
        """What the files with these endings weigh as sent compressed."""
        ends = tuple(suffixes)
        return sum(len(a.gzipped or a.body) for a in self.by_name.values() if a.name.endswith(ends))


def asset_url(name: str) -> str:
    """The one way to a static file's address: ``asset_url('css/portal.css')``."""
    assets: Assets = current_app.extensions["portal_assets"]
    return assets.url(name)


class StaticFiles:
    """WSGI middleware: answers for the static files, passes everything else on."""

    def __init__(self, app: Callable[..., Iterable[bytes]], assets: Assets) -> None:
        self.app = app
        self.assets = assets

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        if path == "/" + FAVICON and FAVICON in self.assets.by_name:
            return self._send(environ, start_response, self.assets.by_name[FAVICON], FAVICON_CACHE)
        if not path.startswith(PREFIX):
            return self.app(environ, start_response)
        asset = self.assets.by_url.get(path.removeprefix(PREFIX))
        if asset is None:
            return _plain(start_response, "404 Not Found", b"Not found\n")
        return self._send(environ, start_response, asset, FOREVER)

    @staticmethod
    def _send(
        environ: dict[str, Any], start_response: StartResponse, asset: Asset, cache: str
    ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return _plain(start_response, "405 Method Not Allowed", b"", [("Allow", "GET, HEAD")])
        headers = [
            ("Cache-Control", cache),
            ("ETag", asset.etag),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if asset.gzipped is not None:
            headers.append(("Vary", "Accept-Encoding"))
        if asset.etag.removeprefix("W/") in environ.get("HTTP_IF_NONE_MATCH", ""):
            start_response("304 Not Modified", headers)
            return [b""]
        body = asset.body
        if asset.gzipped is not None and "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""):
            body = asset.gzipped
            headers.append(("Content-Encoding", "gzip"))
        headers += [("Content-Type", asset.content_type), ("Content-Length", str(len(body)))]
        start_response("200 OK", headers)
        return [b"" if method == "HEAD" else body]


def _plain(
    start_response: StartResponse,
    status: str,
    body: bytes,
    extra: list[tuple[str, str]] | None = None,
) -> Iterable[bytes]:
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    start_response(status, headers + (extra or []))
    return [body]
