"""The Gävleborg demo: Samordningsförbund Gävleborg as described in the 2019 review.

13 member agencies, 9 Mysam groups (Hudiksvall and Nordanstig share one), 4–8
members per group, a process leader per group, one association admin, two board
members and a platform admin. Loading twice changes nothing: every row is looked
up by its natural key first. People and names are invented.
"""

from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa
from flask import current_app

from portal.accounts.models import User
from portal.accounts.services import totp
from portal.accounts.services.passwords import hash_password
from portal.extensions import db
from portal.groups.models import Group, Membership, MembershipRole
from portal.organisations.models import (
    Agency,
    AgencyKind,
    Association,
    AssociationPerson,
    AssociationRole,
    AssociationRoleName,
)

# A demo password: the command refuses to run in production.
DEMO_PASSWORD = "demo-losenord-2026"  # noqa: S105
DOMAIN = "gavleborg.example.org"
# The second board member signs in with two-factor: this published key goes into any
# authenticator app (the codes depend on the time). The recovery codes work once per
# `demo load`. The key is stored encrypted with SECRET_KEY: set the same SECRET_KEY for
# `demo load` and the server, or use a recovery code.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - published demo key
DEMO_RECOVERY_CODES = ["demo1-00001", "demo1-00002", "demo1-00003"]

STATE_AND_REGION = [
    ("Arbetsförmedlingen", AgencyKind.STATE),
    ("Försäkringskassan", AgencyKind.STATE),
    ("Region Gävleborg", AgencyKind.REGION),
]
# The official names: a municipality whose name ends in a vowel or an s takes no genitive s.
MUNICIPALITY_NAMES = {
    "Bollnäs": "Bollnäs kommun",
    "Gävle": "Gävle kommun",
    "Hofors": "Hofors kommun",
    "Hudiksvall": "Hudiksvalls kommun",
    "Ljusdal": "Ljusdals kommun",
    "Nordanstig": "Nordanstigs kommun",
    "Ockelbo": "Ockelbo kommun",
    "Ovanåker": "Ovanåkers kommun",
    "Sandviken": "Sandvikens kommun",
    "Söderhamn": "Söderhamns kommun",
}
MUNICIPALITIES = [
    "Bollnäs",
    "Gävle",
    "Hofors",
    "Hudiksvall",
    "Ljusdal",
    "Nordanstig",
    "Ockelbo",
    "Ovanåker",
    "Sandviken",
    "Söderhamn",
]
GROUPS = [
    ("Mysam Bollnäs", ["Bollnäs"]),
    ("Mysam Gävle", ["Gävle"]),
    ("Mysam Hofors", ["Hofors"]),
    ("Mysam Hudiksvall–Nordanstig", ["Hudiksvall", "Nordanstig"]),
    ("Mysam Ljusdal", ["Ljusdal"]),
    ("Mysam Ockelbo", ["Ockelbo"]),
    ("Mysam Ovanåker", ["Ovanåker"]),
    ("Mysam Sandviken", ["Sandviken"]),
    ("Mysam Söderhamn", ["Söderhamn"]),
]
FIRST = [
    "Anna",
    "Erik",
    "Karin",
    "Lars",
    "Maria",
    "Johan",
    "Eva",
    "Per",
    "Sara",
    "Mikael",
    "Lena",
    "Anders",
    "Helena",
    "Fredrik",
    "Ingrid",
    "Jonas",
    "Malin",
    "Peter",
    "Sofia",
    "Magnus",
    "Linda",
    "Stefan",
    "Emma",
    "Nils",
    "Ida",
    "Olof",
    "Elin",
    "Gustav",
]
LAST = [
    "Andersson",
    "Berg",
    "Carlsson",
    "Dahl",
    "Ek",
    "Falk",
    "Gran",
    "Holm",
    "Isaksson",
    "Jansson",
    "Kvist",
    "Lind",
    "Mattsson",
    "Nord",
    "Olsson",
    "Persson",
    "Qvarfort",
    "Ros",
    "Sjöberg",
    "Tall",
    "Ulander",
    "Vik",
    "Wallin",
    "Åberg",
    "Öhman",
]

DEMO_SIGN_INS = [
    ("Platform administrator", f"plattform@{DOMAIN}"),
    ("National network", f"natverket@{DOMAIN}"),
    ("Association administrator", f"forbundschef@{DOMAIN}"),
    ("Board member", f"styrelse1@{DOMAIN}"),
    ("Board member, two-factor", f"styrelse2@{DOMAIN}"),
    ("Process leader, Mysam Gävle", f"processledare.gavle@{DOMAIN}"),
    ("Member, several groups (FK)", f"fk.chef1@{DOMAIN}"),
]
START = dt.date(2023, 1, 1)


def _get_or_create(model: type, lookup: dict[str, object], **values: object) -> tuple[object, bool]:
    obj = db.session.scalar(sa.select(model).filter_by(**lookup))
    if obj is not None:
        return obj, False
    obj = model(**lookup, **values)
    db.session.add(obj)
    db.session.flush()
    return obj, True


@functools.cache
def _demo_password_hash() -> str:
    # argon2 is slow on purpose; every demo person shares the one published password.
    return hash_password(DEMO_PASSWORD)


def _person(
    association: Association,
    email: str,
    name: str,
    password: bool = True,
    register: bool = True,
) -> User:
    user, created = _get_or_create(User, {"email": email}, name=name)
    assert isinstance(user, User)
    if created and password:
        user.password_hash = _demo_password_hash()
    if register:
        _get_or_create(AssociationPerson, {"association_id": association.id, "user_id": user.id})
    return user


def _role(association: Association, user: User, role: AssociationRoleName) -> None:
    _get_or_create(
        AssociationRole, {"association_id": association.id, "user_id": user.id, "role": role}
    )


def _seat(
    group: Group,
    user: User,
    agency: Agency,
    role: MembershipRole,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
) -> None:
    _get_or_create(
        Membership,
        {
            "group_id": group.id,
            "user_id": user.id,
            "agency_id": agency.id,
            "role": role,
            "valid_from": valid_from,
        },
        valid_to=valid_to,
    )


def _slug(text: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "–": "-", " ": "-"})
    return text.lower().translate(table)


def load() -> bool:
    """Load (or complete) the demo; True when the association was new."""
    association, created = _get_or_create(
        Association, {"slug": "gavleborg"}, name="Samordningsförbund Gävleborg"
    )
    assert isinstance(association, Association)
    # The operator runs the installation; they are not in the association's register.
    platform = _person(association, f"plattform@{DOMAIN}", "Pia Plattform", register=False)
    platform.is_platform_admin = True
    # The national network reads the national compilation and no association's pages.
    national = _person(association, f"natverket@{DOMAIN}", "Nina Nätverk", register=False)
    national.is_national_network = True
    admin = _person(association, f"forbundschef@{DOMAIN}", "Frida Förbundschef")
    _role(association, admin, AssociationRoleName.ADMIN)
    for n in (1, 2):
        board = _person(association, f"styrelse{n}@{DOMAIN}", f"Styrelseledamot {n}")
        _role(association, board, AssociationRoleName.BOARD)
    totp.set_secret(
        board, DEMO_TOTP_SECRET, DEMO_RECOVERY_CODES, str(current_app.config["SECRET_KEY"])
    )
    for n in range(3, 8):  # a board of seven: its survey rounds have answers above k
        member = _person(association, f"styrelse{n}@{DOMAIN}", f"Styrelseledamot {n}")
        _role(association, member, AssociationRoleName.BOARD)

    agencies: dict[str, Agency] = {}
    for name, kind in STATE_AND_REGION + [(m, AgencyKind.MUNICIPALITY) for m in MUNICIPALITIES]:
        label = MUNICIPALITY_NAMES.get(name, name)
        agency, _ = _get_or_create(
            Agency, {"association_id": association.id, "name": label}, kind=kind
        )
        assert isinstance(agency, Agency)
        agencies[name] = agency

    # Försäkringskassan and Arbetsförmedlingen managers each cover several municipalities.
    fk = [_person(association, f"fk.chef{i}@{DOMAIN}", f"{FIRST[i]} {LAST[i]}") for i in (1, 2, 3)]
    af = [
        _person(association, f"af.chef{i}@{DOMAIN}", f"{FIRST[i + 4]} {LAST[i + 4]}")
        for i in (1, 2, 3)
    ]
    for index, (group_name, municipalities) in enumerate(GROUPS):
        group, _ = _get_or_create(Group, {"association_id": association.id, "name": group_name})
        assert isinstance(group, Group)
        if not group.municipalities:
            group.municipalities = [agencies[m] for m in municipalities]
        _populate_group(association, group, index, municipalities, agencies, fk, af)
    from portal.meetings.demo import load_demo as load_meetings_demo

    load_meetings_demo(association)
    from portal.plans.demo import load_demo as load_plans_demo

    load_plans_demo(association)
    from portal.documents.demo import load_demo as load_documents_demo

    load_documents_demo(association)
    from portal.surveys import demo_codes, demo_respondents
    from portal.surveys.demo import load_demo as load_surveys_demo

    load_surveys_demo(association)  # the managers' rounds, one of them open
    demo_respondents.load_demo(association)  # the board's and the staff's rounds
    demo_codes.load_demo(association)  # the participants' rounds, one of them open
    from portal.reporting.demo import load_demo as load_reporting_demo

    load_reporting_demo(association)
    from portal.reporting.demo_texts import load_demo as load_report_texts_demo

    load_report_texts_demo(association)
    from portal.api.demo import load_demo as load_api_demo

    load_api_demo(association)
    from portal.privacy.demo import load_demo as load_privacy_demo

    load_privacy_demo(association)
    from portal.national.demo import load_demo as load_national_demo

    load_national_demo()
    return created


def _populate_group(
    association: Association,
    group: Group,
    index: int,
    municipalities: list[str],
    agencies: dict[str, Agency],
    fk: list[User],
    af: list[User],
) -> None:
    key = _slug(municipalities[0])

    def name(k: int) -> str:
        return f"{FIRST[(index * 3 + k) % len(FIRST)]} {LAST[(index * 5 + k) % len(LAST)]}"

    leader = _person(association, f"processledare.{key}@{DOMAIN}", name(0))
    _seat(group, leader, agencies[municipalities[0]], MembershipRole.PROCESS_LEADER, START)
    _seat(group, fk[index % 3], agencies["Försäkringskassan"], MembershipRole.MEMBER, START)
    _seat(group, af[index % 3], agencies["Arbetsförmedlingen"], MembershipRole.MEMBER, START)
    region = _person(association, f"region.{key}@{DOMAIN}", name(1))
    _seat(group, region, agencies["Region Gävleborg"], MembershipRole.MEMBER, START)
    for offset, m in enumerate(municipalities):
        social = _person(association, f"socialtjanst.{_slug(m)}@{DOMAIN}", name(2 + offset))
        _seat(group, social, agencies[m], MembershipRole.MEMBER, START)
    if index % 2 == 0:  # a substitute in every other group
        sub = _person(association, f"ersattare.{key}@{DOMAIN}", name(5))
        _seat(
            group, sub, agencies["Region Gävleborg"], MembershipRole.SUBSTITUTE, dt.date(2024, 3, 1)
        )
    if index % 3 == 0:  # turnover: a member who left and the one who replaced them
        former = _person(association, f"tidigare.{key}@{DOMAIN}", name(6), password=False)
        _seat(
            group,
            former,
            agencies[municipalities[0]],
            MembershipRole.MEMBER,
            START,
            dt.date(2024, 6, 30),
        )
        successor = _person(association, f"ny.{key}@{DOMAIN}", name(7))
        _seat(
            group,
            successor,
            agencies[municipalities[0]],
            MembershipRole.MEMBER,
            dt.date(2024, 8, 15),
        )
