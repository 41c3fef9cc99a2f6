"""Loading what a summary page shows: the association or group, scoped and authorized.

Reporting has readers the association pages do not (a process leader need not be
registered in the association), so the association is found by its slug and
reporting's own policies decide; every refusal is a 404, like absence.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Response, abort
from flask_login import current_user

from portal.core import export
from portal.core.clock import STOCKHOLM
from portal.core.downloads import CSV, XLSX, attachment
from portal.core.loaders import load_scoped, require
from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Association
from portal.reporting import policies
from portal.reporting.services.period import FIRST_YEAR, LAST_YEAR


def find_association(slug: str) -> Association:
    """The association with this slug, else 404; the caller checks who may read."""
    association = db.session.scalar(sa.select(Association).where(Association.slug == slug))
    if association is None:
        abort(404)
    return association


def load_board_association(slug: str, *, write: bool = False) -> Association:
    """The association whose board summary the person may read (or, with ``write``,
    whose analysis texts and development areas the person may write), else 404."""
    association = find_association(slug)
    require(policies.can_read_board_summary(current_user, association.id))
    if write:
        require(policies.can_write_analysis(current_user, association.id))
    return association


def load_group(slug: str, group_id: int) -> tuple[Association, Group]:
    """The association and a group of it whose summary the person may read, else 404."""
    association = find_association(slug)
    group = load_scoped(Group, group_id, association)
    require(policies.can_read_group_summary(current_user, group))
    return association, group


def require_year(year: int) -> None:
    """404 for a year no summary covers."""
    require(FIRST_YEAR <= year <= LAST_YEAR)


def current_year() -> int:
    """This year in Stockholm."""
    return dt.datetime.now(STOCKHOLM).year


def chosen_year(asked: int | None) -> int:
    """The year a picker asked for, or this year when none or one out of range."""
    year = asked or current_year()
    return year if FIRST_YEAR <= year <= LAST_YEAR else current_year()


def download(title: str, parts: list[export.Table], filename: str, ext: str) -> Response:
    """The tables as one xlsx workbook (a sheet per table) or one CSV file."""
    if ext == "xlsx":
        return attachment(export.to_xlsx(title, parts), XLSX, f"{filename}.{ext}")
    return attachment(export.to_csv(parts), CSV, f"{filename}.{ext}")
