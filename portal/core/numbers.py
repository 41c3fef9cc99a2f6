"""Reading a number someone typed: one rule for every place that reads one.

A plain figure on its own, written the Swedish or the English way: an optional sign
(``+``, ``-``, the minus sign ``−`` or the dash ``–`` Swedish word processors put
there), digits with an optional space (or no-break space) between groups of three,
a decimal comma or point, and an optional per cent sign. "+3", "−2,5", "1 234,5"
and "68 %" are numbers; "3 av 4 parter", "1,2,3" and "1e3" are words.
"""

from __future__ import annotations

import re
from decimal import Decimal

_SPACES = "[ \u00a0\u202f]"
_NUMBER = re.compile(
    rf"(?P<sign>[+\-−–]?){_SPACES}?"
    rf"(?P<whole>\d{{1,3}}(?:{_SPACES}\d{{3}})+|\d+)"
    rf"(?:[.,](?P<fraction>\d+))?"
    rf"(?:{_SPACES}?%)?"
)


def parse_number(text: str | None) -> Decimal | None:
    """``text`` as a number when it is a plain figure (see the module docstring), else None."""
    match = _NUMBER.fullmatch((text or "").strip())
    if match is None:
        return None
    whole = re.sub(_SPACES, "", match["whole"])
    number = Decimal(f"{whole}.{match['fraction'] or '0'}")
    return -number if match["sign"] in ("-", "−", "–") else number
