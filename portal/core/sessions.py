"""The session cookie, read only when a request uses the session.

Flask reads and verifies the session cookie when every request starts and decides at
the end whether to write it again. Under the paths given (the survey's respondent
pages, whose own state is the slot cookie), the cookie is read the first time the
request looks into the session instead: a submit that never touches the session does
not pay for the signature check, the decoding, or the save. A request that does use
it (a flashed message, the CSRF token of a form) sees the very same session, and it
is saved as always.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask, Request
from flask.globals import request_ctx
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.wrappers import Response


class LazySession(SecureCookieSession):
    """A cookie session whose contents are read on first use."""

    def __init__(self, load: Callable[[], SecureCookieSession]) -> None:
        super().__init__()
        self._load = load
        self.loaded = False

    def _ensure(self) -> None:
        if not self.loaded:
            self.loaded = True
            read = self._load()
            dict.update(self, read)  # not a change: ``modified`` stays as it was
            self.new = read.new

    # Every way of reading or changing the contents loads them first.
    def __getitem__(self, key: str) -> Any:
        self._ensure()
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._ensure()
        return super().get(key, default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._ensure()
        return super().setdefault(key, default)

    def __contains__(self, key: object) -> bool:
        self._ensure()
        self.accessed = True
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self._ensure()
        self.accessed = True
        return super().__iter__()

    def __len__(self) -> int:
        self._ensure()
        self.accessed = True
        return super().__len__()

    def keys(self) -> Any:
        self._ensure()
        self.accessed = True
        return super().keys()

    def values(self) -> Any:
        self._ensure()
        self.accessed = True
        return super().values()

    def items(self) -> Any:
        self._ensure()
        self.accessed = True
        return super().items()

    def copy(self) -> dict[str, Any]:
        self._ensure()
        self.accessed = True
        return dict(super().items())

    def __setitem__(self, key: str, value: Any) -> None:
        self._ensure()
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._ensure()
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        self._ensure()
        return super().pop(key, *default)

    def popitem(self) -> Any:
        self._ensure()
        return super().popitem()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._ensure()
        super().update(*args, **kwargs)

    def clear(self) -> None:
        self._ensure()
        super().clear()

    def __repr__(self) -> str:
        self._ensure()
        return super().__repr__()


class LazyCookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, read lazily for paths under ``prefixes``."""

    def __init__(self, prefixes: tuple[str, ...]) -> None:
        self.prefixes = prefixes

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not request.path.startswith(self.prefixes):
            return super().open_session(app, request)
        if not app.secret_key:  # what get_signing_serializer asks, without building one
            return None  # no SECRET_KEY: Flask's null session, as always
        return LazySession(
            lambda: (
                super(LazyCookieSessionInterface, self).open_session(app, request)
                or SecureCookieSession()
            )
        )

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if isinstance(session, LazySession) and not session.loaded:
            return  # never read, so never changed: the cookie stays as the browser has it
        super().save_session(app, session, response)


def use_lazy_sessions(app: Flask, prefixes: tuple[str, ...]) -> None:
    """Read the session cookie lazily under ``prefixes``."""
    app.session_interface = LazyCookieSessionInterface(prefixes)


def unread_session() -> bool:
    """Whether this request has not read its session (so has not changed it either)."""
    current = request_ctx.session
    return isinstance(current, LazySession) and not current.loaded


def unless_session_unread(app: Flask, hook: Callable[[Response], Response]) -> None:
    """Run the after-request ``hook`` (one that only looks into the session, such as
    Flask-Login's remember-cookie update) only when the request read its session: what
    it looks for is set by the request itself, so an unread session has none of it."""
    hooks = app.after_request_funcs.setdefault(None, [])
    if hook not in hooks:
        raise RuntimeError(f"{hook!r} is not an after-request hook of the app")

    def guarded(response: Response) -> Response:
        return response if unread_session() else hook(response)

    hooks[hooks.index(hook)] = guarded
