"""How one figure of a summary reads in an HTML table cell.

Python rather than Jinja macros: a board summary has a few thousand such cells, and a
macro call costs several times what the figure does. The markup is what the macros
gave: a dash with a hidden explanation for screen readers where there is no figure,
and the reason in words where *k* hides one.

The words are looked up once per page (``templates/reporting/_figures.html`` makes one
``Cells`` per render), not once per cell: each Flask-Babel lookup walks the request
context, and a summary has a hundred cells without a figure.
"""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup

from portal.reporting.services.survey_figures import Comparison, Share, percent
from portal.reporting.services.tables import short_reason
from portal.surveys.disclosure import Hidden

MISSING = Markup('–<span class="visually-hidden"> {}</span>')


class Cells:
    """The cell formatters of one page, in the page's language.

    Figures go into the markup with ``%`` (which escapes as ``format`` does, at a
    fraction of the cost of ``Markup.format``'s pure-Python formatter).
    """

    def __init__(self) -> None:
        self.not_available = MISSING.format(_("not available"))
        self.no_answers = MISSING.format(_("no answers"))
        self.not_shown = _("Not shown")
        self.suppressed: dict[tuple[Hidden, int], Markup] = {}

    def pct(self, value: int | None) -> Markup:
        """Whole per cent."""
        return self.not_available if value is None else Markup("%d %%") % value

    def rate(self, share: float | None) -> Markup:
        """A share 0..1 as whole per cent."""
        return self.pct(percent(share))

    def pp(self, value: int | None) -> Markup:
        """Percentage points with their sign (±0 for no change)."""
        if value is None:
            return self.not_available
        return Markup("%+d") % value if value else Markup("±0")

    def share(self, s: Share | None, k: int) -> Markup:
        """The share clearly positive behind a cell, or why it is not shown."""
        if s is None:
            return self.not_available
        if s.hidden:
            return self._suppressed(s.hidden, k)
        value = s.percent
        return self.no_answers if value is None else Markup("%d %%") % value

    def group_share(self, c: Comparison | None, k: int) -> Markup:
        """A group's share with its change in brackets, as the group matrices show it
        (a dash where the group has no cell for the question)."""
        if c is None:
            return Markup("–")
        change = c.change
        if change is None:
            return self.share(c.current, k)
        return Markup('%s <span class="change">(%s)</span>') % (
            self.share(c.current, k),
            self.pp(change),
        )

    def _suppressed(self, hidden: Hidden, k: int) -> Markup:
        """Why a share is not shown; the same few reasons recur, so each is made once."""
        cell = self.suppressed.get((hidden, k))
        if cell is None:
            cell = self.suppressed[hidden, k] = Markup(
                '<span class="suppressed">%s (%s)</span>'
            ) % (self.not_shown, short_reason(hidden, k))
        return cell
