"""Rate limits, checked only where the portal sets them.

The portal limits two things: sign-in attempts (``limiter.limit`` on those views, which
their decorator checks) and the API, per token (a limit on the whole blueprint, see
``rate_limited``). It sets no application-wide and no default limit.

Flask-Limiter checks a blueprint's limit in a ``before_request`` hook that it runs for
every request. On the pages without any limit, which are all the others, that check found
nothing to count and cost about a seventh of what ``/healthz`` costs the app (0.25 of
1.7 ms). ``limit_blueprints_only`` keeps the hook for the rate-limited blueprints, and runs
Flask-Limiter's after-request hook (rate-limit headers, conditional deductions) and its
teardown only for a request in which a limit was checked: the others have neither
headers to add nor anything to reset, and the two cost the survey's submit about 3 %
of its CPU.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import Blueprint, Flask, Response, request
from flask.globals import request_ctx

from portal.extensions import limiter

# Where Flask-Limiter keeps what a request's checks found (``Limiter.context``): set on
# the request context by the first check, and by nothing else.
_CHECKED = "_limiter_request_context"


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


def _limiter_after_hooks(app: Flask) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """Flask-Limiter's after-request hook and teardown, as ``init_app`` registered them."""
    after = app.after_request_funcs.get(None, [])
    inject = next(
        (
            hook
            for hook in after
            if isinstance(hook, partial)
            and hook.args == (limiter,)
            and getattr(hook.func, "__name__", "") == "__inject_headers"
        ),
        None,
    )
    release = getattr(limiter, "_Limiter__release_context", None)
    if inject is None or release is None or release not in app.teardown_request_funcs.get(None, []):
        raise RuntimeError("Flask-Limiter's after-request hooks are not registered as expected")
    return inject, release


def after_checks_only(app: Flask) -> None:
    """Run Flask-Limiter's after-request hook and teardown only when the request checked
    a limit (a rate-limited blueprint, a view's ``limiter.limit``). Call after
    ``limiter.init_app(app)``; nothing to do when limits are switched off."""
    if not limiter.enabled:
        return
    inject, release = _limiter_after_hooks(app)

    def _inject_if_checked(response: Response) -> Response:
        if hasattr(request_ctx, _CHECKED):
            injected: Response = inject(response)
            return injected
        return response

    def _release_if_checked(error: BaseException | None = None) -> None:
        if hasattr(request_ctx, _CHECKED):
            release(error)

    after = app.after_request_funcs[None]
    after[after.index(inject)] = _inject_if_checked
    teardown = app.teardown_request_funcs[None]
    teardown[teardown.index(release)] = _release_if_checked
