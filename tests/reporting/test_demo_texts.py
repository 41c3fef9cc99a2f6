"""The Gävleborg demo shows the national reference, analysis texts and development areas."""

from __future__ import annotations

import sqlalchemy as sa

from portal.organisations.models import Association
from portal.reporting.services import development, texts
from portal.reporting.services.national import national_shares
from tests.conftest import login

DEMO_PASSWORD = "demo-losenord-2026"


def test_demo_has_the_report_texts_and_national_figures(app, client, db_session):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    association = db_session.scalar(sa.select(Association).where(Association.slug == "gavleborg"))
    assert set(texts.analyses(association.id, 2025, "year")) == {
        "plans", "meetings", "survey", "summary",
    }  # fmt: skip
    areas = development.development_areas(association.id, 2025)
    assert len(areas) == 2
    assert [(t.plan_year, t.kind) for t in areas[0].targets] == [(2026, "activity")] * 3
    assert areas[1].targets == []
    assert national_shares(["A1"], [2023, 2024, 2025]) == {
        (2023, "A1"): 0.61, (2024, "A1"): 0.625, (2025, "A1"): 0.638,
    }  # fmt: skip
    login(client, "forbundschef@gavleborg.example.org", DEMO_PASSWORD)
    page = client.get(f"/a/{association.slug}/reports/2025/texts")
    assert page.status_code == 200
    assert "Alla parter deltar i varje möte" in page.get_data(as_text=True)
