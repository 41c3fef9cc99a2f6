"""The plan history and the audit log read in words, never in codes or Python syntax."""

from __future__ import annotations

import re

from portal.groups import services as group_services
from portal.groups.models import Group, MembershipRole
from portal.plans.models import ActivityStatus
from portal.plans.services import items, plans
from portal.surveys import services as survey_services
from tests.conftest import post
from tests.support.plans import YEAR, due
from tests.support.sessions import sign_in

CODES = re.compile(r"\b(not_started|ongoing|draft|adopted|revised|process_leader)\b|\['|\[\]")


def test_plan_history_and_audit_log_show_words(client, pworld, db_session, f):
    group = db_session.get(Group, pworld.group_id)
    plan = plans.create_plan(None, group, YEAR, plans.Source.TEMPLATE)
    items.add_goal(
        None, plan, items.GoalData(pworld.area_ids[0], "Fler parter", "Antal", True, "2", "4")
    )
    activity = items.add_activity(None, plan, items.ActivityData("Utbildning", due_date=due()))
    db_session.commit()
    sign_in(client, pworld, "process_leader")
    url = f"/a/{pworld.slug}/plans/{plan.id}"
    assert post(client, f"{url}/adopt", token_page=url).status_code == 302
    items.update_progress(None, activity, ActivityStatus.ONGOING, "Halvvägs", activity.lock_version)
    db_session.commit()
    history = client.get(url).get_data(as_text=True).split('id="history-heading"')[1]
    assert "<del>Utkast</del> → Fastställd" in history
    assert "<del>Ej påbörjad</del> → Pågår" in history
    assert not CODES.search(history), CODES.search(history)

    sign_in(client, pworld, "admin")
    log = client.get(f"/a/{pworld.slug}/audit").get_data(as_text=True)
    log = log.split('id="audit-caption"')[1]
    assert "Status</dt><dd>Fastställd" in log
    assert "Slutdatum</dt><dd>30 juni 2025" in log
    assert not CODES.search(log), CODES.search(log)


def test_lists_and_memberships_in_the_audit_log_are_words(client, pworld, db_session):
    from portal.accounts.models import User
    from portal.organisations.models import Association

    association = db_session.get(Association, pworld.association_id)
    admin = db_session.get(User, pworld.user_ids["admin"])
    round_ = survey_services.create_round(
        admin,
        association,
        survey_services.RoundData(
            YEAR, _instrument(db_session), [pworld.group_id, pworld.other_group_id],
            due(8, 15), due(9, 30), 3,
        ),
    )  # fmt: skip
    assert round_.id
    group_services.add_membership(
        admin,
        db_session.get(Group, pworld.other_group_id),
        group_services.MembershipData(
            pworld.user_ids["registered"], pworld.fk_id, MembershipRole.PROCESS_LEADER, due(1, 1)
        ),
    )
    db_session.commit()
    sign_in(client, pworld, "admin")
    log = client.get(f"/a/{pworld.slug}/audit").get_data(as_text=True)
    assert "Grupper</dt><dd>Mysam Hudiksvall, Mysam Ljusdal" in log
    assert "Status</dt><dd>Förberedd, inte öppnad" in log
    # A seat names the person and the agency, not their ids.
    assert "Person</dt><dd>Rut Registrerad" in log
    assert "Medlemsorganisation</dt><dd>Försäkringskassan" in log
    assert "Roll</dt><dd>Processledare" in log
    assert not CODES.search(log.split('id="audit-caption"')[1])


def _instrument(db_session) -> int:
    from portal.surveys.instrument import parse_instrument
    from tests.support.surveys import demo_text

    instrument, _ = survey_services.import_instrument(None, parse_instrument(demo_text()))
    return instrument.id


def test_a_field_that_repeats_its_section_title_gets_no_second_heading(client, pworld, db_session):
    group = db_session.get(Group, pworld.group_id)
    plan = plans.create_plan(None, group, YEAR, plans.Source.TEMPLATE)
    db_session.commit()
    sign_in(client, pworld, "process_leader")
    for url in (f"/a/{pworld.slug}/plans/{plan.id}", f"/a/{pworld.slug}/plans/{plan.id}/print"):
        page = client.get(url).get_data(as_text=True)
        headings = re.findall(r"<h[1-6][^>]*>([^<]*)<", page)
        assert headings.count("Åtgärder") == 1, url
        assert headings.count("Resultatmål") == 1, url
        assert "Förutsättningar" in headings  # a field under another title keeps its own


def test_an_htmx_change_brings_the_plans_facts_along(client, pworld, db_session):
    group = db_session.get(Group, pworld.group_id)
    plan = plans.create_plan(None, group, YEAR, plans.Source.TEMPLATE)
    goal = items.add_goal(
        None, plan, items.GoalData(pworld.area_ids[0], "Fler parter", "Antal", True, "2", "4")
    )
    plans.adopt(None, plan)
    db_session.commit()
    sign_in(client, pworld, "process_leader")
    url = f"/a/{pworld.slug}/plans/{plan.id}"
    hx = {"HX-Request": "true"}
    added = post(
        client,
        f"{url}/activities",
        {"what": "Utbildning", "responsible_id": pworld.user_ids["member"],
         "due_date": due().isoformat(), "status": "not_started"},
        token_page=url, headers=hx,
    ).get_data(as_text=True)  # fmt: skip
    facts = added.split('id="plan-facts" data-hx-swap-oob="true"')[1].split("</dl>")[0]
    assert "Ja: minst en åtgärd har en ansvarig person och ett slutdatum" in facts
    assert "Reviderad sedan fastställandet" in facts  # the change revised the adopted plan
    assert '<div id="plan-adopt" data-hx-swap-oob="true">' in added
    assert "Fastställ den reviderade handlingsplanen" in added.split('id="plan-adopt"')[1]
    # A single item saved in place brings them too; a plain page has them once, in place.
    saved = post(
        client,
        f"{url}/goals/{goal.id}",
        {"goal_area_id": pworld.area_ids[0], "title": "Fler parter", "indicator": "Antal",
         "numeric": "y", "baseline": "2", "target": "5", "lock_version": goal.lock_version},
        token_page=url, headers=hx,
    ).get_data(as_text=True)  # fmt: skip
    assert 'id="plan-facts" data-hx-swap-oob="true"' in saved
    page = client.get(url).get_data(as_text=True)
    assert page.count('id="plan-facts"') == 1
    assert "data-hx-swap-oob" not in page
