"""The form base: ids of their own per form, and required selects that HTML accepts."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

import portal
from portal.core.forms import BaseForm, RequiredSelectField, choices
from portal.groups.forms import MembershipForm


class TitleForm(BaseForm):
    title = StringField("Title", validators=[DataRequired()])
    kind = SelectField(
        "Kind", choices=choices([("a", "A"), ("b", "B")]), validators=[DataRequired()]
    )
    size = SelectField("Size", choices=choices([("s", "S")]))


class OtherTitleForm(BaseForm):
    title = StringField("Title")


def _ids(html: str) -> list[str]:
    return re.findall(r'\bid="([^"]+)"', html)


def test_forms_of_different_kinds_never_share_an_id(app: Flask) -> None:
    with app.test_request_context("/"):
        forms = [TitleForm(formdata=None), OtherTitleForm(formdata=None)]
        html = "".join(str(f.hidden_tag()) + str(f.title.label()) + str(f.title()) for f in forms)
    ids = _ids(html)
    assert ids.count("title-title") == 1
    assert 'for="title-title"' in html
    assert "other-title-title" in ids
    assert "title-csrf_token" in ids
    assert "other-title-csrf_token" in ids
    assert 'for="other-title-title"' in html


def test_a_form_shown_twice_takes_a_prefix_of_its_own_and_keeps_its_names(app: Flask) -> None:
    with app.test_request_context("/"):
        first = TitleForm(formdata=None, id_prefix="item-1")
        second = TitleForm(formdata=None, id_prefix="item-2")
        html = str(first.title()) + str(second.title())
        assert first.title.label.field_id == "item-1-title"
    assert 'id="item-1-title"' in html
    assert 'id="item-2-title"' in html
    assert html.count('name="title"') == 2  # what the form posts is unchanged


def test_wtforms_own_prefix_keeps_its_ids(app: Flask) -> None:
    with app.test_request_context("/"):
        form = OtherTitleForm(formdata=None, prefix="admin")
        assert form.title.id == "admin-title" == form.title.name


def test_every_form_class_gets_its_own_prefix() -> None:
    """Two form classes whose names give the same prefix would share ids on a page."""
    import importlib
    import pkgutil

    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        if module.name.endswith(("forms", "views")) or ".views" in module.name:
            importlib.import_module(module.name)

    def subclasses(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    prefixes: dict[str, str] = {}
    for cls in subclasses(BaseForm):
        if not cls.__module__.startswith("portal.") or cls.ID_PREFIX == "":
            continue
        prefix = cls.default_id_prefix()
        other = prefixes.setdefault(prefix, cls.__qualname__)
        assert other == cls.__qualname__ or other.endswith(cls.__qualname__), (prefix, other)


def test_a_required_select_starts_with_an_empty_option(app: Flask) -> None:
    with app.test_request_context("/"):
        form = TitleForm(formdata=None)
        assert isinstance(form.kind, RequiredSelectField)
        assert type(form.size) is SelectField  # optional selects stay as they are
        html = str(form.kind())
    assert html.startswith(
        '<select id="title-kind" name="kind" required><option selected value="">'
    )


def test_a_placeholder_choice_of_the_view_becomes_the_empty_option(app: Flask) -> None:
    with app.test_request_context("/"):
        form = MembershipForm(formdata=None)
        form.user_id.choices = choices([(0, "Choose a person"), (7, "Eva")])
        html = str(form.user_id())
    first, second = '<option selected value="">Choose a person</option>', '<option value="7">'
    assert first + second in html
    assert html.count("<option") == 2


@pytest.mark.parametrize("posted", ["", "0"])
def test_choosing_nothing_reads_as_missing_not_as_an_invalid_choice(
    app: Flask, posted: str
) -> None:
    with app.test_request_context("/", method="POST"):
        form = MembershipForm(
            formdata=MultiDict({"user_id": posted, "agency_id": "3", "role": "member"}),
            meta={"csrf": False},
        )
        form.user_id.choices = choices([(0, "Choose a person"), (7, "Eva")])
        form.agency_id.choices = choices([(3, "FK")])
        assert not form.validate()
        assert len(form.user_id.errors) == 1  # only "required"
        assert form.user_id.data in (None, 0)


def test_a_real_choice_still_validates(app: Flask) -> None:
    with app.test_request_context("/", method="POST"):
        form = TitleForm(formdata=MultiDict({"title": "x", "kind": "c"}), meta={"csrf": False})
        assert not form.validate()
        assert form.kind.errors  # "c" is not offered
        form = TitleForm(
            formdata=MultiDict({"title": "x", "kind": "b", "size": "s"}), meta={"csrf": False}
        )
        assert form.validate(), form.errors
