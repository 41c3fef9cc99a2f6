"""Results of a closed round, and the admin's review of free-text answers."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.errors import DomainError
from portal.core.htmx import is_htmx, page
from portal.core.loaders import require
from portal.core.transactions import atomic
from portal.surveys import policies, results
from portal.surveys.blueprint import PREFIX, bp
from portal.surveys.disclosure import Hidden
from portal.surveys.forms import TextReviewForm
from portal.surveys.models import TextReview
from portal.surveys.views.common import load_round, respondent_group_label


def _with_review(
    texts: dict[int, list[results.FreeText]], review: TextReview
) -> dict[int, list[results.FreeText]]:
    """Question id → its free-text answers with this review decision (none: no key)."""
    out = {q: [t for t in ts if t.review is review] for q, ts in texts.items()}
    return {q: ts for q, ts in out.items() if ts}


@bp.route(f"{PREFIX}/<int:round_id>/results")
def results_page(slug: str, round_id: int) -> str:
    """Per question: the association and each group the person may see."""
    association, survey_round = load_round(slug, round_id)
    require(policies.can_read_results(current_user, survey_round))
    figures = results.round_results(survey_round)
    visible_groups = [
        g
        for g in survey_round.groups
        if policies.can_read_group_results(current_user, survey_round, g.id)
    ]
    # One query for the shown texts and the count of those still waiting for review.
    reviewed = results.free_texts(survey_round, reviews=(TextReview.SHOWN, TextReview.PENDING))
    texts = _with_review(reviewed, TextReview.SHOWN)
    pending = sum(len(ts) for ts in _with_review(reviewed, TextReview.PENDING).values())
    text_groups = figures.decision.text_groups
    return render_template(
        "surveys/results.html",
        association=association,
        survey_round=survey_round,
        figures=figures,
        groups=visible_groups,
        texts=texts,
        text_groups=text_groups,
        text_questions=[q for q in survey_round.instrument.questions if not q.is_scale],
        pending=pending,
        can_manage=policies.can_manage_surveys(current_user, association.id),
        Hidden=Hidden,
        respondent_group_label=respondent_group_label,
        one_decimal=lambda value: format_decimal(value, format="0.0"),
    )


@bp.route(f"{PREFIX}/<int:round_id>/free-text")
def free_text(slug: str, round_id: int) -> str:
    """Every free-text answer, for the admin to show or withhold before others read them."""
    association, survey_round = load_round(slug, round_id, manage=True)
    require(survey_round.is_closed)
    return render_template(
        "surveys/free_text.html",
        association=association,
        survey_round=survey_round,
        texts=results.free_texts(survey_round),
        questions=[q for q in survey_round.instrument.questions if not q.is_scale],
        form=TextReviewForm(),
    )


@bp.route(f"{PREFIX}/<int:round_id>/free-text/<response>/<int:question_id>", methods=["POST"])
def review_text(
    slug: str, round_id: int, response: str, question_id: int
) -> Response | tuple[str, int]:
    """Record one decision; with htmx only that answer's row comes back."""
    association, survey_round = load_round(slug, round_id, manage=True)
    try:
        response_id = uuid.UUID(response)
    except ValueError:
        abort(404)
    require(survey_round.is_closed)
    form = TextReviewForm()
    error = None
    if form.validate_on_submit():
        try:
            with atomic():
                results.review_text(
                    current_user,
                    survey_round,
                    response_id,
                    question_id,
                    TextReview(form.decision.data),
                )
        except DomainError as failure:
            error = failure.message
    else:
        error = _("Choose whether the answer is shown or withheld.")
    if not is_htmx():
        flash(error or _("The decision was saved."), "error" if error else "success")
        return redirect(url_for(".free_text", slug=slug, round_id=round_id))
    item = results.free_text_item(survey_round, response_id, question_id)
    if item is None:
        abort(404)
    return page(
        "surveys/_free_text_item.html",
        "item",
        association=association,
        survey_round=survey_round,
        item=item,
        error=error,
        saved=error is None,
    )
