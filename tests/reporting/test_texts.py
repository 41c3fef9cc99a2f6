"""Analysis texts and development areas: permissions, conflicts, XSS, carry rules, audit."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.groups.models import Group
from portal.plans.models import Activity, GoalArea, Plan, PlanStatus, ResultGoal
from portal.plans.services import plans as plan_services
from portal.reporting.models import ReportAnalysis, ReportDevelopmentArea
from portal.reporting.services import development, texts
from tests.conftest import csrf_token
from tests.support.plans import YEAR
from tests.support.sessions import sign_in

NEXT = YEAR + 1


def base(world: Any) -> str:
    return f"/a/{world.slug}/reports/{YEAR}"


def post(client: Any, world: Any, url: str, data: dict[str, Any], **kw: Any) -> Any:
    token = csrf_token(client, f"{base(world)}/texts")
    return client.post(url, data={"csrf_token": token, **data}, **kw)


def events(db_session: Any, action: str) -> list[AuditEvent]:
    return list(
        db_session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


@pytest.fixture
def next_plans(pworld, db_session):
    """The first group has a plan for next year (adopted); the other group has none."""
    group = db_session.get(Group, pworld.group_id)
    plan = plan_services.create_plan(None, group, NEXT, plan_services.Source.TEMPLATE)
    plan.status = PlanStatus.ADOPTED
    db_session.commit()
    return plan


# --- permissions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("board", 200),
        ("process_leader", 200),
        ("member", 404),
        ("other_admin", 404),
        ("platform_admin", 404),
    ],
)
def test_who_reads_the_texts_page(client, pworld, role, status):
    sign_in(client, pworld, role)
    assert client.get(f"{base(pworld)}/texts").status_code == status


def test_anonymous_is_sent_to_sign_in(client, pworld):
    assert client.get(f"{base(pworld)}/texts").status_code == 302


@pytest.mark.parametrize("role", ["board", "process_leader", "other_admin"])
def test_only_admins_write(client, pworld, db_session, role):
    sign_in(client, pworld, role)
    url = f"{base(pworld)}/year/analysis/survey"
    if role == "other_admin":
        token_page = "/"
        token = csrf_token(client, token_page)
        response = client.post(url, data={"csrf_token": token, "body": "x"})
    else:
        response = post(client, pworld, url, {"body": "x"})
    assert response.status_code == 404
    response = client.post(f"{base(pworld)}/areas", data={"title": "x"})
    assert response.status_code in {400, 404}  # no CSRF token: refused either way
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ReportAnalysis)) == 0


def test_board_sees_the_text_but_no_form(client, pworld, db_session):
    texts.save_analysis(None, pworld.association_id, YEAR, "year", "survey", "**Bra** år.", 0)
    db_session.commit()
    sign_in(client, pworld, "board")
    page = client.get(f"{base(pworld)}/texts").get_data(as_text=True)
    assert "<strong>Bra</strong> år." in page
    assert "Spara analysen" not in page
    assert "Lägg till ett utvecklingsområde" not in page


# --- analysis texts ---------------------------------------------------------------------


def test_admin_saves_an_analysis_and_it_is_audited(client, pworld, db_session):
    sign_in(client, pworld, "admin")
    url = f"{base(pworld)}/year/analysis/survey"
    response = post(client, pworld, url, {"body": "Svaren har blivit bättre.", "lock_version": "0"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"{base(pworld)}?period=year#analysis-survey"  # back to reporting.summary
    )
    saved = texts.analyses(pworld.association_id, YEAR, "year")["survey"]
    assert saved.body == "Svaren har blivit bättre."
    assert saved.updated_by_id == pworld.user_ids["admin"]
    [event] = events(db_session, "report_analysis.save")
    assert event.association_id == pworld.association_id
    assert event.after == {"body": "Svaren har blivit bättre."}


def test_htmx_save_returns_the_section(client, pworld):
    sign_in(client, pworld, "admin")
    url = f"{base(pworld)}/h1/analysis/meetings"
    response = post(client, pworld, url, {"body": "Fler möten.", "lock_version": "0"},
                    headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div class="report-analysis" id="analysis-meetings"')
    assert "Fler möten." in html
    assert "Sparat." in html
    assert "HX-Request" in response.headers["Vary"]


def test_a_stale_save_shows_both_versions(client, pworld, db_session):
    first = texts.save_analysis(None, pworld.association_id, YEAR, "year", "plans", "Äldre.", 0)
    texts.save_analysis(
        None, pworld.association_id, YEAR, "year", "plans", "Nyare.", first.lock_version
    )
    db_session.commit()
    sign_in(client, pworld, "admin")
    url = f"{base(pworld)}/year/analysis/plans"
    response = post(client, pworld, url, {"body": "Min text.", "lock_version": "1"},
                    headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Två versioner" in html
    assert '<td class="pre">Min text.</td><td class="pre">Nyare.</td>' in html
    assert 'name="lock_version" value="2"' in html  # saving again replaces theirs
    assert texts.analysis(pworld.association_id, YEAR, "year", "plans").body == "Nyare."
    again = post(client, pworld, url, {"body": "Min text.", "lock_version": "2"})
    assert again.status_code == 302
    assert texts.analysis(pworld.association_id, YEAR, "year", "plans").body == "Min text."


def test_a_stale_save_without_javascript_shows_the_page(client, pworld, db_session):
    texts.save_analysis(None, pworld.association_id, YEAR, "year", "plans", "Deras.", 0)
    db_session.commit()
    sign_in(client, pworld, "admin")
    response = post(
        client, pworld, f"{base(pworld)}/year/analysis/plans", {"body": "Min.", "lock_version": 0}
    )
    assert response.status_code == 409
    assert "Två versioner" in response.get_data(as_text=True)


def test_markdown_is_sanitized(client, pworld, db_session):
    body = '<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror="alert(3)">'
    texts.save_analysis(None, pworld.association_id, YEAR, "year", "survey", body, 0)
    development.add_area(None, pworld.association_id, YEAR, development.AreaData("<b>T</b>", body))
    db_session.commit()
    sign_in(client, pworld, "admin")
    page = client.get(f"{base(pworld)}/texts").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "<img" not in page
    assert 'href="javascript' not in page
    rendered = re.findall(r'<div class="markdown">(.*?)</div>', page, re.S)
    assert len(rendered) == 2  # the analysis and the area's description
    for html in rendered:
        assert "alert" not in html  # script, javascript: link and onerror all gone
        assert '<a rel="noopener noreferrer">x</a>' in html
    assert "&lt;b&gt;T&lt;/b&gt;" in page


@pytest.mark.parametrize(("period", "section"), [("q3", "survey"), ("year", "Bad Key")])
def test_unknown_period_or_section_is_404(client, pworld, period, section):
    sign_in(client, pworld, "admin")
    response = post(client, pworld, f"{base(pworld)}/{period}/analysis/{section}", {"body": "x"})
    assert response.status_code == 404


def test_analyses_is_one_query(pworld, db_session, count_queries):
    for section in ("plans", "survey"):
        texts.save_analysis(None, pworld.association_id, YEAR, "year", section, section, 0)
    texts.save_analysis(None, pworld.association_id, YEAR, "h1", "plans", "h1", 0)
    db_session.commit()
    with count_queries() as counter:
        got = texts.analyses(pworld.association_id, YEAR, "year")
    assert counter.count == 1
    assert {k: v.body for k, v in got.items()} == {"plans": "plans", "survey": "survey"}


# --- development areas ------------------------------------------------------------------


def test_admin_adds_edits_and_removes_an_area(client, pworld, db_session):
    sign_in(client, pworld, "admin")
    response = post(client, pworld, f"{base(pworld)}/areas?period=h1",
                    {"title": "Närvaro", "description": "Fler *parter*."})  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"].endswith("period=h1#development-areas")
    [area] = db_session.scalars(sa.select(ReportDevelopmentArea)).all()
    assert (area.year, area.title, area.created_by_id) == (
        YEAR,
        "Närvaro",
        pworld.user_ids["admin"],
    )
    page = client.get(f"{base(pworld)}/texts").get_data(as_text=True)
    assert "Fler <em>parter</em>." in page
    data = {"title": "Närvaro i alla grupper", "description": "", "lock_version": 1}
    response = post(client, pworld, f"{base(pworld)}/areas/{area.id}", data)
    assert response.status_code == 302
    assert db_session.get(ReportDevelopmentArea, area.id).title == "Närvaro i alla grupper"
    response = post(client, pworld, f"{base(pworld)}/areas/{area.id}/delete", {})
    assert response.status_code == 302
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ReportDevelopmentArea)) == 0
    actions = [e.action for e in db_session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-3:] == ["report_area.create", "report_area.update", "report_area.delete"]


def test_an_area_without_title_is_refused_with_the_form(client, pworld, db_session):
    sign_in(client, pworld, "admin")
    response = post(client, pworld, f"{base(pworld)}/areas", {"title": " ", "description": "d"},
                    headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert ">d</textarea>" in html


def test_an_area_of_another_association_or_year_is_404(client, pworld, db_session, f):
    other = f.association()
    area = development.add_area(None, other.id, YEAR, development.AreaData("Annat"))
    own = development.add_area(None, pworld.association_id, YEAR - 1, development.AreaData("Fjol"))
    db_session.commit()
    sign_in(client, pworld, "admin")
    for area_id in (area.id, own.id):
        response = post(client, pworld, f"{base(pworld)}/areas/{area_id}/delete", {})
        assert response.status_code == 404


def _area(pworld: Any, db_session: Any, title: str = "Gemensamma ärendedragningar") -> Any:
    area = development.add_area(None, pworld.association_id, YEAR, development.AreaData(title))
    db_session.commit()
    return area


def _next_goal_area(db_session: Any, pworld: Any) -> GoalArea:
    return db_session.scalar(
        sa.select(GoalArea).where(
            GoalArea.association_id == pworld.association_id, GoalArea.year == NEXT
        )
    )


def test_carry_as_a_goal_goes_through_the_plan_services(client, pworld, db_session, next_plans):
    area = _area(pworld, db_session)
    goal_area = _next_goal_area(db_session, pworld)
    sign_in(client, pworld, "admin")
    response = post(
        client, pworld, f"{base(pworld)}/areas/{area.id}/carry",
        {"group_ids": [pworld.group_id, pworld.other_group_id], "kind": "goal",
         "goal_area_id": str(goal_area.id)},
    )  # fmt: skip
    assert response.status_code == 302
    plan = db_session.get(Plan, next_plans.id)
    [goal] = plan.goals
    assert (goal.title, goal.goal_area_id) == (area.title, goal_area.id)
    assert plan.status is PlanStatus.REVISED  # an adopted plan records a revision
    flashes = client.get(f"{base(pworld)}/texts").get_data(as_text=True)
    assert "Fört in i handlingsplanerna för 2026 hos: Mysam Hudiksvall." in flashes
    assert "Ingen handlingsplan för 2026 ännu, så inte infört hos: Mysam Ljusdal." in flashes
    [item] = development.development_areas(pworld.association_id, YEAR)
    assert [(t.group_name, t.plan_year, t.kind, t.item_title) for t in item.targets] == [
        ("Mysam Hudiksvall", NEXT, "goal", area.title)
    ]
    assert f"#goal-{goal.id}" in flashes
    assert [e.after["plans"] for e in events(db_session, "report_area.carry")] == [
        ["Mysam Hudiksvall 2026"]
    ]
    assert events(db_session, "goal.create")[-1].association_id == pworld.association_id


def test_carry_as_an_activity_and_not_twice(pworld, db_session, next_plans):
    area = _area(pworld, db_session)
    groups = [db_session.get(Group, pworld.group_id)]
    result = development.carry(None, area, groups, "activity")
    assert [t.activity.what for t in result.targets] == [area.title]
    assert result.without_plan == []
    with pytest.raises(development.DomainError, match="redan infört"):
        development.carry(None, area, groups, "goal", _next_goal_area(db_session, pworld))
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 1
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ResultGoal)) == 0


def test_carry_as_a_goal_needs_a_goal_area_of_next_year(pworld, db_session, next_plans):
    area = _area(pworld, db_session)
    groups = [db_session.get(Group, pworld.group_id)]
    this_year = db_session.get(GoalArea, pworld.area_ids[0])
    for goal_area in (None, this_year):
        with pytest.raises(development.DomainError, match="målområden för 2026"):
            development.carry(None, area, groups, "goal", goal_area)
    with pytest.raises(development.DomainError):
        development.carry(None, area, [], "activity")
    with pytest.raises(development.DomainError):
        development.carry(None, area, groups, "poem")


def test_a_carry_refused_in_the_form_shows_the_error(client, pworld, db_session, next_plans):
    area = _area(pworld, db_session)
    sign_in(client, pworld, "admin")
    response = post(
        client, pworld, f"{base(pworld)}/areas/{area.id}/carry",
        {"group_ids": [pworld.group_id], "kind": "goal", "goal_area_id": "0"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Välj ett av förbundets målområden för 2026." in response.get_data(as_text=True)


def test_a_removed_goal_keeps_the_link_to_the_plan(pworld, db_session, next_plans):
    area = _area(pworld, db_session)
    groups = [db_session.get(Group, pworld.group_id)]
    [target] = development.carry(
        None, area, groups, "goal", _next_goal_area(db_session, pworld)
    ).targets
    db_session.delete(target.goal)
    db_session.flush()
    db_session.expire_all()
    [item] = development.development_areas(pworld.association_id, YEAR)
    assert [(t.plan_id, t.kind, t.item_id) for t in item.targets] == [(next_plans.id, "", None)]


def test_development_areas_is_two_queries(pworld, db_session, next_plans, count_queries):
    groups = [db_session.get(Group, pworld.group_id)]
    for title in ("Ett", "Två", "Tre"):
        development.carry(None, _area(pworld, db_session, title), groups, "activity")
    db_session.commit()
    with count_queries() as counter:
        items = development.development_areas(pworld.association_id, YEAR)
    assert counter.count == 2
    assert [(i.area.title, len(i.targets)) for i in items] == [("Ett", 1), ("Två", 1), ("Tre", 1)]
