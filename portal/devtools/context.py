"""What the generator's parts share: the options, the rows they hand on, and the context.

``generate`` builds associations and groups and hands them to the plans, meetings and
survey generators (``gen_*.py``), which take these types from here.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from flask import current_app

from portal.accounts.services.passwords import hash_password
from portal.cli.demo import DEMO_PASSWORD
from portal.core import clock
from portal.db import utcnow
from portal.devtools.bulk import BulkWriter
from portal.groups.models import MembershipRole
from portal.organisations.models import AgencyKind


@dataclass(frozen=True)
class Options:
    """What to generate."""

    associations: int
    years: int
    seed: int = 2026
    today: dt.date | None = None


@dataclass
class Seat:
    """One membership row, as the generator needs it later."""

    id: int
    user_id: int
    agency_id: int
    agency_kind: AgencyKind
    role: MembershipRole
    valid_from: dt.date
    valid_to: dt.date | None

    def holds(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


@dataclass
class GroupData:
    """A generated group and every seat it has had."""

    id: int
    name: str
    agency_ids: list[int]
    seats: list[Seat] = field(default_factory=list)

    def current(self, day: dt.date) -> list[Seat]:
        """The seats held on ``day``, one per person (the first seat wins)."""
        seen: set[int] = set()
        out = []
        for seat in self.seats:
            if seat.holds(day) and seat.user_id not in seen:
                seen.add(seat.user_id)
                out.append(seat)
        return out

    def leader(self, day: dt.date) -> Seat | None:
        return next((s for s in self.current(day) if s.role is MembershipRole.PROCESS_LEADER), None)


@dataclass
class AssociationData:
    """A generated association, handed to the plans, meetings and survey generators."""

    id: int
    slug: str
    number: int
    admin_id: int
    agencies: dict[str, tuple[int, AgencyKind]] = field(default_factory=dict)
    groups: list[GroupData] = field(default_factory=list)


@dataclass
class Report:
    """Rows written per table and the time it took."""

    counts: dict[str, int]
    seconds: float


class Context:
    """What every part of the generator shares: the writer, the randomness, the dates."""

    def __init__(self, writer: BulkWriter, options: Options) -> None:
        self.writer = writer
        self.rng = random.Random(options.seed)  # noqa: S311 - synthetic data, not security
        self.seed = options.seed
        self.today = options.today or clock.today()
        self.years = list(range(self.today.year - options.years + 1, self.today.year + 1))
        self.now = utcnow()
        self.password_hash = hash_password(DEMO_PASSWORD)
        self.secret_key = str(current_app.config["SECRET_KEY"])
        self.names: dict[int, str] = {}

    def moment(self, day: dt.date, hour: int = 10) -> dt.datetime:
        """A UTC instant on ``day``, never later than now."""
        return min(dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC), self.now)

    def day_in(self, year: int, first_month: int = 1, last_month: int = 12) -> dt.date:
        start = dt.date(year, first_month, 1)
        end = dt.date(year, last_month, 28)
        return start + dt.timedelta(days=self.rng.randint(0, (end - start).days))
