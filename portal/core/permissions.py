"""Who may do what. Small predicates reused by views, templates and (later) the API.

A principal — the current person's roles and group seats — is loaded once per
request and cached on ``flask.g``; policies are then plain set look-ups. Which
rows make a principal is the groups domain's business: ``create_app`` hands
its loader to :func:`use_principal_loader`, so core names no domain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from flask import Flask, current_app, g, has_request_context

LOADER_KEY = "portal_principal_loader"


class Person(Protocol):
    """The signed-in person (or the anonymous visitor), as policies see them."""

    @property
    def id(self) -> int: ...
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_platform_admin(self) -> bool: ...


class GroupRef(Protocol):
    """A group, as far as policies need it: which one, and whose."""

    @property
    def id(self) -> int: ...
    @property
    def association_id(self) -> int: ...


@dataclass(frozen=True)
class Principal:
    """What a signed-in person holds, as ids."""

    user_id: int
    platform_admin: bool
    admin_of: frozenset[int]
    board_of: frozenset[int]
    registered_in: frozenset[int]
    groups: frozenset[int]
    led_groups: frozenset[int]


def use_principal_loader(app: Flask, loader: Callable[[Person], Principal]) -> None:
    """Let ``app`` read principals with ``loader`` (called once by ``create_app``)."""
    app.extensions[LOADER_KEY] = loader


def load_principal(user: Person) -> Principal:
    """Read the person's principal afresh through the app's loader (no cache)."""
    loader: Callable[[Person], Principal] = current_app.extensions[LOADER_KEY]
    return loader(user)


def principal(user: Person) -> Principal:
    """The cached principal of ``user`` for this request."""
    if not has_request_context():
        return load_principal(user)
    cache: dict[int, Principal] = g.setdefault("principals", {})
    if user.id not in cache:
        cache[user.id] = load_principal(user)
    return cache[user.id]


def is_platform_admin(user: Person) -> bool:
    """Operators of the installation: create and edit associations."""
    return user.is_authenticated and user.is_platform_admin


def is_association_admin(user: Person, association_id: int) -> bool:
    """Association staff who manage agencies, groups, people and roles."""
    return user.is_authenticated and association_id in principal(user).admin_of


def is_board_member(user: Person, association_id: int) -> bool:
    """Board members read summaries; they see no personal data."""
    return user.is_authenticated and association_id in principal(user).board_of


def can_read_association(user: Person, association_id: int) -> bool:
    """Anyone registered in the association, or holding a role in it."""
    if not user.is_authenticated:
        return False
    p = principal(user)
    return association_id in p.registered_in | p.admin_of | p.board_of


def can_view_group(user: Person, group: GroupRef) -> bool:
    """Admins, the board and the group's current members see the group."""
    if not user.is_authenticated:
        return False
    p = principal(user)
    return (
        group.association_id in p.admin_of
        or group.association_id in p.board_of
        or group.id in p.groups
    )


def can_view_group_people(user: Person, group: GroupRef) -> bool:
    """Names of members are shown to admins and the group's own members, not the board."""
    if not user.is_authenticated:
        return False
    p = principal(user)
    return group.association_id in p.admin_of or group.id in p.groups


def can_lead_group(user: Person, group: GroupRef) -> bool:
    """Process leaders of the group and association admins run the group's work."""
    if not user.is_authenticated:
        return False
    p = principal(user)
    return group.association_id in p.admin_of or group.id in p.led_groups
