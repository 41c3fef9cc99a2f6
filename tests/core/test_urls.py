"""Addresses that leave the portal, and the tokens behind them."""

from __future__ import annotations

import hashlib

from portal.core.tokens import hash_token
from portal.core.urls import absolute_url


def test_an_absolute_url_reads_the_same_in_a_request_and_outside_one(app):
    base = app.config["PORTAL_BASE_URL"].rstrip("/")
    with app.app_context():
        outside = absolute_url("accounts.set_password", token="abc")
    with app.test_request_context("/somewhere/else", base_url="http://other.example/"):
        inside = absolute_url("accounts.set_password", token="abc")
    assert outside == inside
    assert outside.startswith(base + "/")
    assert "other.example" not in inside


def test_an_absolute_url_keeps_extra_values_as_the_query(app):
    with app.app_context():
        url = absolute_url("meetings.calendar_feed", slug="gavle", token="t", x="å")
    assert url.endswith("?x=%C3%A5")


def test_a_token_is_kept_as_its_sha256():
    assert hash_token("secret") == hashlib.sha256(b"secret").hexdigest()
    assert hash_token("secret") != hash_token("secret ")
