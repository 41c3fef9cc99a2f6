"""What templates can call: every Jinja filter, global and context value, registered here.

Wiring, like ``create_app``: the functions live with their owners (formatting in
``core.i18n``, Markdown in ``core.markdown``, charts and figure cells in ``reporting.views``);
templates get nothing else, so views pass what templates show.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_wtf.csrf import generate_csrf


def register_jinja(app: Flask) -> None:
    """Register the template filters, globals and the context processor on ``app``."""
    from portal.core import audit, permissions
    from portal.core.assets import asset_url
    from portal.core.i18n import (
        bound_gettext,
        date_filter,
        datetime_filter,
        number_filter,
        select_locale,
    )
    from portal.core.markdown import markdown_filter
    from portal.reporting import policies as reporting_policies
    from portal.reporting.services.survey_figures import percent
    from portal.reporting.services.tables import short_reason
    from portal.reporting.views.cells import Cells
    from portal.reporting.views.charts import render_svg, table_rows

    env = app.jinja_env
    env.add_extension("jinja2.ext.do")
    env.filters.update(
        datetime=datetime_filter,
        date=date_filter,
        number=number_filter,
        markdown=markdown_filter,
    )
    env.globals.update(
        asset_url=asset_url,
        render_chart_svg=render_svg,
        chart_table_rows=table_rows,
        # templates/reporting/_figures.html: one Cells per render, percentages, k reasons
        figure_cells=Cells,
        percent=percent,
        short_reason=short_reason,
    )

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        return {
            "csrf_token": generate_csrf,
            "current_locale": select_locale,
            "policies": permissions,
            "can_read_board_summary": reporting_policies.can_read_board_summary,
            "audit_action_label": audit.action_label,
            "audit_field_label": audit.field_label,
            "audit_value": audit.value_label,
            # Every page looks its translations up once, not once per word.
            **bound_gettext(),
        }
