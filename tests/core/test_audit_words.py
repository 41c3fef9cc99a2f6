"""The audit log and the plan history show words: every action, field and coded value.

The recorded actions and fields are read from the source (every call that records a
change), so a new one without a label fails here rather than showing its code.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from portal import PROJECT_ROOT
from portal.core import audit

RECORDERS = {"record", "record_change", "_audit"}
ACTION = re.compile(r"^[a-z_]+\.[a-z_]+$")


def _strings(node: ast.AST) -> list[str]:
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def _dict_keys(node: ast.AST | None) -> set[str]:
    if isinstance(node, ast.Dict):
        return {
            k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
        }
    return set()


def _field_tuples(tree: ast.Module) -> dict[str, set[str]]:
    """Module-level ``..._FIELDS = ("a", "b")`` constants."""
    out: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id.endswith("FIELDS"):
                    out[target.id] = set(_strings(node.value))
    return out


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


class _Reader(ast.NodeVisitor):
    """Collects the actions and fields one module records."""

    def __init__(self, tuples: dict[str, set[str]]) -> None:
        self.tuples = tuples
        self.actions: set[str] = set()
        self.fields: set[str] = set()

    def visit_Call(self, node: ast.Call) -> None:
        callee = _callee(node)
        if callee in RECORDERS:
            self.actions |= {s for s in _strings(node) if ACTION.match(s)}
            for keyword in node.keywords:
                if keyword.arg in ("before", "after"):
                    self.fields |= _dict_keys(keyword.value)
                elif keyword.arg and callee == "_audit":
                    self.fields.add(keyword.arg)  # _audit(..., revision=3) records "revision"
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(isinstance(t, ast.Name) and t.id in ("before", "after") for t in node.targets):
            self.fields |= _dict_keys(node.value)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if "snapshot" in node.name:  # what a snapshot function returns or fills in
            for inner in ast.walk(node):
                if isinstance(inner, ast.Return):
                    self.fields |= _dict_keys(inner.value)
                elif isinstance(inner, ast.Subscript) and isinstance(inner.ctx, ast.Store):
                    self.fields |= set(_strings(inner.slice))
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        self.fields |= self.tuples.get(node.id, set())  # FIELDS tuples handed to snapshot()


def recorded() -> tuple[set[str], set[str]]:
    """Action codes and field names the portal records, read from its source."""
    actions: set[str] = set()
    fields: set[str] = set()
    for path in sorted(Path(PROJECT_ROOT / "portal").rglob("*.py")):
        if "devtools" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        reader = _Reader(_field_tuples(tree))
        reader.visit(tree)
        actions |= reader.actions
        fields |= reader.fields
    return actions, fields


def test_every_recorded_action_and_field_has_a_label(app) -> None:
    actions, fields = recorded()
    assert len(actions) > 60  # the reader found them
    assert len(fields) > 40
    with app.app_context():
        words = audit.words()
    assert sorted(a for a in actions if a not in words.actions) == []
    assert sorted(f for f in fields if f not in words.fields) == []


@pytest.mark.parametrize(
    ("action", "field", "value", "shown"),
    [
        ("plan.adopt", "status", "draft", "Utkast"),
        ("plan.adopt", "status", "adopted", "Fastställd"),
        ("activity.update", "status", "not_started", "Ej påbörjad"),
        ("activity.update", "due_date", "2026-03-01", "1 mars 2026"),
        (
            "survey_round.update",
            "groups",
            ["Mysam Bollnäs", "Mysam Hofors"],
            "Mysam Bollnäs, Mysam Hofors",
        ),
        ("survey_round.open", "status", "open", "Öppen för svar"),
        ("survey_round.update", "record_agency_kind", True, "Ja"),
        ("survey_round.create", "year", 2026, "2026"),
        ("attendance.record", "Lena Ledare", "excused", "Anmält förhinder"),
        ("minutes.item_add", "kind", "follow_up", "Uppföljning"),
        ("membership.add", "role", "process_leader", "Processledare"),
        ("roles.set", "roles", ["admin", "board"], "Förbundsadministratör, Styrelseledamot"),
        ("agency.create", "kind", "municipality", "Kommun"),
        ("survey_text.review", "review", "withheld", "Undanhålls"),
        ("template.update", "kind", "result_goals", "Resultatmål"),
        ("goal.update", "title", "draft", "draft"),  # a person's own words stay as written
        ("goal.update", "outcome", None, "–"),
    ],
)
def test_values_are_shown_in_words(app, action, field, value, shown) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "sv"}):
        assert audit.value_label(action, field, value) == shown


def test_a_code_named_twice_differently_is_refused(app) -> None:
    from flask_babel import lazy_gettext as _l

    clash = audit.AuditWords(actions={"plan.adopt": _l("Something else")})
    with pytest.raises(ValueError, match=r"plan\.adopt"):
        audit.register_words(app, clash)
    same = audit.AuditWords(actions={"plan.adopt": _l("Action plan adopted")})
    audit.register_words(app, same)  # the same words again are no conflict
    with app.test_request_context("/", headers={"Accept-Language": "sv"}):
        assert audit.action_label("plan.adopt") == "Handlingsplan fastställd"


def test_each_app_has_its_own_words(app) -> None:
    """Words live on the app create_app built, not in a module-level dict that imports fill."""
    from flask import Flask

    bare = Flask("bare")
    with bare.app_context():
        assert audit.words() is audit.WORDS
        assert "plan.adopt" not in audit.words().actions
    with app.app_context():
        assert "plan.adopt" in audit.words().actions
