"""Static files: fingerprinted, cached for a year, served outside the session and the
sign-in check, compressed; and text responses compressed."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import RESOURCES
from portal.core.assets import FOREVER, Assets, StaticFiles
from tests.conftest import login

STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')
BUDGET = 60 * 1024


def static_urls(html: str) -> list[str]:
    return STATIC_URL.findall(html)


def test_every_asset_is_fingerprinted_and_cached_for_a_year_for_everyone(
    app: Flask, client: FlaskClient, f
) -> None:
    urls = static_urls(client.get("/login").get_data(as_text=True))
    assert any(u.endswith(".css") for u in urls)
    assert any(u.endswith(".js") for u in urls)
    admin = f.admin(f.association())
    signed_in = app.test_client()
    login(signed_in, admin.email)
    for url in urls:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", url), url
        anonymous = client.get(url)
        theirs = signed_in.get(url)
        for response in (anonymous, theirs):
            assert response.status_code == 200, url
            assert response.headers["Cache-Control"] == FOREVER
            assert "Set-Cookie" not in response.headers
            assert "Cookie" not in response.headers.get("Vary", "")
        assert anonymous.data == theirs.data


def test_the_plans_stylesheet_is_not_behind_the_sign_in(app: Flask, client: FlaskClient) -> None:
    assets: Assets = app.extensions["portal_assets"]
    with app.test_request_context("/"):
        url = assets.url("css/plans.css")
    assert client.get(url).status_code == 200
    assert client.get("/plans-static/plans.css").status_code == 404  # the old address is gone


def test_a_changed_file_gets_a_new_name_and_old_names_are_not_served(tmp_path: Path) -> None:
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "site.css"
    sheet.write_text("body { color: black; }")
    first = Assets(tmp_path).by_name["css/site.css"].url_name
    sheet.write_text("body { color: navy; }")
    second_assets = Assets(tmp_path)
    second = second_assets.by_name["css/site.css"].url_name
    assert first != second
    assert first not in second_assets.by_url


def test_conditional_head_and_refused_requests(app: Flask, client: FlaskClient) -> None:
    url = static_urls(client.get("/login").get_data(as_text=True))[0]
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    head = client.head(url)
    assert head.status_code == 200
    assert head.data == b""
    assert client.post(url).status_code == 405
    assert client.get("/static/css/portal.css").status_code == 404  # only fingerprinted names
    assert client.get("/static/../portal/config.py").status_code == 404


def test_text_is_sent_compressed(app: Flask, client: FlaskClient) -> None:
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]
    assert b"<!doctype html>" in gzip.decompress(page.data)
    for url in static_urls(client.get("/login").get_data(as_text=True)):
        plain = client.get(url)
        packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        if plain.mimetype.startswith("text/"):
            assert packed.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(packed.data) == plain.data
            assert "Content-Encoding" not in plain.headers


def test_css_and_javascript_stay_within_60_kb_compressed(app: Flask) -> None:
    assets: Assets = app.extensions["portal_assets"]
    size = assets.compressed_size([".css", ".js"])
    assert 0 < size <= BUDGET, f"{size} bytes of CSS and JavaScript, compressed"


def test_the_favicon_is_served(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/x-icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an icon file
    assert "Set-Cookie" not in response.headers


def test_templates_reach_static_files_only_through_the_helper() -> None:
    offenders = [
        str(path.relative_to(RESOURCES))
        for path in (RESOURCES / "templates").rglob("*.html")
        if re.search(r"url_for\(\s*['\"][\w.]*static|[\"']/static/", path.read_text("utf-8"))
    ]
    assert not offenders


@pytest.mark.parametrize("path", ["/", "/static/x", "/favicon.ico"])
def test_the_middleware_passes_other_requests_on(tmp_path: Path, path: str) -> None:
    seen: list[str] = []

    def app(environ, start_response):
        seen.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"app"]

    middleware = StaticFiles(app, Assets(tmp_path))  # no files, no favicon
    statuses: list[str] = []
    body = b"".join(middleware({"PATH_INFO": path}, lambda s, h: statuses.append(s)))
    if path == "/static/x":
        assert statuses == ["404 Not Found"]
        assert not seen
    else:
        assert body == b"app"
        assert seen == [path]
