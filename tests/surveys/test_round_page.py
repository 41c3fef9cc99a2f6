"""A round's own page names whom it asks: an association may have a round per respondent
group in one year, and "Survey 2026" alone does not tell them apart."""

from __future__ import annotations

import re

import pytest

from portal.groups.services import today
from portal.surveys.models import RespondentGroup
from tests.support.sessions import sign_in
from tests.support.surveys import make_round
from tests.surveys.test_sources import association_round


def _heading_and_title(page: str) -> tuple[str, str]:
    h1 = re.search(r"<h1>(.*?)</h1>", page, re.S)
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert h1 is not None
    assert title is not None
    return h1.group(1).strip(), title.group(1).strip()


@pytest.mark.parametrize(
    ("group", "label"),
    [
        (RespondentGroup.BOARD, "Styrelseledamöter"),
        (RespondentGroup.STAFF, "Personal i insatserna"),
        (RespondentGroup.REFERRERS, "Remittenter"),
    ],
)
def test_the_round_page_names_its_respondent_group(
    client, sworld, db_session, group, label
) -> None:
    survey_round = association_round(db_session, sworld, group, open_it=False)
    sign_in(client, sworld, "admin")
    response = client.get(f"/a/{sworld.slug}/surveys/{survey_round.id}")
    assert response.status_code == 200
    heading, title = _heading_and_title(response.get_data(as_text=True))
    assert heading == f"Enkät {survey_round.year} – {label}"
    assert title.startswith(f"Enkät {survey_round.year} – {label} – ")


def test_two_rounds_of_one_year_have_different_headings(client, sworld, db_session) -> None:
    managers = make_round(db_session, sworld, year=today().year, open_it=False)
    board = association_round(
        db_session, sworld, RespondentGroup.BOARD, year=managers.year, open_it=False
    )
    sign_in(client, sworld, "admin")
    headings = {
        _heading_and_title(client.get(f"/a/{sworld.slug}/surveys/{r.id}").get_data(as_text=True))[0]
        for r in (managers, board)
    }
    assert headings == {
        f"Enkät {managers.year} – Chefer i samverkan",
        f"Enkät {managers.year} – Styrelseledamöter",
    }
