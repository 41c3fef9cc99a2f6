"""Participant codes: issuing them for a round's group (a sheet to cut out, or a list
for a partner), withdrawing a lost sheet's unused ones, and the page where a
participant enters a code.

A code is shown once, in the response to the request that issued it; the database
keeps only a keyed hash. The entry page takes the code in a POST (never in an address
that a submit goes through); the QR code's address carries it, opens the survey as a
link does and exchanges it for the slot cookie. Every refusal is the same page: it
never says whether a code exists, was used, or belongs to another round.
"""

from __future__ import annotations

import secrets

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core import downloads
from portal.core.errors import DomainError
from portal.core.forms import choices
from portal.core.loaders import require
from portal.core.security import public
from portal.core.transactions import atomic, without_transaction
from portal.core.urls import absolute_url
from portal.extensions import limiter
from portal.organisations.models import Association
from portal.surveys import answering, crypto, policies, services, sheets
from portal.surveys.answering.codes import token_for_code
from portal.surveys.blueprint import PREFIX, bp
from portal.surveys.forms import CodeEntryForm, CodeIssueForm, ConfirmForm
from portal.surveys.models import RESPONDENT_GROUP_LABELS, SurveyRound
from portal.surveys.views.common import load_round, status_label
from portal.surveys.views.respond import new_slot, with_slot

PDF = "application/pdf"


# --- issuing -------------------------------------------------------------------------


def _issue_form(survey_round: SurveyRound) -> CodeIssueForm:
    form = CodeIssueForm()
    allowed = policies.code_groups(current_user, survey_round)
    form.group_id.choices = choices((g.id, g.name) for g in survey_round.groups if g.id in allowed)
    if request.method == "GET":
        form.request_key.data = secrets.token_urlsafe(24)
        form.count.data = 30
        if len(form.group_id.choices) == 1:  # a process leader of one group
            form.group_id.data = form.group_id.choices[0].value
    return form


def _codes_page(
    association: Association, survey_round: SurveyRound, form: CodeIssueForm, status: int
) -> tuple[str, int]:
    allowed = policies.code_groups(current_user, survey_round)
    rates = services.response_rates(survey_round)
    return render_template(
        "surveys/codes.html",
        association=association,
        survey_round=survey_round,
        form=form,
        batches=services.batches_of(survey_round, allowed),
        rates=[r for r in rates.groups if r.group_id in allowed],
        total=rates.total,
        max_codes=services.MAX_CODES,
        accepts_answers=services.accepts_answers(survey_round),
        status_label=status_label,
        withdraw_form=ConfirmForm(),
    ), status


def _load_codes_round(slug: str, round_id: int) -> tuple[Association, SurveyRound]:
    association, survey_round = load_round(slug, round_id)
    require(policies.can_issue_codes(current_user, survey_round))
    return association, survey_round


@bp.route(f"{PREFIX}/<int:round_id>/codes", methods=["GET", "POST"])
def codes(slug: str, round_id: int) -> Response | tuple[str, int]:
    """Issue participant codes; the response to the POST is the only place they are
    ever shown (a PDF sheet, a printable list or a CSV file)."""
    association, survey_round = _load_codes_round(slug, round_id)
    form = _issue_form(survey_round)
    if not form.validate_on_submit():
        return _codes_page(association, survey_round, form, form.status)
    try:
        with atomic():
            issued = services.issue_codes(
                current_user,
                survey_round,
                form.group_id.data,
                form.count.data,
                form.request_key.data,
            )
    except services.AlreadyIssuedError as error:
        form.add_domain_error(error)
        form.request_key.data = secrets.token_urlsafe(24)  # a new submit issues anew
        return _codes_page(association, survey_round, form, 409)
    except DomainError as error:
        form.add_domain_error(error)
        return _codes_page(association, survey_round, form, 400)
    slips = _slips(association, survey_round, issued)
    name = downloads.file_name(
        _("codes"), survey_round.year, issued.batch.group.name, issued.batch.id
    )
    if form.output.data == "pdf":
        title = _("Participant codes") + f" – {association.name} {survey_round.year}"
        response = downloads.attachment(sheets.code_sheet_pdf(slips, title), PDF, name + ".pdf")
    elif form.output.data == "csv":
        header = [_("Group"), _("Code"), _("Answer at"), _("Address with the code")]
        body = sheets.code_list_csv(header, slips)
        response = downloads.attachment(body, downloads.CSV, name + ".csv")
    else:
        response = current_app.make_response(
            render_template(
                "surveys/codes_list.html",
                association=association,
                survey_round=survey_round,
                batch=issued.batch,
                slips=slips,
            )
        )
    response.headers["Cache-Control"] = "no-store"
    return response


def _slips(
    association: Association, survey_round: SurveyRound, issued: services.IssuedCodes
) -> list[sheets.Slip]:
    survey = _("Survey %(year)s", year=survey_round.year)
    survey += " – " + str(RESPONDENT_GROUP_LABELS[survey_round.respondent_group])
    address = absolute_url("surveys.respond_code")
    slips = []
    for code in issued.codes:
        printed = crypto.format_code(code)
        slips.append(
            sheets.Slip(
                association=association.name,
                survey=survey,
                group=issued.batch.group.name,
                address=address,
                address_label=_("Answer at"),
                code=printed,
                code_label=_("Your code, good for one response"),
                qr_url=absolute_url("surveys.respond_code_open", code=printed),
            )
        )
    return slips


@bp.route(f"{PREFIX}/<int:round_id>/codes/<int:batch_id>/withdraw", methods=["POST"])
def withdraw_codes(slug: str, round_id: int, batch_id: int) -> Response:
    """Withdraw a sheet's unused codes (lost or spoilt): they stop working."""
    _association, survey_round = _load_codes_round(slug, round_id)
    batch = services.load_batch(survey_round, batch_id)
    if batch is None or batch.group_id not in policies.code_groups(current_user, survey_round):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with atomic():
            count = services.withdraw_batch(current_user, survey_round, batch)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(
            _("%(n)d unused codes were withdrawn; they can no longer be used.", n=count), "success"
        )
    return redirect(url_for(".codes", slug=slug, round_id=round_id))


# --- entering a code -------------------------------------------------------------------


def _code_limit() -> str:
    return str(current_app.config["SURVEY_CODE_RATE_LIMIT"])


def _refused(response: Response) -> bool:
    """Only refused codes count towards an address's limit: a class answering on one
    network is not held up, a guesser is."""
    return response.status_code >= 400


# One limit for both ways in: typing (POST) and the QR address (GET).
_limit = limiter.shared_limit(
    _code_limit,
    scope="survey-code",
    key_func=get_remote_address,
    methods=["POST", "GET"],
    deduct_when=_refused,
    exempt_when=lambda: request.endpoint == "surveys.respond_code" and request.method != "POST",
)


def _access(typed: str) -> answering.Access | None:
    """The access of a code that may be answered now, else None (whatever the reason)."""
    token = token_for_code(typed)
    access = None if token is None else answering.find(token)
    if answering.state(access) is not answering.LinkState.OPEN:
        return None
    return access


def _entry_page(form: CodeEntryForm, status: int, refused: bool) -> tuple[str, int]:
    return render_template("surveys/respond/code.html", form=form, refused=refused), status


@bp.route("/survey/kod", methods=["GET", "POST"])
@public
@_limit
def respond_code() -> Response | tuple[str, int]:
    """Where a participant types the code from their slip (POST, so the code is in no
    address); a code that works opens the survey as a link does."""
    without_transaction()
    form = CodeEntryForm()
    if request.method != "POST":
        return _entry_page(form, 200, refused=False)
    access = _access(form.code.data or "") if form.validate_on_submit() else None
    if access is None:
        form.code.errors = []  # one message for every refusal, shape included
        return _entry_page(form, 400, refused=True)
    slot = new_slot()
    return with_slot(redirect(url_for(".respond_start", slot=slot), 303), slot, access)


@bp.route("/survey/kod/<code>")
@public
@_limit
def respond_code_open(code: str) -> Response | tuple[str, int]:
    """The QR code's address: opens the survey with the code as a link opens it (the
    code is in this one address, as a link's token is); a refused code gets the entry
    page with the same message as a typed one."""
    without_transaction()
    access = _access(code)
    if access is None:
        form = CodeEntryForm(formdata=None, data={"code": code[:40]})
        return _entry_page(form, 404, refused=True)
    slot = new_slot()
    started = bool(answering.load_draft(access))
    page = render_template("surveys/respond/start.html", access=access, started=started, slot=slot)
    return with_slot(current_app.make_response(page), slot, access)
