"""Statistics per group and year, and for all groups of the association."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import g

from portal.accounts.models import User
from portal.groups.models import Group
from portal.meetings.models import AttendanceStatus, Meeting
from portal.meetings.services import attendance, stats
from tests.support.meetings import MeetingWorld, make_meeting
from tests.support.sessions import sign_in

P, A, E = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED
DAYS = [dt.date(2025, 2, 11), dt.date(2025, 5, 13), dt.date(2025, 9, 9), dt.date(2025, 11, 11)]
# leader (municipality), member (Försäkringskassan), region member, per meeting
PLAN = [(P, P, P), (P, None, A), (P, P, E), (P, A, P)]


def record_year(db_session: Any, world: MeetingWorld) -> list[Meeting]:
    leader = db_session.get(User, world.user_ids["process_leader"])
    roles = ("process_leader", "member", "region_member")
    made = []
    for day, plan in zip(DAYS, PLAN, strict=True):
        meeting = make_meeting(db_session, world, day)
        seats = {i.user_id: i for i in meeting.invitees}
        for role, status in zip(roles, plan, strict=True):
            invitee = seats[world.user_ids[role]]
            if status is None:  # a substitute came for Försäkringskassan
                attendance.add_substitute(
                    leader,
                    meeting,
                    attendance.SubstituteData(invitee.id, None, "Kim Kollega", None),
                )
            else:
                attendance.set_statuses(leader, meeting, {invitee.id: status})
        made.append(meeting)
    # an upcoming meeting in 2025 seen from the middle of the year is planned, not held
    db_session.commit()
    return made


NOW = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)


def test_group_figures(db_session, mworld):
    record_year(db_session, mworld)
    figures = stats.group_figures([mworld.group_id, mworld.other_group_id], 2025, NOW)
    ours = figures[mworld.group_id]
    assert (ours.planned, ours.held) == (4, 4)
    assert (ours.present_seats, ours.recorded_seats) == (8, 12)
    assert figures[mworld.other_group_id] == stats.GroupFigures(0, 0, 0, 0)
    midyear = stats.group_figures([mworld.group_id], 2025, dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    assert (midyear[mworld.group_id].planned, midyear[mworld.group_id].held) == (4, 2)


def test_agency_figures_count_substitutes_and_flag_frequent_absence(db_session, mworld):
    record_year(db_session, mworld)
    rows = {a.name: a for a in stats.agency_figures([mworld.group_id], 2025, NOW)[mworld.group_id]}
    assert (rows["Hudiksvalls kommun"].invited, rows["Hudiksvalls kommun"].represented) == (4, 4)
    assert (rows["Försäkringskassan"].invited, rows["Försäkringskassan"].represented) == (4, 3)
    assert (rows["Region Gävleborg"].invited, rows["Region Gävleborg"].represented) == (4, 2)
    assert rows["Region Gävleborg"].flagged  # absent from half of the meetings
    assert not rows["Försäkringskassan"].flagged
    assert not rows["Hudiksvalls kommun"].flagged


def test_person_figures(db_session, mworld):
    record_year(db_session, mworld)
    rows = {p.name: p for p in stats.person_figures(mworld.group_id, 2025, NOW)}
    assert rows["Lena Ledare"].rate == 1
    maja = rows["Maja Medlem"]
    assert (maja.present, maja.excused, maja.absent, maja.substituted) == (2, 1, 1, 1)
    assert rows["Rolf Region"].rate == 0.5


def test_turnover(db_session, mworld, f):
    group = db_session.get(Group, mworld.group_id)
    f.membership(group, valid_from=dt.date(2025, 4, 1))
    figures = stats.turnover([mworld.group_id], 2025)[mworld.group_id]
    assert figures.joined == 1
    assert figures.left == 0
    assert figures.at_start == 4  # leader, two members and the standing substitute
    before = stats.turnover([mworld.group_id], 2024)[mworld.group_id]
    assert before.left == 1
    assert before.at_start == 5


def test_a_seat_from_new_years_day_is_held_at_the_start(db_session, mworld, f):
    group = db_session.get(Group, mworld.other_group_id)  # one seat since 2020
    f.membership(group, valid_from=dt.date(2026, 1, 1))
    f.membership(group, valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 12, 31))
    f.membership(group, valid_from=dt.date(2026, 1, 2))
    f.membership(group, valid_from=dt.date(2025, 3, 1), valid_to=dt.date(2026, 1, 1))
    year = stats.turnover([group.id], 2026)[group.id]
    assert (year.at_start, year.joined, year.left) == (4, 1, 2)
    # at the start + joined − ended = the seats held after the year
    after = stats.turnover([group.id], 2027)[group.id]
    assert after.at_start == year.at_start + year.joined - year.left == 3
    h1 = stats.turnover([group.id], (dt.date(2026, 1, 1), dt.date(2026, 6, 30)))[group.id]
    assert (h1.at_start, h1.joined, h1.left) == (4, 1, 1)


def test_group_statistics_page(client, db_session, mworld):
    record_year(db_session, mworld)
    sign_in(client, mworld, "member")
    html = client.get(f"/a/{mworld.slug}/groups/{mworld.group_id}/statistics?year=2025").get_data(
        as_text=True
    )
    assert "Rolf Region" in html  # members see attendance per person
    assert "Frånvarande från minst hälften av mötena" in html
    assert "67 %" in html


def test_the_board_sees_agencies_but_no_names(client, db_session, mworld):
    record_year(db_session, mworld)
    sign_in(client, mworld, "board")
    html = client.get(f"/a/{mworld.slug}/groups/{mworld.group_id}/statistics?year=2025").get_data(
        as_text=True
    )
    assert "Region Gävleborg" in html
    assert "Rolf Region" not in html
    page = client.get(f"/a/{mworld.slug}/statistics?year=2025")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Mysam Hudiksvall" in html
    assert "Mysam Ljusdal" in html
    assert "Region Gävleborg" in html
    assert "Rolf Region" not in html


@pytest.mark.parametrize(
    ("role", "group_page", "association_page"),
    [
        ("admin", 200, 200),
        ("board", 200, 200),
        ("process_leader", 200, 404),
        ("member", 200, 404),
        ("other_group_member", 404, 404),
        ("registered", 404, 404),
        ("other_admin", 404, 404),
        ("platform_admin", 404, 404),
    ],
)
def test_who_sees_statistics(client, mworld, role, group_page, association_page):
    sign_in(client, mworld, role)
    assert (
        client.get(f"/a/{mworld.slug}/groups/{mworld.group_id}/statistics").status_code
        == group_page
    )
    assert client.get(f"/a/{mworld.slug}/statistics").status_code == association_page


def test_a_bad_year_falls_back_to_this_year(client, mworld):
    sign_in(client, mworld, "admin")
    for year in ("abc", "99999", "-1"):
        response = client.get(f"/a/{mworld.slug}/statistics?year={year}")
        assert response.status_code == 200


def test_statistics_query_counts_do_not_grow(client, db_session, mworld, f, count_queries):
    sign_in(client, mworld, "admin")
    urls = [
        f"/a/{mworld.slug}/groups/{mworld.group_id}/statistics?year=2025",
        f"/a/{mworld.slug}/statistics?year=2025",
    ]

    def measure() -> list[int]:
        out = []
        for url in urls:
            client.get(url)
            g.pop("_login_user", None)
            g.pop("principals", None)
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            out.append(counter.count)
        return out

    make_meeting(db_session, mworld, dt.date(2025, 1, 7))
    few = measure()
    record_year(db_session, mworld)
    association = db_session.get(Group, mworld.group_id).association
    for _ in range(3):
        other = f.group(association)
        for _ in range(4):
            f.membership(other)
        make_meeting(db_session, mworld, dt.date(2025, 3, 3), group_id=other.id)
    many = measure()
    assert few == many
