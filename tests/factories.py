"""Factory helpers that build valid rows with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from portal.accounts.models import User
from portal.accounts.services.passwords import hash_password
from portal.groups.models import Group, Membership, MembershipRole
from portal.organisations.models import (
    Agency,
    AgencyKind,
    Association,
    AssociationPerson,
    AssociationRole,
    AssociationRoleName,
)

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once
_seq = itertools.count(1)


class Factory:
    """Builds rows in the given session and flushes them."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def _add(self, obj: Any) -> Any:
        # Commit (a savepoint release in tests): a later error response, which rolls
        # back the request's work, must not take the test's own rows with it.
        self.session.add(obj)
        self.session.commit()
        return obj

    def association(self, name: str | None = None, slug: str | None = None) -> Association:
        n = next(_seq)
        return self._add(Association(name=name or f"Förbund {n}", slug=slug or f"forbund-{n}"))

    def agency(
        self,
        association: Association,
        name: str | None = None,
        kind: AgencyKind = AgencyKind.MUNICIPALITY,
    ) -> Agency:
        n = next(_seq)
        return self._add(
            Agency(association_id=association.id, name=name or f"Kommun {n}", kind=kind)
        )

    def user(
        self,
        association: Association | None = None,
        *,
        name: str | None = None,
        email: str | None = None,
        password: bool = True,
        platform_admin: bool = False,
    ) -> User:
        n = next(_seq)
        user = self._add(
            User(
                email=(email or f"person{n}@example.org").lower(),
                name=name or f"Person {n}",
                password_hash=_PASSWORD_HASH if password else None,
                is_platform_admin=platform_admin,
            )
        )
        if association is not None:
            self._add(AssociationPerson(association_id=association.id, user_id=user.id))
        return user

    def role(self, association: Association, user: User, role: AssociationRoleName) -> User:
        self._add(AssociationRole(association_id=association.id, user_id=user.id, role=role))
        return user

    def admin(self, association: Association, **kwargs: Any) -> User:
        return self.role(association, self.user(association, **kwargs), AssociationRoleName.ADMIN)

    def board(self, association: Association, **kwargs: Any) -> User:
        return self.role(association, self.user(association, **kwargs), AssociationRoleName.BOARD)

    def group(
        self,
        association: Association,
        name: str | None = None,
        municipalities: list[Agency] | None = None,
    ) -> Group:
        n = next(_seq)
        group = Group(association_id=association.id, name=name or f"Mysam {n}")
        group.municipalities = municipalities or [self.agency(association)]
        return self._add(group)

    def membership(
        self,
        group: Group,
        user: User | None = None,
        agency: Agency | None = None,
        role: MembershipRole = MembershipRole.MEMBER,
        valid_from: dt.date = dt.date(2020, 1, 1),
        valid_to: dt.date | None = None,
    ) -> Membership:
        association = group.association
        if user is None:
            user = self.user(association)
        if agency is None:
            agency = group.municipalities[0]
        return self._add(
            Membership(
                group_id=group.id,
                user_id=user.id,
                agency_id=agency.id,
                role=role,
                valid_from=valid_from,
                valid_to=valid_to,
            )
        )
