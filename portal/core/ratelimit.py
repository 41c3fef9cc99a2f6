"""Rate limits, checked only where the portal sets them.

The portal limits two things: sign-in attempts (``limiter.limit`` on those views, which
their decorator checks) and the API, per token (a limit on the whole blueprint, see
``rate_limited``). It sets no application-wide and no default limit.

Flask-Limiter checks a blueprint's limit in a ``before_request`` hook that it runs for
every request. On the pages without any limit, which are all the others, that check found
nothing to count and cost about a seventh of what ``/healthz`` costs the app (0.25 of
1.7 ms). ``limit_blueprints_only`` keeps the hook for the rate-limited blueprints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, request

from portal.extensions import limiter


def rate_limited(
    blueprint: Blueprint, limit: Callable[[], str], key_func: Callable[[], str]
) -> Blueprint:
    """Limit every view of ``blueprint`` to ``limit`` per ``key_func``."""
    limiter.limit(limit, key_func=key_func)(blueprint)
    blueprint.is_rate_limited = True  # type: ignore[attr-defined]
    return blueprint


def limit_blueprints_only(app: Flask) -> None:
    """Run Flask-Limiter's request check only for blueprints marked ``rate_limited``.

    Call after ``limiter.init_app(app)``; nothing to do when limits are switched off.
    Refuses to start if an application-wide or a default limit is configured (the
    check would have to run everywhere then) or if Flask-Limiter no longer registers
    the check this way.
    """
    if not limiter.enabled:
        return  # RATELIMIT_ENABLED is off: Flask-Limiter registered no hooks
    manager = limiter.limit_manager
    if manager.application_limits or manager.default_limits:
        raise RuntimeError("application or default rate limits need Flask-Limiter's own hook")
    hooks: list[Callable[[], Any]] = app.before_request_funcs.setdefault(None, [])
    check = limiter._check_request_limit  # the hook init_app registered
    if check not in hooks:
        raise RuntimeError("Flask-Limiter's request check is not registered")

    def _check_rate_limited_blueprint() -> None:
        blueprint = app.blueprints.get(request.blueprint or "")
        if getattr(blueprint, "is_rate_limited", False):
            check()

    hooks[hooks.index(check)] = _check_rate_limited_blueprint
