"""Register extracts: everything about one person, as a page and as JSON; never survey answers."""

from __future__ import annotations

import json

from portal.core.mail import queue_mail
from tests.conftest import put_session


def test_the_platform_admin_gets_a_persons_whole_extract(db_session, rworld, client):
    former = rworld.user_ids["former"]
    queue_mail(recipient=rworld.emails["former"], subject="Kallelse 11 mars", body="Hej")
    db_session.flush()
    put_session(client, rworld.user_ids["platform_admin"])
    page = client.get(f"/platform/people/{former}/extract")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Fredrik Förre" in html
    assert "Mysam Alfa" in html
    assert "31 mars 2025" in html  # the membership's end, the Swedish way
    assert "Kallelse 11 mars" in html

    download = client.get(f"/platform/people/{former}/extract.json")
    assert download.status_code == 200
    assert download.mimetype == "application/json"
    assert "attachment" in download.headers["Content-Disposition"]
    data = json.loads(download.get_data(as_text=True))
    assert data["account"]["name"] == "Fredrik Förre"
    assert data["memberships"] == [
        {"group": "Mysam Alfa", "agency": "Försäkringskassan", "role": "member",
         "from": data["memberships"][0]["from"], "to": "2025-03-31"}
    ]  # fmt: skip
    assert [m["attendance"] for m in data["meetings"]] == ["absent"]
    assert data["mail"][0]["subject"] == "Kallelse 11 mars"
    assert data["survey_answers"] == "survey-answers-not-linked"


def test_the_extract_says_survey_answers_cannot_be_included(rworld, client):
    put_session(client, rworld.user_ids["m1"])
    html = client.get("/account/register-extract").get_data(as_text=True)
    assert "Enkätsvar ingår inte" in html


def test_activities_and_texts_are_in_the_extract(rworld, client):
    put_session(client, rworld.user_ids["platform_admin"])
    data = client.get(f"/platform/people/{rworld.user_ids['leader']}/extract.json").get_json()
    assert [a["activity"] for a in data["activities"]] == ["Utbildning"]


def test_a_person_reads_their_own_extract_from_their_account(rworld, client):
    put_session(client, rworld.user_ids["m1"])
    account = client.get("/account").get_data(as_text=True)
    assert "/account/register-extract" in account
    page = client.get("/account/register-extract")
    assert page.status_code == 200
    assert "Medlem m1" in page.get_data(as_text=True)
    data = client.get("/account/register-extract.json").get_json()
    assert data["account"]["email"] == rworld.emails["m1"]


def test_nobody_else_reads_someone_elses_extract(rworld, client):
    target = rworld.user_ids["m1"]
    for role in ("admin", "board", "leader", "other_admin"):
        put_session(client, rworld.user_ids[role])
        assert client.get(f"/platform/people/{target}/extract").status_code == 404
        assert client.get(f"/platform/people/{target}/extract.json").status_code == 404


def test_an_unknown_person_is_404(rworld, client):
    put_session(client, rworld.user_ids["platform_admin"])
    assert client.get("/platform/people/999999/extract").status_code == 404


def test_people_are_found_by_name_or_address(rworld, client):
    put_session(client, rworld.user_ids["platform_admin"])
    html = client.get("/platform/people?q=förre").get_data(as_text=True)
    assert "Fredrik Förre" in html
    html = client.get("/platform/people?q=" + rworld.emails["m2"]).get_data(as_text=True)
    assert "Medlem m2" in html
    html = client.get("/platform/people?q=%25").get_data(as_text=True)
    assert "Medlem m2" not in html  # a wildcard is a character, not "everyone"
