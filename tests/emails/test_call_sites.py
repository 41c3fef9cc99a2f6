"""Mail texts live in templates: a service that queues mail takes its words from
``render_mail``, never from strings of its own (issue 18, item 4)."""

from __future__ import annotations

import ast
from pathlib import Path

from portal import PROJECT_ROOT


def _calls(node: ast.AST) -> set[str]:
    out: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call):
            func = inner.func
            out.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return out


def test_every_function_that_queues_mail_renders_a_template() -> None:
    queuing: list[str] = []
    without_template: list[str] = []
    for path in sorted((PROJECT_ROOT / "portal").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name != "queue_mail":
                calls = _calls(node)
                if "queue_mail" in calls:
                    where = f"{path.relative_to(PROJECT_ROOT)}:{node.name}"
                    queuing.append(where)
                    if "render_mail" not in calls:
                        without_template.append(where)
    assert len(queuing) >= 6  # the reader found the senders
    assert without_template == []


def test_no_service_imports_force_locale_to_write_mail() -> None:
    """Only ``core.mail`` switches language for a mail; ``force_locale`` elsewhere is for
    other texts (the calendar file's title, the Swedish reports) and says so."""
    allowed = {
        Path("portal/meetings/services/meetings.py"),  # the .ics title in the invitee's language
        Path("portal/meetings/services/answers.py"),  # the substitute's .ics title, likewise
        Path("portal/core/mail.py"),
    }
    for path in sorted((PROJECT_ROOT / "portal").rglob("*.py")):
        relative = path.relative_to(PROJECT_ROOT)
        source = path.read_text(encoding="utf-8")
        if "queue_mail" in source and "force_locale" in source:
            assert relative in allowed, relative
