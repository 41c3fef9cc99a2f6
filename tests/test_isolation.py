"""Tenant isolation: an admin of one association sees and touches nothing of another."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from markupsafe import escape

from portal.accounts.models import User
from portal.core import audit
from portal.core.audit import AuditEvent
from portal.core.mail import MailStatus, OutboxMessage, queue_mail
from portal.groups.models import Group, Membership, group_municipalities
from portal.organisations.models import Agency, AssociationPerson, AssociationRole
from tests.conftest import csrf_token, login, post


@dataclass
class Tenant:
    """The ids and names of one association's rows."""

    slug: str
    admin_email: str
    group_id: int
    agency_id: int
    person_id: int
    membership_id: int
    message_id: int
    names: list[str]


def build_tenant(f: Any, label: str) -> Tenant:
    """An association with an admin, an agency, a group, a seated person and failed mail."""
    association = f.association(name=f"Samordningsförbundet {label}")
    admin = f.admin(association, name=f"Admin {label}")
    agency = f.agency(association, name=f"{label}stads kommun")
    group = f.group(association, name=f"Mysam {label}", municipalities=[agency])
    person = f.user(association, name=f"Person {label}", email=f"person-{label}@example.org")
    membership = f.membership(group, person, agency)
    message = queue_mail(
        recipient=f"mail-{label}@example.org",
        subject=f"Utskick {label}",
        body="Hej",
        association_id=association.id,
    )
    message.status = MailStatus.FAILED
    audit.record(
        actor=admin,
        action="agency.create",
        obj=agency,
        association_id=association.id,
        summary=f"Händelse {label}",
    )
    f.session.flush()
    return Tenant(
        slug=association.slug,
        admin_email=admin.email,
        group_id=group.id,
        agency_id=agency.id,
        person_id=person.id,
        membership_id=membership.id,
        message_id=message.id,
        names=[
            association.name,
            agency.name,
            group.name,
            person.name,
            person.email,
            message.recipient,
            f"Händelse {label}",
        ],
    )


@pytest.fixture
def tenants(f: Any, db_session: Any) -> tuple[Tenant, Tenant]:
    a, b = build_tenant(f, "Alfa"), build_tenant(f, "Beta")
    db_session.commit()  # a refused request rolls back to here, not further
    return a, b


@pytest.fixture
def signed_in_a(client: Any, tenants: tuple[Tenant, Tenant]) -> tuple[Tenant, Tenant]:
    login(client, tenants[0].admin_email)
    return tenants


def state(db_session: Any) -> dict[str, Any]:
    """Everything a stray write could change, for before/after comparison."""
    db_session.expire_all()

    def rows(*columns: Any) -> list[Any]:
        return [tuple(r) for r in db_session.execute(sa.select(*columns).order_by(*columns))]

    return {
        "users": rows(User.id, User.name, User.email),
        "agencies": rows(Agency.id, Agency.name, Agency.kind),
        "groups": rows(Group.id, Group.name),
        "municipalities": rows(group_municipalities.c.group_id, group_municipalities.c.agency_id),
        "memberships": rows(Membership.id, Membership.valid_to),
        "register": rows(AssociationPerson.association_id, AssociationPerson.user_id),
        "roles": rows(
            AssociationRole.association_id, AssociationRole.user_id, AssociationRole.role
        ),
        "outbox": rows(OutboxMessage.id, OutboxMessage.status, OutboxMessage.attempts),
        "audit": rows(AuditEvent.id),
    }


def foreign_urls(a: Tenant, b: Tenant) -> list[tuple[str, str, dict[str, Any]]]:
    """B's objects reached through A's address and through B's own."""
    urls: list[tuple[str, str, dict[str, Any]]] = []
    for slug in (a.slug, b.slug):
        base = f"/a/{slug}"
        group = f"{base}/groups/{b.group_id}"
        person = f"{base}/people/{b.person_id}"
        end = f"{group}/members/{b.membership_id}/end"
        urls += [
            ("GET", group, {}),
            ("GET", f"{group}/edit", {}),
            ("POST", f"{group}/edit", {"name": "Kapad", "municipalities": [b.agency_id]}),
            ("GET", f"{group}/delete", {}),
            ("POST", f"{group}/delete", {}),
            (
                "POST",
                f"{group}/members",
                {
                    "user_id": b.person_id,
                    "agency_id": b.agency_id,
                    "role": "member",
                    "valid_from": "2024-01-01",
                },
            ),
            ("GET", end, {}),
            ("POST", end, {"valid_to": "2024-06-30"}),
            ("GET", f"{base}/agencies/{b.agency_id}", {}),
            ("POST", f"{base}/agencies/{b.agency_id}", {"name": "Kapad", "kind": "region"}),
            ("GET", f"{base}/agencies/{b.agency_id}/delete", {}),
            ("POST", f"{base}/agencies/{b.agency_id}/delete", {}),
            ("GET", person, {}),
            ("POST", person, {"name": "Kapad", "email": "kapad@example.org"}),
            ("POST", f"{person}/roles", {"roles": ["admin"]}),
            ("POST", f"{person}/invite", {}),
            ("GET", f"{person}/remove", {}),
            ("POST", f"{person}/remove", {}),
            ("POST", f"{base}/mail/{b.message_id}/retry", {}),
        ]
    # A's group with B's membership: the membership is looked up through the group.
    end_through_a = f"/a/{a.slug}/groups/{a.group_id}/members/{b.membership_id}/end"
    urls += [("GET", end_through_a, {}), ("POST", end_through_a, {"valid_to": "2024-06-30"})]
    return urls


def test_b_is_absent_for_an_admin_of_a(client, signed_in_a, db_session):
    a, b = signed_in_a
    before = state(db_session)
    token = csrf_token(client, "/")
    for method, url, data in foreign_urls(a, b):
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 404, (method, url, response.status_code)
        for name in b.names:
            assert name not in response.get_data(as_text=True), (method, url, name)
    assert state(db_session) == before


def test_bs_whole_association_is_absent_for_an_admin_of_a(client, signed_in_a):
    _a, b = signed_in_a
    for url in ["", "agencies", "agencies/new", "people/", "people/new", "groups/new", "audit"]:
        assert client.get(f"/a/{b.slug}/{url}").status_code == 404, url
    assert client.get(f"/a/{b.slug}/mail").status_code == 404


@pytest.mark.parametrize(
    ("field", "foreign"),
    [("user_id", "person_id"), ("agency_id", "agency_id")],
)
def test_bs_person_or_agency_cannot_be_put_in_as_group(
    client, signed_in_a, db_session, field, foreign
):
    a, b = signed_in_a
    data = {
        "user_id": a.person_id,
        "agency_id": a.agency_id,
        "role": "substitute",
        "valid_from": "2024-01-01",
    }
    data[field] = getattr(b, foreign)
    before = state(db_session)
    response = post(client, f"/a/{a.slug}/groups/{a.group_id}/members", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html
    assert 'class="error"' in html
    assert state(db_session) == before
    for name in b.names:
        assert name not in html


def test_bs_municipality_cannot_be_given_to_as_group(client, signed_in_a, db_session):
    a, b = signed_in_a
    before = state(db_session)
    for url in (f"/a/{a.slug}/groups/new", f"/a/{a.slug}/groups/{a.group_id}/edit"):
        response = post(client, url, {"name": "Mysam Gamma", "municipalities": [b.agency_id]})
        assert response.status_code == 400, url
        assert 'class="error"' in response.get_data(as_text=True)
    assert state(db_session) == before


def test_as_lists_show_nothing_of_b(client, signed_in_a):
    a, b = signed_in_a
    for url in ["/", "", "agencies", "people/", f"groups/{a.group_id}", "audit", "mail"]:
        response = client.get(url if url.startswith("/") else f"/a/{a.slug}/{url}")
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        for name in b.names:
            assert name not in html, (url, name)
    # The lists do show A's own rows, so the check above is not vacuous.
    assert a.names[-1] in client.get(f"/a/{a.slug}/audit").get_data(as_text=True)
    assert a.names[-2] in client.get(f"/a/{a.slug}/mail").get_data(as_text=True)


def test_audit_log_of_a_holds_only_as_events(client, signed_in_a, db_session):
    a, b = signed_in_a
    # An action by A's admin, then check the log: A's events only.
    response = post(client, f"/a/{a.slug}/agencies/new", {"name": "Ny kommun", "kind": "region"})
    assert response.status_code == 302
    html = client.get(f"/a/{a.slug}/audit").get_data(as_text=True)
    assert "Ny kommun" in html
    assert "Händelse Alfa" in html
    for name in b.names:
        assert name not in html


def test_a_person_shared_with_b_cannot_be_renamed_by_a(app, client, f, db_session):
    a_assoc, b_assoc = f.association(), f.association()
    admin = f.admin(a_assoc)
    shared = f.user(a_assoc, name="Delad Person", email="delad@example.org")
    f.session.add(AssociationPerson(association_id=b_assoc.id, user_id=shared.id))
    db_session.commit()
    login(client, admin.email)
    url = f"/a/{a_assoc.slug}/people/{shared.id}"

    page = client.get(url).get_data(as_text=True)
    assert 'name="email"' not in page  # no form to change what A does not own alone

    before = state(db_session)
    response = post(client, url, {"name": "Kapad", "email": "angripare@example.org"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    with app.test_request_context(), force_locale("sv"):
        notice = gettext(
            "This person also belongs to another association; "
            "only the person can change name and e-mail."
        )
    assert str(escape(notice)) in html
    assert "angripare@example.org" not in html
    assert state(db_session) == before
    user = db_session.get(User, shared.id)
    assert (user.name, user.email) == ("Delad Person", "delad@example.org")


def test_a_platform_admin_in_as_register_cannot_be_renamed_by_a(client, f, db_session):
    association = f.association()
    admin = f.admin(association)
    operator = f.user(association, name="Drift Person", platform_admin=True)
    db_session.commit()
    login(client, admin.email)
    before = state(db_session)
    response = post(
        client,
        f"/a/{association.slug}/people/{operator.id}",
        {"name": "Kapad", "email": "angripare@example.org"},
    )
    assert response.status_code == 400
    assert state(db_session) == before
