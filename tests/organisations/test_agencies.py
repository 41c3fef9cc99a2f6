"""An agency that groups still need stays: organisations asks groups through a signal.

organisations imports no groups code (tests/test_dependencies.py); these tests prove
that the refusals still reach the agency services from the groups' rows.
"""

from __future__ import annotations

import datetime as dt

import pytest

from portal.core.errors import DomainError
from portal.groups.models import MembershipRole
from portal.organisations import services
from portal.organisations.models import AgencyKind


@pytest.fixture
def covered(f, db_session):
    association = f.association()
    admin = f.admin(association)
    municipality = f.agency(association, name="Ljusdals kommun")
    f.group(association, name="Mysam Ljusdal", municipalities=[municipality])
    return admin, municipality


def test_a_covered_municipality_must_stay_one(covered):
    admin, municipality = covered
    data = services.AgencyData(name=municipality.name, kind=AgencyKind.REGION)
    with pytest.raises(DomainError) as refused:
        services.update_agency(admin, municipality, data, municipality.lock_version)
    assert refused.value.field == "kind"
    assert municipality.kind is AgencyKind.MUNICIPALITY


def test_a_covered_municipality_is_not_deleted(covered, db_session):
    admin, municipality = covered
    with pytest.raises(DomainError, match="grupper som omfattar kommunen"):
        services.delete_agency(admin, municipality)


def test_an_agency_with_a_former_member_is_not_deleted(f, db_session):
    association = f.association()
    admin = f.admin(association)
    agency = f.agency(association, name="Försäkringskassan", kind=AgencyKind.STATE)
    group = f.group(association, name="Mysam Ljusdal")
    person = f.user(association, name="Eva Ek", email="eva.ek@example.org")
    f.membership(
        group,
        person,
        agency,
        MembershipRole.MEMBER,
        valid_from=dt.date(2023, 3, 1),
        valid_to=dt.date(2023, 12, 31),
    )
    with pytest.raises(DomainError, match="har haft medlemmar"):
        services.delete_agency(admin, agency)


def test_an_unused_municipality_may_change_kind_and_go(f, db_session):
    association = f.association()
    admin = f.admin(association)
    agency = f.agency(association, name="Nordanstigs kommun")
    data = services.AgencyData(name=agency.name, kind=AgencyKind.REGION)
    services.update_agency(admin, agency, data, agency.lock_version)
    assert agency.kind is AgencyKind.REGION
    services.delete_agency(admin, agency)
