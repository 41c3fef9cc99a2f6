"""Every mail the portal sends, rendered from its template with fixed values in Swedish
and English and compared byte for byte with a stored copy (``golden/<domain>/``).

A changed text shows up here as a diff to read. When the change is meant, rewrite the
copies with ``UPDATE_GOLDEN=1 pytest tests/emails`` and read the diff before committing.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from portal.core.mail import render_mail

GOLDEN = Path(__file__).parent / "golden"
LOCALES = ("sv", "en")
LINK = "http://portal.test/a/gavleborg/x?token=abc&next=%2F"

# Values that would go wrong if the text were escaped as HTML or formatted twice.
GROUP = SimpleNamespace(name="Mysam Hofors & Sandviken <100%>")
MEETING = SimpleNamespace(
    group=GROUP,
    starts_at=dt.datetime(2026, 3, 5, 8, 0, tzinfo=dt.UTC),  # UTC: 09:00 in Stockholm
    ends_at=dt.datetime(2026, 3, 5, 10, 30, tzinfo=dt.UTC),
    place="Kommunhuset, sal 2",
    video_link="https://meet.example/abc",
    purpose="Planera årets aktiviteter",
    agenda_items=[SimpleNamespace(title="Mötets öppnande"), SimpleNamespace(title="Budget 2026")],
)
BARE_MEETING = SimpleNamespace(
    group=GROUP,
    starts_at=dt.datetime(2026, 11, 30, 13, 15, tzinfo=dt.UTC),
    ends_at=dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC),
    place="",
    video_link=None,
    purpose="",
    agenda_items=[],
)
DECISIONS = [SimpleNamespace(text="Budgeten fastställs", responsible="", due_on=None)]
FOLLOW_UPS = [
    SimpleNamespace(text="Boka lokal", responsible="Lena Ledare", due_on=dt.date(2026, 4, 1)),
    SimpleNamespace(text="Skicka inbjudan", responsible="", due_on=dt.date(2026, 4, 15)),
    SimpleNamespace(text="Ring Försäkringskassan", responsible="Per Persson", due_on=None),
]
SURVEY = {
    "year": 2026,
    "group": GROUP.name,
    "association": "Samordningsförbundet Gävleborg",
    "closes": dt.date(2026, 10, 31),
    "link": "[survey-link:42]",  # the outbox marker: the link is made only as the mail is sent
}
SURVEY_ASSOCIATION = {**SURVEY, "group": SURVEY["association"]}
SETTINGS = "http://portal.test/account/notifications"
ASSOCIATION = SimpleNamespace(name="Samordningsförbundet Gävleborg")
INVITEE = SimpleNamespace(
    user=SimpleNamespace(name="Per Persson"), agency=SimpleNamespace(name="Arbetsförmedlingen")
)


def ACTIVITY(what: str, due: dt.date) -> SimpleNamespace:  # noqa: N802 (reads as a value)
    return SimpleNamespace(what=what, plan=SimpleNamespace(group=GROUP), due_date=due)


# (golden file name, template, context)
MAILS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "accounts/invitation",
        "accounts/invitation",
        {"name": "Åsa Öberg", "link": LINK, "hours": 72},
    ),
    (
        "accounts/password_reset",
        "accounts/password_reset",
        {"name": "Åsa Öberg", "link": LINK, "hours": 2},
    ),
    (
        "people/register_invitation",
        "people/register_invitation",
        {
            "name": "Åsa Öberg",
            "association": "Samordningsförbundet Gävleborg",
            "days": 14,
            "link": LINK,
        },
    ),
    (
        "people/email_change",
        "people/email_change",
        {"name": "Åsa Öberg", "association": "Samordningsförbundet Gävleborg", "link": LINK},
    ),
    ("meetings/notice", "meetings/notice", {"meeting": MEETING, "link": LINK, "update": False}),
    (
        "meetings/notice-documents",
        "meetings/notice",
        {
            "meeting": MEETING,
            "link": LINK,
            "update": False,
            "attachments": [("Dagordning & bilaga <1>", LINK + "/documents/7")],
        },
    ),
    (
        "meetings/notice-changed",
        "meetings/notice",
        {"meeting": MEETING, "link": LINK, "update": True},
    ),
    (
        "meetings/notice-bare",
        "meetings/notice",
        {"meeting": BARE_MEETING, "link": None, "update": False},
    ),
    (
        "meetings/minutes_submitted",
        "meetings/minutes_submitted",
        {"meeting": MEETING, "link": LINK},
    ),
    (
        "meetings/minutes_submitted-nolink",
        "meetings/minutes_submitted",
        {"meeting": MEETING, "link": None},
    ),
    (
        "meetings/minutes_returned",
        "meetings/minutes_returned",
        {"meeting": MEETING, "adjuster": "Jens Justerare", "comment": "Rätta §3.\n\nOch datumet."},
    ),
    (
        "meetings/minutes_approved",
        "meetings/minutes_approved",
        {
            "meeting": MEETING,
            "revision": SimpleNamespace(is_correction=False, body="§1 Mötet öppnas.\n§2 Budget."),
            "decisions": DECISIONS,
            "follow_ups": FOLLOW_UPS,
            "link": LINK,
        },
    ),
    (
        "meetings/minutes_approved-correction",
        "meetings/minutes_approved",
        {
            "meeting": BARE_MEETING,
            "revision": SimpleNamespace(is_correction=True, body="Rättat protokoll."),
            "decisions": [],
            "follow_ups": [],
            "link": None,
        },
    ),
    ("surveys/invitation", "surveys/invitation", SURVEY),
    ("surveys/reminder", "surveys/reminder", SURVEY),
    # a board or list round asks the association as a whole (issue 22): the group is it
    ("surveys/invitation-association", "surveys/invitation", SURVEY_ASSOCIATION),
    ("surveys/reminder-association", "surveys/reminder", SURVEY_ASSOCIATION),
    (
        "meetings/reminder",
        "meetings/reminder",
        {
            "meeting": MEETING,
            "substitute_for": None,
            "answer_link": "[meeting-answer:7]",
            "settings_url": SETTINGS,
        },
    ),
    (
        "meetings/reminder-substitute",
        "meetings/reminder",
        {"meeting": BARE_MEETING, "substitute_for": "Åsa Öberg", "settings_url": None},
    ),
    (
        "meetings/minutes_waiting",
        "meetings/minutes_waiting",
        {
            "meeting": MEETING,
            "minutes": SimpleNamespace(submitted_at=dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC)),
            "link": LINK,
            "settings_url": SETTINGS,
        },
    ),
    (
        "meetings/substitute_notice",
        "meetings/substitute_notice",
        {
            "meeting": MEETING,
            "invitee": INVITEE,
            "registered": True,
            "url": LINK,
            "update": False,
        },
    ),
    (
        "meetings/substitute_notice-changed",
        "meetings/substitute_notice",
        {
            "meeting": BARE_MEETING,
            "invitee": INVITEE,
            "registered": False,
            "url": LINK,
            "update": True,
        },
    ),
    (
        "notifications/activity_digest",
        "notifications/activity_digest",
        {
            "association": ASSOCIATION,
            "overdue": [ACTIVITY("Starta studiecirkel", dt.date(2026, 2, 1))],
            "soon": [ACTIVITY("Boka lokal", dt.date(2026, 3, 10))],
            "link": LINK,
            "settings_url": SETTINGS,
        },
    ),
    (
        "notifications/admin_digest",
        "notifications/admin_digest",
        {
            "association": ASSOCIATION,
            "drafts": [SimpleNamespace(group=GROUP)],
            "rounds": [SimpleNamespace(year=2026, closes_on=dt.date(2026, 10, 31))],
            "failed": 2,
            "link": LINK,
            "settings_url": SETTINGS,
        },
    ),
]


def rendered(template: str, locale: str, context: dict[str, Any]) -> str:
    subject, body = render_mail(template, locale, **context)
    return f"Subject: {subject}\n\n{body}"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("name", "template", "context"), MAILS, ids=[m[0] for m in MAILS])
def test_mail_matches_its_golden_copy(
    app: Flask, name: str, template: str, context: dict[str, Any], locale: str
) -> None:
    path = GOLDEN / f"{name}.{locale}.txt"
    with app.app_context():
        text = rendered(template, locale, context)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    assert text.encode() == path.read_bytes()


def test_every_mail_template_has_golden_copies() -> None:
    templates = Path(__file__).parents[2] / "templates" / "emails"
    names = {
        p.relative_to(templates).with_suffix("").as_posix()
        for p in templates.rglob("*.txt")
        if not p.name.startswith("_")
    }
    assert names == {template for _, template, _ in MAILS}
    for name, _, _ in MAILS:
        for locale in LOCALES:
            assert (GOLDEN / f"{name}.{locale}.txt").is_file()


def test_the_recipients_language_and_the_default(app: Flask) -> None:
    with app.app_context():
        swedish = render_mail("accounts/invitation", None, name="Åsa", link=LINK, hours=1)
        english = render_mail("accounts/invitation", "en", name="Åsa", link=LINK, hours=1)
    assert swedish[0] == "Välkommen till Samverkansportalen"
    assert english[0] == "Welcome to Samverkansportalen"


def test_a_subject_is_one_line_whatever_a_name_holds(app: Flask) -> None:
    meeting = SimpleNamespace(**{**vars(MEETING), "group": SimpleNamespace(name="A\n\nB")})
    with app.app_context():
        subject, body = render_mail("meetings/minutes_submitted", "en", meeting=meeting, link=None)
    assert "\n" not in subject
    assert subject.startswith("Minutes for approval: A B ")
    assert body.startswith("You are the adjuster of the minutes of A\n\nB ")
