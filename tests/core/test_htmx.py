"""One fragment helper, one place that says responses vary by HX-Request."""

from __future__ import annotations

from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def test_every_html_response_varies_by_hx_request_even_an_error(client):
    for path in ("/login", "/no-such-page"):
        response = client.get(path)
        assert response.mimetype == "text/html"
        assert "HX-Request" in response.headers.get("Vary", ""), path


def test_a_json_response_does_not_claim_to_vary_by_hx_request(client):
    response = client.get("/healthz")
    assert "HX-Request" not in response.headers.get("Vary", "")


def _files_saying(text: str) -> list[str]:
    return sorted(
        str(path.relative_to(PORTAL))
        for path in PORTAL.rglob("*.py")
        if text in path.read_text(encoding="utf-8")
    )


def test_only_core_htmx_sets_vary_by_hand():
    assert _files_saying('vary.add("HX-Request")') == ["core/htmx.py"]


def test_only_core_htmx_renders_a_macro_as_a_fragment():
    assert _files_saying("render_template_string") == ["core/htmx.py"]
