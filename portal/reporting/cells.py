"""How one figure of a summary reads in an HTML table cell.

Python rather than Jinja macros: a board summary has a few thousand such cells, and a
macro call costs several times what the figure does. The markup is what the macros
gave: a dash with a hidden explanation for screen readers where there is no figure,
and the reason in words where *k* hides one.
"""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup

from portal.reporting.survey import Share, percent
from portal.reporting.tables import short_reason

MISSING = Markup('–<span class="visually-hidden"> {}</span>')


def pct(value: int | None) -> Markup:
    """Whole per cent."""
    return MISSING.format(_("not available")) if value is None else Markup("{} %").format(value)


def rate(share: float | None) -> Markup:
    """A share 0..1 as whole per cent."""
    return pct(percent(share))


def pp(value: int | None) -> Markup:
    """Percentage points with their sign (±0 for no change)."""
    if value is None:
        return MISSING.format(_("not available"))
    return Markup("{:+d}").format(value) if value else Markup("±0")


def share(s: Share | None, k: int) -> Markup:
    """The share clearly positive behind a cell, or why it is not shown."""
    if s is None:
        return MISSING.format(_("not available"))
    if s.hidden:
        return Markup('<span class="suppressed">{} ({})</span>').format(
            _("Not shown"), short_reason(s.hidden, k)
        )
    if s.percent is None:
        return MISSING.format(_("no answers"))
    return Markup("{} %").format(s.percent)
