# Stub for Flask-Login 0.6 (no py.typed): the names portal/ uses. See typings/README.md.
import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from blinker import NamedSignal
from flask import Flask

_C = TypeVar("_C", bound=Callable[..., Any])

class UserMixin:
    @property
    def is_active(self) -> bool: ...
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_anonymous(self) -> bool: ...
    def get_id(self) -> str: ...

class AnonymousUserMixin:
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def is_anonymous(self) -> bool: ...
    def get_id(self) -> None: ...

class LoginManager:
    login_view: str | None
    login_message: str | None
    def __init__(self, app: Flask | None = None, add_context_processor: bool = True) -> None: ...
    def init_app(self, app: Flask, add_context_processor: bool = True) -> None: ...
    def user_loader(self, callback: _C) -> _C: ...
    def _update_remember_cookie(self, response: Any) -> Any: ...

# The signed-in person (a proxy to portal.accounts.models.User, or an anonymous user).
current_user: Any

def login_user(
    user: Any,
    remember: bool = False,
    duration: dt.timedelta | None = None,
    force: bool = False,
    fresh: bool = True,
) -> bool: ...
def logout_user() -> bool: ...

user_logged_in: NamedSignal
user_logged_out: NamedSignal
