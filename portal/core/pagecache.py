"""Pages that are the same for everyone but for a few secret strings, rendered once.

A survey's questionnaire before anything is answered is the same page for every
respondent of a group, but for two strings: the link's token (in the form's addresses)
and the session's CSRF token. ``SlotCache`` keeps such a page once per worker with
those strings cut out ("slots"), and fills them in for each request: two string
replacements instead of a questionnaire's worth of template and form code.

Whether a page may be kept is the caller's decision, and it has to be the right one:
everything the page shows must be in the key, and only the slot values may differ
between the requests that share a key. The first request of a key renders the page
normally and gets exactly that rendering; the kept copy is made from it by replacing
each slot value with a marker that cannot occur in a page (it holds NUL characters,
which no request can bring in: see ``security._refuse_impossible_input``).
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping

# A slot value must be long and random (a token), so that it can only be found in the
# page where it was put: a short or common string could occur in the text as well.
MIN_SLOT_LENGTH = 32


class SlotCache:
    """A bounded, least-recently-used cache of rendered pages with slots."""

    def __init__(self, slots: tuple[str, ...], maxsize: int = 128) -> None:
        self.maxsize = maxsize
        self._markers = {name: f"\x00{name}:{secrets.token_hex(8)}\x00" for name in slots}
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self.hits = self.misses = 0

    def page(self, key: Hashable, values: Mapping[str, str], render: Callable[[], str]) -> str:
        """The page for ``key`` with ``values`` in its slots; ``render`` makes it when
        the key is not kept yet (and must put the same ``values`` into it)."""
        if values.keys() != self._markers.keys():
            raise ValueError(f"slots are {sorted(self._markers)}, got {sorted(values)}")
        for name, value in values.items():
            if len(value) < MIN_SLOT_LENGTH:
                raise ValueError(f"slot {name!r} needs a value of {MIN_SLOT_LENGTH}+ characters")
        kept = self._pages.get(key)
        if kept is None:
            self.misses += 1
            html = render()
            for name, value in values.items():
                html = html.replace(value, self._markers[name])
            self._pages[key] = html
            if len(self._pages) > self.maxsize:
                self._pages.popitem(last=False)
            kept = html
        else:
            self.hits += 1
            self._pages.move_to_end(key)
        for name, value in values.items():
            kept = kept.replace(self._markers[name], value)
        return kept

    def clear(self) -> None:
        self._pages.clear()
        self.hits = self.misses = 0
