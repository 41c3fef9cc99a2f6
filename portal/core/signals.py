"""Signals by which one domain adds to another's pages without the other importing it.

As in Indico: the page's owner sends, naming what it shows; each receiver returns
template context for it, and the view renders the merged context. ``create_app``
connects the receivers, so no module connects anything on import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from blinker import NamedSignal, Namespace

_signals = Namespace()

groups_shown = _signals.signal(
    "groups-shown",
    doc="""A page shows these groups. Sender: the list of groups. Receivers return a dict
    of template context about them (plans: this year's plan state of each group).""",
)

activities_shown = _signals.signal(
    "activities-shown",
    doc="""A page shows these plan activities of one group. Sender: the list of activities;
    keyword ``group``. Receivers return template context about them (meetings: the
    meetings whose minutes followed each up, and whether the person may open them).""",
)


association_shown = _signals.signal(
    "association-shown",
    doc="""The association's overview page is shown. Sender: the association. Receivers
    return template context (groups: ``groups``, the association's groups with head
    counts, and what ``groups_shown`` adds about them).""",
)

agency_in_use = _signals.signal(
    "agency-in-use",
    doc="""An agency is to be deleted (keyword ``change="delete"``) or to stop being a
    municipality (``change="kind"``). Sender: the agency. A receiver whose rows still
    need it as it is returns the :class:`~portal.core.errors.DomainError` that refuses
    the change, else None (groups: memberships and the municipalities groups cover).""",
)


def page_context(signal: NamedSignal, sender: Any, **kwargs: Any) -> dict[str, Any]:
    """What every receiver of ``signal`` adds to a page about ``sender``, merged."""
    context: dict[str, Any] = {}
    for _receiver, value in signal.send(sender, **kwargs):
        context.update(value or {})
    return context


def refuse_if_any(signal: NamedSignal, sender: Any, **kwargs: Any) -> None:
    """Raise the first refusal that a receiver of ``signal`` returns for ``sender``."""
    for _receiver, refusal in signal.send(sender, **kwargs):
        if refusal is not None:
            raise refusal


attachments_shown = _signals.signal(
    "attachments-shown",
    doc="""A page shows a meeting, its minutes or a plan. Sender: the object; keyword
    ``section`` ("meeting", "minutes" or "plan"). Receivers return template context
    (documents: the attached files, and where the person may add one).""",
)

attachments_mailed = _signals.signal(
    "attachments-mailed",
    doc="""A notice about a meeting is written. Sender: the meeting. Receivers return
    ``{"attachments": [(title, absolute link), ...]}`` for the mail to list.""",
)

needs_me = _signals.signal(
    "needs-me",
    doc="""The start page asks what needs this person now. Sender: the signed-in user;
    keyword ``principal`` (their roles as ids) and ``today``. Receivers return a list of
    :class:`Need` items; each domain contributes its own.""",
)


@dataclass(frozen=True)
class Need:
    """One thing a person should do now, and where it is done.

    ``kind`` orders the start page (see ``NEED_ORDER``); ``url`` may be None when the
    thing is done elsewhere (a survey answered from the link in the person's mail).
    """

    kind: str
    title: str
    url: str | None
    due: dt.date | None = None
    detail: str = ""
    # A POST address offering to do the thing from the start page (send a link again).
    action: str | None = None


# What needs a person, most pressing kind first (issue 21).
NEED_ORDER = (
    "meeting_to_answer",
    "minutes_to_adjust",
    "activity_due",
    "survey_to_answer",
    "plan_to_adopt",
    "admin_task",
)


def needs_of(user: Any, **kwargs: Any) -> list[Need]:
    """Every receiver's items for ``user``, by kind in ``NEED_ORDER``, then by due date."""
    items: list[Need] = []
    for _receiver, value in needs_me.send(user, **kwargs):
        items.extend(value or ())
    rank = {kind: n for n, kind in enumerate(NEED_ORDER)}
    return sorted(
        items,
        key=lambda i: (rank.get(i.kind, len(rank)), i.due or dt.date.max, i.title),
    )
