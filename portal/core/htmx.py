"""htmx as progressive enhancement: the one place fragments are rendered.

The same URL serves a whole page or, for an htmx request, only the named block
that changed. Every HTML response carries ``Vary: HX-Request`` (one hook, see
:func:`register_htmx`) so caches keep the two apart. ``htmx-flask`` gives us
``request.htmx``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, render_template, render_template_string, request
from flask.globals import app_ctx


def is_htmx() -> bool:
    """An htmx request that wants a fragment (boosted requests want whole pages)."""
    hx = getattr(request, "htmx", None)
    return hx is not None and bool(hx) and not hx.boosted


def render_block(template_name: str, block_name: str, **context: Any) -> str:
    """Render one named block of a template with the normal template context."""
    app = app_ctx.app
    template = app.jinja_env.get_template(template_name)
    app.update_template_context(context)
    return "".join(template.blocks[block_name](template.new_context(context)))


def render_macro(template_name: str, macro_name: str, *args: Any, **kwargs: Any) -> str:
    """Call one macro of a template (for partials that are macros, so the page and the
    swap share one piece of markup). Imported without context, as pages import it."""
    source = (
        f'{{% from "{template_name}" import {macro_name} %}}{{{{ {macro_name}(*args, **kwargs) }}}}'
    )
    return render_template_string(source, args=args, kwargs=kwargs)


def macro(
    template_name: str, macro_name: str, *args: Any, status: int = 200, **kwargs: Any
) -> Response:
    """One macro of a template as the whole response (for htmx swaps)."""
    body = render_macro(template_name, macro_name, *args, **kwargs)
    return current_app.make_response((body, status))


def block(template_name: str, block_name: str, status: int = 200, **context: Any) -> Response:
    """One named block of a template as the whole response (for htmx swaps)."""
    return current_app.make_response((render_block(template_name, block_name, **context), status))


def whole(template_name: str, status: int = 200, **context: Any) -> Response:
    """A whole page with a status (400 and 409 keep what was typed)."""
    return current_app.make_response((render_template(template_name, **context), status))


def page(template_name: str, block_name: str, *, status: int = 200, **context: Any) -> Response:
    """The whole page, or just ``block_name`` for an htmx request."""
    if is_htmx():
        return block(template_name, block_name, status, **context)
    return whole(template_name, status, **context)


def vary_on_htmx(response: Response) -> Response:
    """Any HTML response may be a block or a page depending on HX-Request: tell caches."""
    if response.mimetype == "text/html":
        response.vary.add("HX-Request")
    return response


def register_htmx(app: Flask) -> None:
    """Add ``Vary: HX-Request`` to every HTML response, error pages included."""
    app.after_request(vary_on_htmx)
