"""Downloads: one charset, and file names that keep their Swedish letters."""

from __future__ import annotations

from portal.core.downloads import CSV, XLSX, attachment, file_name


def test_a_name_keeps_its_swedish_letters_with_an_ascii_fallback(app):
    name = file_name("grupp", "Mysam Gävle/Älvkarleby", 2026) + ".csv"
    assert name == "grupp-mysam-gävle-älvkarleby-2026.csv"
    with app.test_request_context("/"):
        response = attachment("a;b\r\n", CSV, name)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="grupp-mysam-gavle-alvkarleby-2026.csv"; '
        "filename*=UTF-8''grupp-mysam-g%C3%A4vle-%C3%A4lvkarleby-2026.csv"
    )


def test_odd_characters_cannot_break_the_header(app):
    name = file_name('Ö "x"; filename=evil\r\n', 2026) + ".xlsx"
    with app.test_request_context("/"):
        response = attachment(b"", XLSX, name)
    disposition = response.headers["Content-Disposition"]
    assert disposition.count("filename=") == 1
    assert "\r" not in disposition
    assert "\n" not in disposition
    assert response.headers["Content-Type"] == XLSX
