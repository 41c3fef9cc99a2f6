"""Samverkansportalen: the application factory. Wiring only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import INSTANCE_DIR, PROJECT_ROOT, load_config
from portal.core.dispatch import Portal
from portal.db import configure_postgresql, configure_sqlite
from portal.extensions import babel, compress, csrf, db, htmx, limiter, login_manager, migrate

PACKAGE_DIR = Path(__file__).resolve().parent
# A built wheel carries the templates, static files and migrations inside the package
# (setup.py); a source checkout keeps them beside it.
RESOURCES = PACKAGE_DIR if (PACKAGE_DIR / "templates").is_dir() else PROJECT_ROOT


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build a configured portal. ``config`` overrides environment settings (tests)."""
    app = Portal(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(RESOURCES / "templates"),
        static_folder=None,  # portal.core.assets serves static/, before the app
    )
    app.config.update(load_config(config))
    _init_assets(app)
    _init_fast_submit(app)
    if app.config["TRUSTED_PROXIES"]:
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )

    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)
    _register_audit_words(app)
    _register_cli(app)
    return app


def _init_assets(app: Flask) -> None:
    from portal.core.assets import Assets, StaticFiles

    assets = Assets(RESOURCES / "static")
    app.extensions["portal_assets"] = assets
    app.wsgi_app = StaticFiles(app.wsgi_app, assets)  # type: ignore[method-assign]


def _init_fast_submit(app: Flask) -> None:
    from portal.surveys.views.fastpath import FastSubmit

    app.wsgi_app = FastSubmit(app, app.wsgi_app)  # type: ignore[method-assign]


def _init_extensions(app: Flask) -> None:
    from portal.core.i18n import select_locale, select_timezone
    from portal.core.ratelimit import after_checks_only, limit_blueprints_only
    from portal.core.uploads import register_upload_limits

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
        elif db.engine.dialect.name == "postgresql":
            configure_postgresql(db.engine)
    migrate.init_app(app, db, directory=str(RESOURCES / "migrations"))
    login_manager.init_app(app)
    # Before the CSRF check reads the form: an upload's body may be larger.
    register_upload_limits(app)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(PACKAGE_DIR / "translations"),
    )
    limiter.init_app(app)
    limit_blueprints_only(app)
    after_checks_only(app)
    htmx.init_app(app)
    compress.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from portal.accounts import views as _accounts_views  # noqa: F401 - attaches the routes
    from portal.accounts.blueprint import bp as accounts_bp
    from portal.admin.views import bp as admin_bp
    from portal.api.views import bp as api_bp
    from portal.api.views_admin import bp as api_tokens_bp
    from portal.core.views import bp as core_bp
    from portal.documents.views import bp as documents_bp
    from portal.groups.views import bp as groups_bp
    from portal.home.views import bp as home_bp
    from portal.meetings.views import bp as meetings_bp
    from portal.national.views import bp as national_bp
    from portal.notifications.views import bp as notifications_bp
    from portal.organisations.views import bp as organisations_bp
    from portal.people.consent_views import bp as consent_bp
    from portal.people.views import bp as people_bp
    from portal.plans.views import bp as plans_bp
    from portal.privacy.views import bp as privacy_bp
    from portal.reporting.views import bp as reporting_bp
    from portal.surveys.views import bp as surveys_bp

    for blueprint in (
        core_bp,
        home_bp,
        accounts_bp,
        admin_bp,
        organisations_bp,
        groups_bp,
        meetings_bp,
        documents_bp,
        notifications_bp,
        people_bp,
        consent_bp,
        plans_bp,
        surveys_bp,
        reporting_bp,
        api_bp,
        api_tokens_bp,
        privacy_bp,
        national_bp,
    ):
        app.register_blueprint(blueprint)


def _register_hooks(app: Flask) -> None:
    from portal.accounts.views.sessions import register_sessions
    from portal.core import permissions, signals
    from portal.core.errors import register_error_pages
    from portal.core.htmx import register_htmx
    from portal.core.security import register_security
    from portal.core.sessions import unless_session_unread, use_lazy_sessions
    from portal.core.transactions import register_request_transaction
    from portal.documents.views.common import attachments_for_mail, attachments_of
    from portal.groups.principal import load_principal
    from portal.groups.services import agency_in_use
    from portal.groups.views import groups_of_association
    from portal.meetings.views.common import meetings_of_activities
    from portal.meetings.views.needs import meeting_needs
    from portal.organisations.needs import admin_needs
    from portal.plans.views.common import plan_states_of_groups
    from portal.plans.views.needs import plan_needs
    from portal.surveys.needs import survey_needs
    from portal.surveys.views.respond import RESPONDENT_PAGES
    from portal.templating import register_jinja

    register_sessions(app)
    # The respondent pages' state is the slot cookie: the session is read only if used.
    use_lazy_sessions(app, (RESPONDENT_PAGES,))
    unless_session_unread(app, login_manager._update_remember_cookie)
    permissions.use_principal_loader(app, load_principal)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page explains itself
    # after_request hooks run in reverse order: the commit must come last, after the
    # security headers have read the signed-in user (a commit expires loaded rows).
    register_request_transaction(app)
    register_security(app)
    register_htmx(app)
    register_error_pages(app)
    register_jinja(app)
    signals.association_shown.connect(groups_of_association, weak=False)
    signals.agency_in_use.connect(agency_in_use, weak=False)
    signals.groups_shown.connect(plan_states_of_groups, weak=False)
    signals.activities_shown.connect(meetings_of_activities, weak=False)
    signals.attachments_shown.connect(attachments_of, weak=False)
    signals.attachments_mailed.connect(attachments_for_mail, weak=False)
    for needs in (meeting_needs, plan_needs, survey_needs, admin_needs):
        signals.needs_me.connect(needs, weak=False)


def _register_audit_words(app: Flask) -> None:
    """The words of the audit log: each domain owns those of its actions and fields."""
    from portal.accounts import models as accounts
    from portal.api import models as api
    from portal.core import audit
    from portal.documents import models as documents
    from portal.groups import models as groups
    from portal.meetings import models as meetings
    from portal.national import models as national
    from portal.notifications import models as notifications
    from portal.organisations import models as organisations
    from portal.people import models as people
    from portal.plans import models as plans
    from portal.privacy import models as privacy
    from portal.reporting import models as reporting
    from portal.surveys import models as surveys

    audit.register_words(
        app,
        audit.WORDS,
        accounts.AUDIT_WORDS,
        organisations.AUDIT_WORDS,
        groups.AUDIT_WORDS,
        people.AUDIT_WORDS,
        plans.AUDIT_WORDS,
        meetings.AUDIT_WORDS,
        surveys.AUDIT_WORDS,
        reporting.AUDIT_WORDS,
        api.AUDIT_WORDS,
        documents.AUDIT_WORDS,
        notifications.AUDIT_WORDS,
        privacy.AUDIT_WORDS,
        national.AUDIT_WORDS,
    )


def _register_cli(app: Flask) -> None:
    from portal.cli import register_commands
    from portal.devtools.cli import dev_cli
    from portal.notifications.cli import notify_cli
    from portal.privacy.cli import retention_cli
    from portal.surveys.cli import survey_cli

    register_commands(app)
    for group in (survey_cli, dev_cli, notify_cli, retention_cli):
        app.cli.add_command(group)


__all__ = ["create_app"]
