"""Personal data rights: register extracts (any person for the platform admin, one's own
for everyone) and erasure."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.models import User
from portal.core import audit
from portal.core.confirm import confirm_delete
from portal.core.downloads import attachment, file_name
from portal.core.transactions import atomic
from portal.extensions import db
from portal.privacy.blueprint import bp
from portal.privacy.forms import PersonSearchForm
from portal.privacy.services import erasure
from portal.privacy.services.extract import extract

SEARCH_LIMIT = 50


def _person(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/platform/people")
def people() -> str:
    """Find the person a request is about."""
    form = PersonSearchForm(request.args)
    found: list[User] = []
    query = (form.q.data or "").strip() if form.validate() else ""
    if query:
        found = list(
            db.session.scalars(
                sa.select(User)
                .where(sa.or_(User.name.icontains(query, autoescape=True),
                              User.email.icontains(query, autoescape=True)))
                .order_by(User.name)
                .limit(SEARCH_LIMIT)
            )
        )  # fmt: skip
    return render_template("privacy/people.html", form=form, found=found, query=query)


def _shown(value: Any) -> str:
    return audit.value_label("extract", "", value)


def _rows(items: list[dict[str, Any]], *keys: str) -> list[list[str]]:
    return [[_shown(item[key]) for key in keys] for item in items]


def _sections(data: dict[str, Any]) -> list[tuple[str, str, list[str], list[list[str]]]]:
    """The extract's tables as the page shows them: id, caption, headers, rows."""
    associations = [[a["association"], ", ".join(a["roles"]) or "–"] for a in data["associations"]]
    return [
        ("associations-heading", _("Associations and roles"),
         [_("Association"), _("Roles")], associations),
        ("memberships-heading", _("Memberships"),
         [_("Group"), _("Agency"), _("Role"), _("From"), _("To")],
         _rows(data["memberships"], "group", "agency", "role", "from", "to")),
        ("meetings-heading", _("Meetings invited to"),
         [_("Meeting"), _("Group"), _("Attendance"), _("As substitute")],
         _rows(data["meetings"], "meeting", "group", "attendance", "as_substitute")),
        ("activities-heading", _("Activities responsible for"),
         [_("Plan"), _("Activity"), _("Due"), _("Status")],
         _rows(data["activities"], "plan", "activity", "due", "status")),
        ("texts-heading", _("Texts written"), [_("Kind"), _("Written"), _("Text")],
         _rows(data["texts"], "kind", "written", "text")),
        ("audit-heading", _("Audit log entries"),
         [_("When"), _("Action"), _("About them"), _("Summary")],
         [[_shown(e["when"]), audit.action_label(e["action"]), _shown(e["about_them"]),
           e["summary"] or "–"] for e in data["audit"]]),
        ("mail-heading", _("E-mail sent to them"),
         [_("Written"), _("Sent"), _("Status"), _("Subject")],
         _rows(data["mail"], "written", "sent", "status", "subject")),
    ]  # fmt: skip


def _account(data: dict[str, Any]) -> list[tuple[str, str]]:
    account = data["account"]
    return [
        (_("Name"), account["name"]),
        (_("E-mail"), account["email"]),
        (_("Registered"), _shown(account["registered"])),
        (_("Password chosen"), _shown(account["password_set"])),
        (_("Two-factor sign-in"), _shown(account["two_factor"])),
        (_("Platform administrator"), _shown(account["platform_admin"])),
        (_("Signed-in sessions"), str(len(account["sessions"]))),
    ]


def _extract_page(user: User, *, own: bool) -> str:
    data = extract(user)
    return render_template(
        "privacy/extract.html", person=user, account=_account(data),
        sections=_sections(data), own=own,
    )  # fmt: skip


def _extract_json(user: User) -> Response:
    body = json.dumps(extract(user), ensure_ascii=False, indent=2)
    name = file_name("registerutdrag", user.id) + ".json"
    return attachment(body, "application/json", name)


@bp.route("/platform/people/<int:user_id>/extract")
def person_extract(user_id: int) -> str:
    """Everything the portal holds about one person (platform admin)."""
    user = _person(user_id)
    return _extract_page(user, own=False)


@bp.route("/platform/people/<int:user_id>/extract.json")
def person_extract_json(user_id: int) -> Response:
    """The same extract as a JSON file; producing it is recorded."""
    user = _person(user_id)
    with atomic():
        audit.record(
            actor=current_user, action="person.extract", obj=user, association_id=None,
            summary=erasure.pseudonym(user),
        )  # fmt: skip
    return _extract_json(user)


@bp.route("/account/register-extract")
def own_extract() -> str:
    """A person's own register extract, from their account page."""
    return _extract_page(current_user, own=True)


@bp.route("/account/register-extract.json")
def own_extract_json() -> Response:
    """One's own extract as a JSON file."""
    return _extract_json(current_user)


@bp.route("/platform/people/<int:user_id>/erase", methods=["GET", "POST"])
def person_erase(user_id: int) -> Response | tuple[str, int] | str:
    """Erase a person after a confirmation page; refused, with the reason, where a record
    must keep the name."""
    user = _person(user_id)
    if erasure.is_erased(user):
        flash(_("This person has already been erased."), "info")
        return redirect(url_for(".person_extract", user_id=user.id))
    refused = erasure.refusal(user)
    if refused is not None:
        return render_template("privacy/erase_refused.html", person=user, refusal=refused), 409
    if request.method == "GET":
        return confirm_delete(
            question=_("Erase this person?"),
            name=user.name,
            button=_("Erase"),
            cancel=url_for(".person_extract", user_id=user.id),
            note=_(
                "The name and e-mail address are replaced by %(alias)s everywhere, also in "
                "texts and the audit log. Memberships, attendance and every figure stay. "
                "This cannot be undone.",
                alias=erasure.pseudonym(user),
            ),
            kept=erasure.kept_in_records(user),
        )
    with atomic():
        alias = erasure.erase(current_user, user)
    flash(_("The person was erased and is now shown as %(alias)s.", alias=alias), "success")
    return redirect(url_for(".person_extract", user_id=user.id))
