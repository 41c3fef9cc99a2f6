"""Read the forms of a rendered page the way a browser would submit them.

``forms(html)`` maps each form's ``action`` (and ``#id`` for a form with an id) to the
values it would post: text inputs, hidden inputs, checked boxes and radios, textareas
and selected options, including controls outside the form that name it with
``form="..."``. Buttons are left out (a test adds the one it presses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser


@dataclass
class Form:
    """One form: where it posts and the name/value pairs it would send."""

    action: str
    id: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)

    def data(self) -> dict[str, str | list[str]]:
        """The fields as a dict for the test client (repeated names become lists)."""
        out: dict[str, str | list[str]] = {}
        for name, value in self.fields:
            if name in out:
                previous = out[name]
                out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                out[name] = value
        return out


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.by_id: dict[str, Form] = {}
        self.orphans: list[tuple[str, str, str]] = []  # (form id, name, value)
        self.current: Form | None = None
        self.textarea: tuple[Form | str | None, str] | None = None
        self.text = ""
        self.select: tuple[Form | str | None, str] | None = None
        self.options: list[tuple[str, bool]] = []
        self.option_value: str | None = None
        self.option_selected = False
        self.option_text = ""

    def _owner(self, attrs: dict[str, str | None]) -> Form | str | None:
        return attrs["form"] if attrs.get("form") else self.current

    def _add(self, owner: Form | str | None, name: str, value: str) -> None:
        if isinstance(owner, Form):
            owner.fields.append((name, value))
        elif isinstance(owner, str):
            self.orphans.append((owner, name, value))

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attr_list)
        if tag == "form":
            self.current = Form(action=unescape(attrs.get("action") or ""), id=attrs.get("id"))
            self.forms.append(self.current)
            if self.current.id:
                self.by_id[self.current.id] = self.current
        elif tag == "input":
            self._input(attrs)
        elif tag == "textarea" and attrs.get("name"):
            self.textarea = (self._owner(attrs), attrs["name"] or "")
            self.text = ""
        elif tag == "select" and attrs.get("name"):
            self.select = (self._owner(attrs), attrs["name"] or "")
            self.options = []
        elif tag == "option" and self.select is not None:
            self._end_option()
            self.option_value = attrs.get("value")
            self.option_selected = "selected" in attrs
            self.option_text = ""

    def _input(self, attrs: dict[str, str | None]) -> None:
        name = attrs.get("name")
        kind = (attrs.get("type") or "text").lower()
        if not name or kind in {"submit", "button", "reset", "image", "file"}:
            return
        if kind in {"checkbox", "radio"} and "checked" not in attrs:
            return
        if "disabled" in attrs:
            return
        default = "on" if kind in {"checkbox", "radio"} else ""
        self._add(self._owner(attrs), name, attrs.get("value") or default)

    def _end_option(self) -> None:
        if self.option_value is not None or self.option_text:
            value = self.option_value if self.option_value is not None else self.option_text
            self.options.append((value, self.option_selected))
        self.option_value = None
        self.option_text = ""
        self.option_selected = False

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data
        elif self.select is not None:
            self.option_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "textarea" and self.textarea is not None:
            owner, name = self.textarea
            # A browser drops the one newline that follows <textarea>.
            self._add(owner, name, self.text.removeprefix("\n"))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            self._end_option()
            owner, name = self.select
            chosen = [v for v, selected in self.options if selected] or [
                v for v, _ in self.options[:1]
            ]
            for value in chosen:
                self._add(owner, name, value)
            self.select = None


def forms(html: str) -> dict[str, Form]:
    """Every form on the page by action, and by ``#id`` where it has one."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    for form_id, name, value in parser.orphans:
        if form_id in parser.by_id:
            parser.by_id[form_id].fields.append((name, value))
    out: dict[str, Form] = {}
    for form in parser.forms:
        out.setdefault(form.action, form)
        if form.id:
            out[f"#{form.id}"] = form
    return out
