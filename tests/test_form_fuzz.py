"""Random values posted to every form route never answer 5xx.

Walks ``app.url_map`` for every POST route, fills its address with the ids of one
world that has one of every object, and lets Hypothesis post field names the portal's
forms use with values a person or a script might send: spaces only, huge and negative
numbers, impossible dates, unknown enum values, ids of nothing, very long text. Signed
in as an administrator of the association and of the platform, with a valid CSRF token,
so the requests get past the guards to the forms and services. A bounded number of
examples per route keeps the run short.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from portal.core.forms import BaseForm
from tests.conftest import put_session
from tests.html_forms import forms
from tests.support.edit_world import World

EXAMPLES_PER_ROUTE = 4
# These end the session the other examples need.
SKIPPED = {"accounts.logout", "accounts.logout_everywhere", "accounts.end_one"}


def _field_names() -> list[str]:
    names: set[str] = {"lock_version", "base_revision", "preview", "correction"}
    todo: list[type] = [BaseForm]
    while todo:
        form = todo.pop()
        todo.extend(form.__subclasses__())
        for klass in form.__mro__:
            names.update(n for n, v in vars(klass).items() if isinstance(v, UnboundField))
    names.discard("csrf_token")
    return sorted(names)


def _address(rule: Any, eworld: World) -> str:
    """The rule's address with the world's ids (1 where it has none of that kind)."""
    endpoint = rule.endpoint
    area = eworld.report_area_id if endpoint.startswith("reporting.") else eworld.area_id
    values: dict[str, Any] = {
        "slug": eworld.slug,
        "plan_id": eworld.plan_id,
        "goal_id": eworld.goal_id,
        "activity_id": eworld.activity_id,
        "meeting_id": eworld.meeting_id,
        "invitee_id": eworld.rows[0],
        "area_id": area,
        "association_id": eworld.association_id,
        "year": 2025,
        "period": "year",
        "section": "plans",
        "key": eworld.text_key,
        "section_id": eworld.section_id,
        "field_id": eworld.field_id,
        "group_id": eworld.group_id,
        "membership_id": eworld.membership_id,
        "user_id": eworld.person_id,
        "agency_id": eworld.agency_id,
        "round_id": eworld.round_id,
        "item_id": eworld.item_id,
        "kind": "sections",
        "action": "up",
        "token": "x" * 43,
        "response": "x" * 20,
    }
    args = {name: values.get(name, 1) for name in rule.arguments}
    path = rule.rule
    for name, value in args.items():
        path = path.replace(f"<{name}>", str(value))
        for converter in ("int", "string", "path"):
            path = path.replace(f"<{converter}:{name}>", str(value))
    return path


VALUES = st.one_of(
    st.sampled_from(
        ["", " ", "   ", "\t", "0", "-1", "1", "2", "99999999999999999999", "1e9", "NaN",
         "2025-02-30", "2025-13-01", "0000-00-00", "24:61", "present", "sv", "en", "text",
         "published", "goal", "activity", "ongoing", "y", "on", "\u00a0", "<script>", "☃"]
    ),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.text(max_size=40),
    st.text(min_size=300, max_size=400),
)  # fmt: skip


def _routes(app: Any) -> list[Any]:
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or set())
        and rule.endpoint not in SKIPPED
        and not rule.endpoint.startswith("api.")
    ]
    return sorted(rules, key=lambda r: (r.endpoint.endswith(("delete", "remove")), r.rule))


def _fuzz(client: Any, url: str, token: str, names: list[str], failures: list[str]) -> None:
    """Post ``EXAMPLES_PER_ROUTE`` random forms to ``url``; note every 5xx."""

    @settings(
        max_examples=EXAMPLES_PER_ROUTE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.dictionaries(st.sampled_from(names), VALUES, max_size=8))
    def post_random(data: dict[str, str]) -> None:
        response = client.post(url, data={**data, "csrf_token": token})
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {url} {data!r}")

    post_random()


def test_random_values_on_every_form_route_never_answer_5xx(app, client, eworld) -> None:
    put_session(client, eworld.a)
    token = forms(client.get("/").get_data(as_text=True))["/logout"].data()["csrf_token"]
    names = [*_field_names(), f"status_{eworld.rows[0]}", f"seen_{eworld.rows[0]}"]
    failures: list[str] = []
    routes = _routes(app)
    assert len(routes) > 50  # every form route of the portal, not a handful

    for rule in routes:
        _fuzz(client, _address(rule, eworld), token, names, failures)
    assert not failures, "\n".join(failures[:20])
