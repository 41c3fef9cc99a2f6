"""The period a board summary covers: a whole year or its first half (H1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

FIRST_YEAR, LAST_YEAR = 2000, 2100
KINDS = ("year", "h1")


@dataclass(frozen=True)
class Period:
    """A calendar year, or its first half (1 January – 30 June) when ``half`` is set."""

    year: int
    half: bool = False

    @classmethod
    def parse(cls, year: int, kind: str | None) -> Period:
        """``kind`` is "year" or "h1"; anything else means the whole year."""
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(f"year out of range: {year}")
        return cls(year, half=kind == "h1")

    @property
    def kind(self) -> str:
        return "h1" if self.half else "year"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        """The last day of the period (inclusive)."""
        return dt.date(self.year, 6, 30) if self.half else dt.date(self.year, 12, 31)

    @property
    def span(self) -> tuple[dt.date, dt.date]:
        return self.start, self.end

    def previous(self) -> Period:
        """The same period a year earlier."""
        return Period(self.year - 1, self.half)
