"""Signals by which one domain adds to another's pages without the other importing it.

As in Indico: the page's owner sends, naming what it shows; each receiver returns
template context for it, and the view renders the merged context. ``create_app``
connects the receivers, so no module connects anything on import.
"""

from __future__ import annotations

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


def page_context(signal: NamedSignal, sender: Any, **kwargs: Any) -> dict[str, Any]:
    """What every receiver of ``signal`` adds to a page about ``sender``, merged."""
    context: dict[str, Any] = {}
    for _receiver, value in signal.send(sender, **kwargs):
        context.update(value or {})
    return context
