"""Ask before deleting: the page every "Remove" link leads to.

A delete URL answers GET with this page (what will go, by name; a POST button to the
same address; a way back) and POST by deleting. So "Ta bort" asks first with or
without JavaScript, and the POST stays what it was: the confirmed action.
"""

from __future__ import annotations

from flask import render_template, request


def confirm_delete(
    *,
    question: str,
    name: str,
    button: str,
    cancel: str,
    note: str | None = None,
    kept: list[str] | None = None,
) -> str:
    """The confirmation page for the delete at this request's address; ``kept`` lists
    what the delete leaves in place (records the law keeps), if anything."""
    return render_template(
        "core/confirm_delete.html",
        question=question,
        name=name,
        button=button,
        cancel=cancel,
        note=note,
        kept=kept or [],
        action=request.full_path.rstrip("?"),
    )
