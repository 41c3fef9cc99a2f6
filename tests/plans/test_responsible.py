"""The responsible-person list: the group's members first, each with their agencies,
so that people with the same name can be told apart."""

from __future__ import annotations

import re

from portal.groups.models import Group
from portal.plans.services import plans, responsible
from tests.support.plans import YEAR
from tests.support.sessions import sign_in


def test_members_come_first_and_equal_names_can_be_told_apart(client, pworld, db_session, f):
    from portal.organisations.models import Association

    association = db_session.get(Association, pworld.association_id)
    group = db_session.get(Group, pworld.group_id)
    other = db_session.get(Group, pworld.other_group_id)
    region = f.agency(association, name="Region Gävleborg")
    twin_here = f.user(association, name="Anna Andersson")
    f.membership(group, twin_here, region)
    twin_there = f.user(association, name="Anna Andersson")
    f.membership(other, twin_there, region)
    f.user(association, name="Anna Andersson", email="anna.tre@example.org")  # no seat
    f.user(association, name="Anna Andersson", email="anna.fyra@example.org")  # no seat
    plan = plans.create_plan(None, group, YEAR, plans.Source.TEMPLATE)
    db_session.commit()

    found = responsible.candidates(plan)
    assert [c.in_group for c in found] == sorted((c.in_group for c in found), reverse=True)
    sign_in(client, pworld, "process_leader")
    page = client.get(f"/a/{pworld.slug}/plans/{plan.id}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="responsible_id".*?</select>', page, re.S).group(0)
    groups = re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.S)
    assert [label for label, _ in groups] == ["Medlemmar i Mysam Hudiksvall", "Andra i förbundet"]
    members = re.findall(r">([^<]+)</option>", groups[0][1])
    others = re.findall(r">([^<]+)</option>", groups[1][1])
    # The twin in another group sits for the same agency: the address tells them apart.
    assert members == [
        f"Anna Andersson (Region Gävleborg) – {twin_here.email}",
        "Lena Ledare (Hudiksvalls kommun)",
        "Maja Medlem (Försäkringskassan)",
    ]
    twins = [o for o in others if o.startswith("Anna Andersson")]
    assert twins == [
        f"Anna Andersson (Region Gävleborg) – {twin_there.email}",
        "Anna Andersson – anna.tre@example.org",
        "Anna Andersson – anna.fyra@example.org",
    ]
    assert select.index("Ingen ännu") < select.index("<optgroup")
