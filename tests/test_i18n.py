"""The Swedish catalogue is complete, and the portal speaks Swedish by default.

The message ids are English; every one the source uses must have a Swedish
translation. The ids are extracted here with Babel's own API, using the method map
in ``babel.cfg`` and the keywords of ``make messages``, so a string added to a
template or a Python file fails this test until it has been translated
(``make messages``, translate in ``portal/translations/sv/LC_MESSAGES/messages.po``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient

from tests.conftest import post
from tests.i18n_support import compile_catalogues

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
SV_PO = TRANSLATIONS / "sv" / "LC_MESSAGES" / "messages.po"

# The keywords `make messages` extracts: Babel's defaults plus the lazy variants.
KEYWORDS: dict[str, Any] = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

# %(name)s, %(n)d, %(x).1f ... and positional %s / %d (%% is a literal percent sign).
PLACEHOLDER_RE = re.compile(r"%(?:\((\w+)\))?[#0\- +]*(?:\d+|\*)?(?:\.\d+)?([diouxXeEfFgGcrsa%])")

MsgKey = tuple[str | tuple[str, ...], str | None]


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues(app: Flask) -> None:
    """Make sure the compiled catalogues are current before pages are rendered.

    Flask-Babel caches loaded translations on the app, so the cache is emptied when
    a catalogue was (re)compiled after the app had already looked for it.
    """
    if compile_catalogues():
        with app.app_context():
            app.extensions["babel"].instance.domain_instance.cache.clear()


def read_catalog(path: Path = SV_PO) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale="sv", abort_invalid=True)


def extracted_messages() -> dict[MsgKey, list[str]]:
    """Every message id the source uses, with where it is used."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, "babel.cfg")
    found: dict[MsgKey, list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message if isinstance(message, str) else tuple(message)
        if not (msgid[0] if isinstance(msgid, tuple) else msgid):
            continue
        found.setdefault((msgid, context), []).append(f"{filename}:{lineno}")
    return found


def placeholders(text: str) -> list[tuple[str | None, str]]:
    """The %-placeholders in ``text`` as (name, conversion), sorted; ``%%`` excluded."""
    found = [(m.group(1), m.group(2)) for m in PLACEHOLDER_RE.finditer(text)]
    return sorted((f for f in found if f[1] != "%"), key=lambda f: (f[0] or "", f[1]))


def as_list(value: object) -> list[str]:
    """A message id or string as a list: one item, or one per plural form."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]  # type: ignore[attr-defined]


def translated(message: Message | None) -> bool:
    """Has a non-empty, non-fuzzy translation (every plural form filled in)."""
    if message is None or message.fuzzy:
        return False
    strings = as_list(message.string)
    return bool(strings) and all(s.strip() for s in strings)


def test_catalogue_header() -> None:
    catalog = read_catalog()
    assert str(catalog.locale) == "sv"
    assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"
    assert not catalog.fuzzy, "the catalogue header is marked fuzzy"


def test_every_message_has_a_swedish_translation() -> None:
    catalog = read_catalog()
    source = extracted_messages()
    assert len(source) > 100, "extraction found almost nothing; is babel.cfg right?"
    missing = [
        f"{msgid!r}  ({', '.join(where[:3])})"
        for (msgid, context), where in sorted(source.items(), key=lambda kv: str(kv[0]))
        if not translated(catalog.get(msgid, context))
    ]
    assert not missing, (
        f"{len(missing)} message(s) lack a Swedish translation (or are fuzzy); run "
        "`make messages` and translate them in "
        + str(SV_PO.relative_to(ROOT))
        + ":\n"
        + "\n".join(missing)
    )


def test_no_fuzzy_entries() -> None:
    fuzzy = [message.id for message in read_catalog() if message.id and message.fuzzy]
    assert not fuzzy, f"fuzzy entries are not used at run time: {fuzzy}"


def test_placeholders_match() -> None:
    wrong = []
    for message in read_catalog():
        if not message.id or not translated(message):
            continue
        ids, strings = as_list(message.id), as_list(message.string)
        if message.pluralizable:
            # A singular form may leave out the count ("En medlem"), but no form may
            # use a name the code does not pass, and the other form keeps them all.
            allowed = {p for msgid in ids for p in placeholders(msgid)}
            ok = all(set(placeholders(s)) <= allowed for s in strings) and placeholders(
                strings[-1]
            ) == placeholders(ids[-1])
        else:
            ok = placeholders(ids[0]) == placeholders(strings[0])
        if not ok:
            wrong.append(f"{message.id!r} -> {message.string!r}")
    assert not wrong, "placeholders differ between id and translation:\n" + "\n".join(wrong)


def fresh_request(client: FlaskClient, url: str) -> str:
    """GET ``url`` as a new request would see it in production.

    The ``db_session`` fixture keeps an application context pushed for the whole test,
    and Flask reuses it for every test-client request, so ``g`` (where Flask-Babel
    caches the locale, and Flask-Login the user) would carry over from the previous
    request. Each real request gets its own ``g``; empty it to match.
    """
    if has_app_context():
        vars(g).clear()
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_swedish_is_the_default(client: FlaskClient) -> None:
    html = fresh_request(client, "/login")
    assert '<html lang="sv">' in html
    assert "Logga in" in html
    assert "Lösenord" in html  # a lazily translated form label
    assert "Sign in" not in html


def test_english_can_be_chosen(client: FlaskClient) -> None:
    response = post(client, "/language", {"locale": "en", "next": "/login"}, token_page="/login")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    html = fresh_request(client, "/login")
    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "Password" in html
    assert "Logga in" not in html

    post(client, "/language", {"locale": "sv", "next": "/login"}, token_page="/login")
    html = fresh_request(client, "/login")
    assert '<html lang="sv">' in html
    assert "Logga in" in html
