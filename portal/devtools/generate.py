"""Synthetic data in the Gävleborg shape for N associations over Y years (``flask dev generate``).

Each association gets 13 member agencies (Arbetsförmedlingen, Försäkringskassan, a
region and ten municipalities), nine Mysam groups of 5–8 seats whose holders change
over the years (ended memberships are kept), an admin and a board member; then the
plans (:mod:`gen_plans`), meetings (:mod:`gen_meetings`) and survey rounds
(:mod:`gen_surveys`, and the other respondent groups' in :mod:`gen_respondent_groups`)
of every year. The years end with the current one. Rows are built as plain
dictionaries and written with :class:`~portal.devtools.bulk.BulkWriter`
in one transaction; the same seed and day give the same data.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import sqlalchemy as sa

from portal.cli.demo import FIRST, LAST
from portal.devtools.bulk import BulkWriter
from portal.devtools.context import AssociationData, Context, GroupData, Options, Report, Seat
from portal.extensions import db
from portal.groups.models import MembershipRole
from portal.organisations.models import AgencyKind, Association, AssociationRoleName

SLUG_PREFIX = "gen-"
NATIONAL_EMAIL = "natverket@gen.example.org"
PLACES = [
    "Norrbotten",
    "Västerbotten",
    "Jämtland",
    "Västernorrland",
    "Dalarna",
    "Värmland",
    "Örebro",
    "Västmanland",
    "Uppsala",
    "Sörmland",
    "Östergötland",
    "Jönköping",
    "Kronoberg",
    "Kalmar",
    "Blekinge",
    "Skåne",
    "Halland",
    "Västra Götaland",
    "Gotland",
    "Stockholm",
]
TOWNS = [
    "Aneby",
    "Boden",
    "Dorotea",
    "Eda",
    "Falun",
    "Gnosjö",
    "Habo",
    "Kiruna",
    "Lekeberg",
    "Malung",
    "Nora",
    "Orsa",
    "Piteå",
    "Rättvik",
    "Sala",
    "Torsby",
    "Umeå",
    "Vansbro",
    "Ydre",
    "Åre",
    "Älvdalen",
    "Östhammar",
    "Mora",
    "Leksand",
    "Hedemora",
    "Avesta",
]
# Seats besides the shared Försäkringskassan and Arbetsförmedlingen managers, with the
# yearly chance that the person in them changes.
TURNOVER = {"leader": 0.12, "region": 0.2, "municipality": 0.25, "extra": 0.3, "substitute": 0.2}


def already_generated() -> bool:
    """Whether the database holds generated associations already."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Association)
            .where(Association.slug.startswith(SLUG_PREFIX))
        )
        or 0
    ) > 0


def generate(options: Options, progress: Callable[[int, float], None] | None = None) -> Report:
    """Write the data (the caller commits). Refuses a database that has generated data."""
    from portal.devtools import gen_meetings, gen_plans, gen_respondent_groups, gen_surveys

    if already_generated():
        raise ValueError("the database already holds generated associations; use an empty one")
    started = time.perf_counter()
    instrument = gen_surveys.instrument()
    group_instruments = gen_respondent_groups.instruments()
    writer = BulkWriter(db.session.connection())
    ctx = Context(writer, options)
    for number in range(1, options.associations + 1):
        association = _association(ctx, number)
        gen_plans.add_plans(ctx, association)
        gen_meetings.add_meetings(ctx, association)
        gen_surveys.add_rounds(ctx, association, instrument)
        gen_respondent_groups.add_rounds(ctx, association, group_instruments)
        writer.flush()
        if progress is not None:
            progress(number, time.perf_counter() - started)
    _national_network(ctx)
    writer.flush()
    writer.reset_sequences()
    writer.analyze()
    return Report(dict(writer.counts), time.perf_counter() - started)


def _association(ctx: Context, number: int) -> AssociationData:
    place = PLACES[(number - 1) % len(PLACES)]
    slug = f"{SLUG_PREFIX}{number:03d}"
    row = {"slug": slug, "name": f"Samordningsförbundet {place} {number:03d}"}
    # Every tenth association declines being named in the national compilation.
    named = number % 10 != 0
    assoc_id = ctx.writer.add_with_id(
        "associations", {**row, "min_survey_answers": 3, "named_nationally": named}
    )
    admin = _user(ctx, assoc_id, slug, "forbundschef", password=True)
    board = _user(ctx, assoc_id, slug, "styrelse", password=True)
    for user_id, role in ((admin, AssociationRoleName.ADMIN), (board, AssociationRoleName.BOARD)):
        ctx.writer.add_with_id(
            "association_roles", {"association_id": assoc_id, "user_id": user_id, "role": role}
        )
    association = AssociationData(assoc_id, slug, number, admin)
    towns = ctx.rng.sample(TOWNS, 10)
    kinds = [("Arbetsförmedlingen", AgencyKind.STATE), ("Försäkringskassan", AgencyKind.STATE)]
    kinds += [(f"Region {place}", AgencyKind.REGION)]
    kinds += [(f"{town} kommun", AgencyKind.MUNICIPALITY) for town in towns]
    for name, kind in kinds:
        agency_id = ctx.writer.add_with_id(
            "agencies", {"association_id": assoc_id, "name": name, "kind": kind}
        )
        association.agencies[name] = (agency_id, kind)
    _groups(ctx, association, towns, place)
    return association


def _national_network(ctx: Context) -> None:
    """The national network's account, which reads the national compilation."""
    ctx.writer.add_with_id(
        "users",
        {
            "email": NATIONAL_EMAIL,
            "name": "Nationella nätverket",
            "password_hash": ctx.password_hash,
            "is_platform_admin": False,
            "is_national_network": True,
            "active": True,
            "locale": None,
            "session_version": 1,
            "created_at": ctx.now,
            "updated_at": ctx.now,
        },
    )


def _user(ctx: Context, assoc_id: int, slug: str, title: str, *, password: bool) -> int:
    """A new person in the association's register; returns the user id."""
    first, last = ctx.rng.choice(FIRST), ctx.rng.choice(LAST)
    user_id = ctx.writer.new_id("users")
    local = f"{first}.{last}".lower().translate(str.maketrans("åäöé", "aaoe"))
    ctx.writer.add(
        "users",
        {
            "id": user_id,
            "email": f"{title}.{local}.{user_id}@{slug}.example.org",
            "name": f"{first} {last}",
            "password_hash": ctx.password_hash if password else None,
            "is_platform_admin": False,
            "active": True,
            "locale": None,
            "session_version": 1,
            "created_at": ctx.now,
            "updated_at": ctx.now,
        },
    )
    ctx.writer.add("association_people", {"association_id": assoc_id, "user_id": user_id})
    ctx.names[user_id] = f"{first} {last}"
    return user_id


def _groups(ctx: Context, association: AssociationData, towns: list[str], place: str) -> None:
    """Nine groups; the last covers two municipalities (like Hudiksvall–Nordanstig)."""
    shared = {
        name: [
            _user(ctx, association.id, association.slug, "chef", password=True) for _ in range(3)
        ]
        for name in ("Försäkringskassan", "Arbetsförmedlingen")
    }
    for index in range(9):
        covered = towns[index : index + 1] if index < 8 else towns[8:10]
        name = f"Mysam {'–'.join(covered)}"
        municipality_ids = [association.agencies[f"{t} kommun"][0] for t in covered]
        group_id = ctx.writer.add_with_id(
            "groups",
            {
                "association_id": association.id,
                "name": name,
                "created_at": ctx.now,
                "updated_at": ctx.now,
            },
        )
        for agency_id in municipality_ids:
            ctx.writer.add("group_municipalities", {"group_id": group_id, "agency_id": agency_id})
        group = GroupData(group_id, name, municipality_ids)
        association.groups.append(group)
        _fill_group(ctx, association, group, index, covered, place, shared)


def _fill_group(
    ctx: Context,
    association: AssociationData,
    group: GroupData,
    index: int,
    covered: list[str],
    place: str,
    shared: dict[str, list[int]],
) -> None:
    """The seats of a group: the shared state managers, then seats with turnover."""
    start = dt.date(ctx.years[0], 1, 1)
    for agency_name, people in shared.items():
        user_id = people[index % 3]
        _seat(ctx, group, user_id, association.agencies[agency_name], MembershipRole.MEMBER, start)
    municipality = association.agencies[f"{covered[0]} kommun"]
    region = association.agencies[f"Region {place}"]
    seats: list[tuple[str, tuple[int, AgencyKind], MembershipRole]] = [
        ("leader", municipality, MembershipRole.PROCESS_LEADER),
        ("region", region, MembershipRole.MEMBER),
    ]
    seats += [
        ("municipality", association.agencies[f"{t} kommun"], MembershipRole.MEMBER)
        for t in covered
    ]
    if index % 2 == 0:
        seats.append(("extra", municipality, MembershipRole.MEMBER))
    if index % 3 == 0:
        seats.append(("substitute", region, MembershipRole.SUBSTITUTE))
    for kind, agency, role in seats:
        _seat_chain(ctx, association, group, kind, agency, role, start)


def _seat(
    ctx: Context,
    group: GroupData,
    user_id: int,
    agency: tuple[int, AgencyKind],
    role: MembershipRole,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
) -> Seat:
    row = {
        "group_id": group.id,
        "user_id": user_id,
        "agency_id": agency[0],
        "role": role,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "created_at": ctx.now,
        "updated_at": ctx.now,
    }
    seat = Seat(0, user_id, agency[0], agency[1], role, valid_from, valid_to)
    seat.id = ctx.writer.add_with_id("memberships", row)
    group.seats.append(seat)
    return seat


def _seat_chain(
    ctx: Context,
    association: AssociationData,
    group: GroupData,
    kind: str,
    agency: tuple[int, AgencyKind],
    role: MembershipRole,
    start: dt.date,
) -> None:
    """The people who held one seat over the years: each change ends one membership."""
    holders: list[tuple[dt.date, dt.date | None]] = []
    since = start
    for year in ctx.years:
        change = ctx.day_in(year, 3, 11)
        if ctx.rng.random() < TURNOVER[kind] and since < change < ctx.today:
            holders.append((since, change - dt.timedelta(days=1)))
            since = min(change + dt.timedelta(days=ctx.rng.randint(0, 30)), ctx.today)
    holders.append((since, None))
    leader = role is MembershipRole.PROCESS_LEADER
    for valid_from, valid_to in holders:
        user_id = _user(ctx, association.id, association.slug, kind, password=leader)
        _seat(ctx, group, user_id, agency, role, valid_from, valid_to)
