"""Answering from the personal link: no account, no sign-in.

Every route is ``@public``; the link's token is the only key. An unknown or tampered
token and a closed round get the very same page, so the link reveals nothing.

The token is in one address only, the link's (``/survey/<token>``). Opening it shows
the opening page and exchanges the token for a short-lived cookie (HttpOnly,
SameSite=Strict, valid only under ``/survey/s/<slot>``), where ``<slot>`` is random for
every opening and stored nowhere; the page's links lead there. The pages that answer,
save, review and submit carry the slot, never the token: an access log shows the token
when the link is opened, and the slot, which names nobody, for the rest.
"""

from __future__ import annotations

import secrets
from collections.abc import Hashable

from flask import (
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from portal.core.errors import DomainError
from portal.core.htmx import is_htmx
from portal.core.security import public
from portal.core.transactions import atomic, without_transaction
from portal.extensions import csrf, db
from portal.surveys import answering
from portal.surveys.answering import Access, AlreadyAnsweredError, AskedQuestion, LinkState
from portal.surveys.answering.caches import BLANK_QUESTIONNAIRES
from portal.surveys.blueprint import bp
from portal.surveys.forms import (
    QUESTION_MARKER_RE,
    AnswerFormBase,
    ConfirmForm,
    answer_form,
    kept_question_markup,
    scale_options,
)
from portal.surveys.views import slots
from portal.surveys.views.slots import SLOT_COOKIE, SLOT_HOURS

READING = frozenset({"GET", "HEAD"})  # Flask answers HEAD with the GET view
SLOT_BYTES = 24  # 32 characters
RESPONDENT_PAGES = "/survey/s/"  # the slot's pages: their state is the slot cookie


def _slot_path(slot: str) -> str:
    return url_for(".respond_start", slot=slot)


def _secret() -> str | bytes:
    secret: str | bytes = current_app.config["SECRET_KEY"]
    return secret


def _slot_token(slot: str) -> str | None:
    """The token this request's cookie holds for ``slot``, if it is valid and fresh."""
    cookie = slots.load(_secret(), request.cookies.get(SLOT_COOKIE), slot)
    return None if cookie is None else cookie.token


def _slot_csrf() -> str | None:
    """The CSRF token of this request's slot cookie (``slots.csrf_token``): it proves
    what the session's token proves, without reading the session."""
    cookie = request.cookies.get(SLOT_COOKIE)
    return slots.csrf_token(_secret(), cookie) if cookie else None


def _check_slot_csrf() -> None:
    """Refuse a POST (400, the CSRF error page) unless it carries its slot's CSRF token
    or, as every other form of the portal, the session's."""
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRFToken") or ""
    if slots.csrf_matches(_secret(), request.cookies.get(SLOT_COOKIE), sent):
        return
    csrf.protect()  # the session's token (raises CSRFError, a 400, when it is not valid)


def _unusable() -> tuple[str, int]:
    return render_template("surveys/respond/unusable.html"), 404


def _open_access(slot: str) -> Access | Response | tuple[str, int]:
    """The access for an open link, else the page the link should show instead."""
    if request.method in READING:
        without_transaction()  # one query, nothing written
    token = _slot_token(slot)
    access = None if token is None else answering.find(token)
    link_state = answering.state(access)
    if link_state is LinkState.UNUSABLE:
        return _unusable()
    if link_state is LinkState.ANSWERED:
        return redirect(url_for(".respond_receipt", slot=slot))
    assert access is not None
    return access


def _grouped(
    access: Access, form: AnswerFormBase
) -> list[tuple[str, list[tuple[str, AskedQuestion]]]]:
    """[(indicator title, [(field name, question)])] in instrument order."""
    groups: list[tuple[str, list[tuple[str, AskedQuestion]]]] = []
    for name, question in form.questions.items():
        if not groups or groups[-1][0] != question.indicator_title:
            groups.append((question.indicator_title, []))
        groups[-1][1].append((name, question))
    return groups


# Pages behind a personal link are never cached nor sent as a referrer.
PRIVATE_HEADERS = (("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer"))


@bp.after_request
def _private(response: Response) -> Response:
    """``PRIVATE_HEADERS`` on every respondent page."""
    if request.endpoint and request.endpoint.startswith("surveys.respond"):
        for name, value in PRIVATE_HEADERS:
            response.headers[name] = value
    return response


@bp.route("/survey/<token>")
@public
def respond_enter(token: str) -> Response | tuple[str, int] | str:
    """The link from the e-mail: the opening page (what the survey is, what is and is
    not stored), and the exchange of the token for a cookie valid under a new random
    slot, whose addresses the page's links lead to.

    The page is shown here rather than after a redirect to the slot: a browser does
    not send a SameSite=Strict cookie on a redirect that a click in another site (a
    webmail) set off, and does on a click in this site's own page.
    """
    without_transaction()
    access = answering.find(token)
    link_state = answering.state(access)
    if link_state is LinkState.UNUSABLE or access is None:
        return _unusable()
    if link_state is LinkState.ANSWERED:
        return render_template("surveys/respond/receipt.html", access=access)
    slot = new_slot()
    started = bool(answering.load_draft(access))
    page = render_template("surveys/respond/start.html", access=access, started=started, slot=slot)
    return with_slot(current_app.make_response(page), slot, access)


def new_slot() -> str:
    """A random slot for one opening of a link (or a participant code)."""
    return secrets.token_urlsafe(SLOT_BYTES)


def with_slot(response: Response, slot: str, access: Access) -> Response:
    """``response`` with the cookie that holds the link's token under ``slot``'s pages
    (with its round and group, the submit's hints: ``slots``)."""
    cookie = slots.SlotCookie(slot, access.token, access.round.id, access.invitation.group_id)
    response.set_cookie(
        SLOT_COOKIE,
        slots.dump(_secret(), cookie),
        max_age=SLOT_HOURS * 3600,
        path=_slot_path(slot),
        secure=request.is_secure,
        httponly=True,
        samesite="Strict",
    )
    return response


@bp.route("/survey/s/<slot>")
@public
def respond_start(slot: str) -> Response | tuple[str, int] | str:
    """The opening page: what the survey is, and what is and is not stored."""
    access = _open_access(slot)
    if not isinstance(access, Access):
        return access
    started = bool(answering.load_draft(access))
    return render_template("surveys/respond/start.html", access=access, started=started, slot=slot)


def _blank_key(access: Access) -> Hashable | None:
    """What the unanswered questionnaire of this request shows, as a key for
    ``BLANK_QUESTIONNAIRES``; None when the page would show more than that (a message,
    a signed-in person's name) or when templates may change under a running worker."""
    if request.query_string or is_htmx() or current_app.debug:
        return None
    if get_flashed_messages() or current_user.is_authenticated:
        return None
    return (access.round, access.group_name, access.instrument, access.questions, str(get_locale()))


def _questionnaire(access: Access, form: AnswerFormBase, slot: str) -> str:
    return render_template(
        "surveys/respond/answers.html",
        access=access,
        form=form,
        sections=_grouped(access, form),
        slot=slot,
    )


def _show_questionnaire(access: Access, slot: str) -> str:
    """The questionnaire with the draft's answers.

    Made, where ``_blank_key`` allows, from the page kept for the group and language
    (``_kept_questionnaire``); else, and the first time, rendered."""
    answers = answering.load_draft(access)
    key = _blank_key(access)
    if key is not None:
        page = _kept_questionnaire(access, key, slot, answers)
        if page is not None:
            return page
    form = answer_form(access.questions)
    form.fill(answers)
    return _questionnaire(access, form, slot)


def _kept_questionnaire(
    access: Access, key: Hashable, slot: str, answers: dict[str, str]
) -> str | None:
    """The page from the one kept for this key, or None when a question's markup for
    its answer is not kept yet (the caller renders the page, which keeps it).

    The kept page is the questionnaire with each question a marker and neither this
    page's slot nor the session's CSRF token (``BLANK_QUESTIONNAIRES``); the markers
    are filled with what ``question_markup`` keeps for each question and answer
    (``forms.kept_question_markup``). So the page is, to the byte, the one rendering
    it would give (tests/surveys/test_respond.py compares them for drawn answers)."""
    locale = str(get_locale())
    markups: dict[str, str] = {}
    for question in access.questions:
        markup = kept_question_markup(question, answers.get(question.code), locale)
        if markup is None:
            return None
        markups[f"q{question.position}"] = str(markup)

    def skeleton() -> str:
        form = answer_form(access.questions)
        form.markers_only = True
        return _questionnaire(access, form, slot)

    values = {"slot": slot, "csrf": generate_csrf()}
    parts = QUESTION_MARKER_RE.split(BLANK_QUESTIONNAIRES.page(key, values, skeleton))
    parts[1::2] = [markups[name] for name in parts[1::2]]
    return "".join(parts)


@bp.route("/survey/s/<slot>/answers", methods=["GET", "POST"])
@public
def respond_answers(slot: str) -> Response | tuple[str, int] | str:
    """The questionnaire, grouped by indicator; the save button works without JavaScript."""
    access = _open_access(slot)
    if not isinstance(access, Access):
        return access
    if request.method in READING:  # HEAD too: a mail client's link preview reads
        return _show_questionnaire(access, slot)
    form = answer_form(access.questions)
    status = 200
    if form.validate_on_submit():
        try:
            with atomic():
                answering.save_draft(access, form.answers())
        except AlreadyAnsweredError:
            return redirect(url_for(".respond_receipt", slot=slot))
        except DomainError as error:
            form.add_answer_error(error)
            status = 400
        else:
            missing = answering.missing(access.questions, form.answers())
            if form.review.data and not missing:
                return redirect(url_for(".respond_review", slot=slot))
            if not form.review.data:
                flash(_("Your answers are saved. Use the same link to continue later."), "success")
                return redirect(url_for(".respond_answers", slot=slot))
            # Saved (200, so it is kept), but the review needs the missing answers first.
            for question in missing:
                form.add_answer_error(DomainError(_("Answer this question."), question.code))
    else:
        status = 400
    return _questionnaire(access, form, slot), status


@bp.route("/survey/s/<slot>/autosave", methods=["POST"])
@public
def respond_autosave(slot: str) -> Response | tuple[str, int] | str:
    """htmx: save the draft after each change; answers with a short status line."""
    access = _open_access(slot)
    if not isinstance(access, Access):
        return access
    form = answer_form(access.questions)
    error = None
    if form.validate_on_submit():
        try:
            with atomic():
                answering.save_draft(access, form.answers())
        except DomainError as failure:
            error = failure.message
    else:
        error = _("Could not save: check the marked answers and use the save button.")
    return render_template("surveys/respond/_saved.html", error=error)


@bp.route("/survey/s/<slot>/review")
@public
def respond_review(slot: str) -> Response | tuple[str, int] | str:
    """Every answer once more, with a way back and the submit button."""
    access = _open_access(slot)
    if not isinstance(access, Access):
        return access
    answers = answering.load_draft(access)
    try:
        answering.check(access.questions, answers, complete=True)
    except DomainError:
        flash(_("Some questions are not answered yet; they are marked below."), "error")
        return redirect(url_for(".respond_answers", slot=slot))
    labels = {q.code: dict(scale_options(q)) for q in access.questions if q.is_scale}
    return render_template(
        "surveys/respond/review.html",
        access=access,
        answers=answers,
        labels=labels,
        form=ConfirmForm(),
        reviewed_prefix=answering.REVIEWED_PREFIX,
        slot=slot,
        slot_csrf=_slot_csrf(),
    )


@bp.route("/survey/s/<slot>/submit", methods=["POST"])
@public
@csrf.exempt  # checked in the view, against the slot's token (``_check_slot_csrf``)
def respond_submit(slot: str) -> Response | tuple[str, int]:
    """Submit once: the reviewed answers become an anonymous response; a second submit
    does nothing.

    What is recorded is what the review page showed, which it sends back with the
    instrument version (``answering.Reviewed``); a submit without them records the draft.
    The review page's CSRF token is bound to the slot's cookie (``_slot_csrf``), so a
    submit never reads the session cookie (``portal.core.sessions``); the session's
    own token is accepted as well. Two statements: the link's query, and (on PostgreSQL) one that
    marks the invitation and inserts the sealed ballot, which needs no transaction
    around it.
    """
    _check_slot_csrf()
    without_transaction()
    reviewed = answering.Reviewed.of(request.form)
    try:
        access = _open_access(slot)
        if not isinstance(access, Access):
            return access
        # No savepoint (two statements more): submit refuses only before it writes.
        answering.submit(access, answering.submitted_answers(access, reviewed))
    except AlreadyAnsweredError:
        return redirect(url_for(".respond_receipt", slot=slot))
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for(".respond_answers", slot=slot))
    except answering.ClosedMeanwhileError:
        db.session.rollback()
        return _unusable()  # what the link shows from now on: the round has closed
    return redirect(url_for(".respond_receipt", slot=slot))


@bp.route("/survey/s/<slot>/receipt")
@public
def respond_receipt(slot: str) -> Response | tuple[str, int] | str:
    """The receipt: the answer is in, and can no longer be traced to the respondent."""
    without_transaction()
    token = _slot_token(slot)
    access = None if token is None else answering.find(token)
    link_state = answering.state(access)
    if link_state is LinkState.OPEN:
        return redirect(url_for(".respond_start", slot=slot))
    if link_state is LinkState.UNUSABLE or access is None:
        return _unusable()
    return render_template("surveys/respond/receipt.html", access=access)
