"""Settings read from the environment.

Every setting has a safe development default except ``SECRET_KEY`` in production:
the app refuses to start without one rather than sign sessions with a known key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent  # the source checkout
INSTANCE_DIR = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """Raised when the environment does not describe a runnable portal."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config from the environment, then apply ``overrides`` (tests)."""
    env = os.environ
    overrides = overrides or {}
    # Decided first: the production-only defaults below depend on it, also when a test
    # or a script passes PORTAL_ENV as an override rather than through the environment.
    environment = str(overrides.get("PORTAL_ENV") or env.get("PORTAL_ENV", "development"))
    production = environment == "production"
    default_db = f"sqlite:///{INSTANCE_DIR / 'portal.sqlite'}"
    config: dict[str, Any] = {
        "PORTAL_ENV": environment,
        "SECRET_KEY": env.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL", default_db),
        # No pool_pre_ping: db.configure_postgresql replaces closed connections.
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 8,
        # A signed-in session ends after this long without a request, and this long
        # after sign-in whatever happens (the server-side record is checked each time).
        "SESSION_IDLE_MINUTES": int(env.get("SESSION_IDLE_MINUTES", str(8 * 60))),
        "SESSION_MAX_DAYS": int(env.get("SESSION_MAX_DAYS", "30")),
        "WTF_CSRF_TIME_LIMIT": 60 * 60 * 8,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        "PORTAL_LOCALES": ["sv", "en"],
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL", "memory://"),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), default=True),
        # memory:// counts per worker process: with N workers a limit allows N times as
        # much. Production refuses it unless this says that is meant (one worker).
        "RATELIMIT_ALLOW_MEMORY": _bool(env.get("RATELIMIT_ALLOW_MEMORY")),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        # Refused participant codes per address (a code has 60 bits: guessing is hopeless).
        "SURVEY_CODE_RATE_LIMIT": env.get("SURVEY_CODE_RATE_LIMIT", "10 per minute;50 per hour"),
        # Per API token (requests without one: per client address).
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "120 per minute;3000 per hour"),
        # Mail: "console" prints messages, "smtp" delivers them.
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "smtp" if production else "console"),
        "MAIL_SERVER": env.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", "10")),
        "MAIL_DEFAULT_SENDER": env.get(
            "MAIL_DEFAULT_SENDER", "Samverkansportalen <noreply@localhost>"
        ),
        "MAIL_MAX_ATTEMPTS": int(env.get("MAIL_MAX_ATTEMPTS", "8")),
        # Links in e-mail are absolute; the request host is unknown in `mail send`.
        "PORTAL_BASE_URL": env.get("PORTAL_BASE_URL", "http://127.0.0.1:5000"),
        "TOKEN_LIFETIME_HOURS": int(env.get("TOKEN_LIFETIME_HOURS", "48")),
        # How many reverse proxies in front set X-Forwarded-For/-Proto; 0 trusts none.
        # Behind one, sign-in limits must count the client's address, not the proxy's.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        # PostgreSQL: rewrite the ballot, draft and key tables right after a round is
        # closed from its page, so deleted ballots leave no dead tuples (close-due
        # always does). The test suite's rolled-back transactions hold those tables.
        "SURVEY_VACUUM_AT_CLOSE": _bool(env.get("SURVEY_VACUUM_AT_CLOSE", "1")),
        # A submit's common case recorded before Flask's request (surveys.views.fastpath).
        "SURVEY_FAST_SUBMIT": _bool(env.get("SURVEY_FAST_SUBMIT", "1")),
        # Attached documents: the largest file accepted, and where files are kept:
        # "database" (every app server and every backup has them) or "directory".
        "DOCUMENT_MAX_MB": int(env.get("DOCUMENT_MAX_MB", "20")),
        "DOCUMENT_STORAGE": env.get("DOCUMENT_STORAGE", "database"),
        "DOCUMENT_DIRECTORY": env.get("DOCUMENT_DIRECTORY", str(INSTANCE_DIR / "documents")),
    }
    config.update(overrides)
    if not config["SECRET_KEY"]:
        if config["PORTAL_ENV"] == "production":
            raise ConfigError("SECRET_KEY must be set when PORTAL_ENV=production")
        config["SECRET_KEY"] = _development_key()
    _check_rate_limit_storage(config)
    return config


def _development_key() -> str:
    """Development's key, made once and kept in ``instance/secret_key``.

    ``make run`` runs ``demo load`` and the server as separate processes: the survey
    round's keys, two-factor secrets and provider secrets are wrapped under this key, so
    both must see the same one for the demo's survey links and sign-ins to work.
    """
    path = INSTANCE_DIR / "secret_key"
    key = secrets.token_hex(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip() or key
    except OSError:  # a read-only install: a key per process, as before
        return key
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key)
    return key


def _check_rate_limit_storage(config: dict[str, Any]) -> None:
    """In production, limits must be shared by all workers (Redis) or explicitly not."""
    per_worker = str(config["RATELIMIT_STORAGE_URI"]).startswith("memory://")
    if (
        config["PORTAL_ENV"] == "production"
        and config["RATELIMIT_ENABLED"]
        and per_worker
        and not config["RATELIMIT_ALLOW_MEMORY"]
    ):
        raise ConfigError(
            "rate limits would be counted per worker (memory://): set REDIS_URL, "
            "or RATELIMIT_ALLOW_MEMORY=1 to accept per-worker limits"
        )
