"""The Flask class the portal runs on: Flask, with what every request repeats done once.

Flask asks of every view and hook, on every request, whether it is a coroutine function
(``ensure_sync``, seventeen times a survey submit, about 3 % of its CPU in the app). A
function does not become one later: ``Portal`` asks once per function and keeps the
answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask


class Portal(Flask):
    """Flask, with ``ensure_sync`` decided once per function."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synced: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return self._synced[func]
        except KeyError:
            synced = self._synced[func] = super().ensure_sync(func)
            return synced
        except TypeError:  # not hashable: asked every time, as Flask does
            return super().ensure_sync(func)
