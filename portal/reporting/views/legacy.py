"""The summaries' old addresses (``/associations/<id>/…``, ``/groups/<id>/summary…``)
redirect permanently to their ``/a/<slug>/…`` ones.

Bookmarks and links in sent e-mails keep working. Pages answer 301; addresses a form
posts to answer 308, so the browser posts the same form again at the new address.
Whoever may not read the summary gets a 404 here as at the new address, so an old
address tells a stranger no association's slug. The query string goes along.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.loaders import require
from portal.extensions import db
from portal.groups.models import Group
from portal.organisations.models import Association
from portal.reporting import policies
from portal.reporting.blueprint import bp

OLD_REPORTS = "/associations/<int:association_id>/reports"
OLD_GROUP = "/groups/<int:group_id>/summary"
GET, POST = ["GET"], ["POST"]

# Old rule, new endpoint, methods, the rule's defaults.
BOARD_RULES: list[tuple[str, str, list[str], dict[str, Any] | None]] = [
    ("", "choose", GET, None),
    ("/<int:year>", "summary", GET, None),
    ("/<int:year>/print", "print_summary", GET, None),
    ("/<int:year>/export.xlsx", "export_summary", GET, {"ext": "xlsx"}),
    ("/<int:year>/export.csv", "export_summary", GET, {"ext": "csv"}),
    ("/<int:year>/texts", "texts_page", GET, None),
    ("/<int:year>/<period>/analysis/<section>", "save_analysis", POST, None),
    ("/<int:year>/areas", "add_area", POST, None),
    ("/<int:year>/areas/<int:area_id>", "update_area", POST, None),
    ("/<int:year>/areas/<int:area_id>/delete", "delete_area", ["GET", "POST"], None),
    ("/<int:year>/areas/<int:area_id>/carry", "carry_area", POST, None),
]
GROUP_RULES: list[tuple[str, str, list[str], dict[str, Any] | None]] = [
    ("", "group_choose", GET, None),
    ("/<int:year>", "group_page", GET, None),
    ("/<int:year>/export.xlsx", "export_group", GET, {"ext": "xlsx"}),
    ("/<int:year>/export.csv", "export_group", GET, {"ext": "csv"}),
]


def _moved(endpoint: str, methods: list[str], **values: Any) -> Response:
    """Permanently to ``endpoint`` with ``values`` and the same query string."""
    code = 308 if "POST" in methods else 301
    # The address's own values win over a query argument of the same name.
    arguments: dict[str, Any] = {**request.args.to_dict(flat=False), **values}
    target = url_for(f"reporting.{endpoint}", **arguments)
    return redirect(target, code)


def _old_board(endpoint: str, methods: list[str]) -> Any:
    def view(association_id: int, **values: Any) -> Response:
        association = db.session.scalar(
            sa.select(Association).where(Association.id == association_id)
        )
        require(
            association is not None
            and policies.can_read_board_summary(current_user, association.id)
        )
        assert association is not None
        return _moved(endpoint, methods, slug=association.slug, **values)

    return view


def _old_group(endpoint: str, methods: list[str]) -> Any:
    def view(group_id: int, **values: Any) -> Response:
        group = db.session.scalar(sa.select(Group).where(Group.id == group_id))
        require(group is not None and policies.can_read_group_summary(current_user, group))
        assert group is not None
        return _moved(endpoint, methods, slug=group.association.slug, group_id=group.id, **values)

    return view


def _register() -> None:
    """One old endpoint per new one (the two downloads share theirs), a rule per address."""
    views: dict[str, Any] = {}
    for prefix, rules, make in (
        (OLD_REPORTS, BOARD_RULES, _old_board),
        (OLD_GROUP, GROUP_RULES, _old_group),
    ):
        for rule, endpoint, methods, defaults in rules:
            view = views.setdefault(endpoint, make(endpoint, methods))
            bp.add_url_rule(
                prefix + rule,
                endpoint=f"old_{endpoint}",
                view_func=view,
                methods=methods,
                defaults=defaults or {},
            )


_register()
