"""htmx as progressive enhancement.

The same URL serves a whole page or, for an htmx request, only the named block
that changed. Responses always carry ``Vary: HX-Request`` so caches keep them apart.
``htmx-flask`` gives us ``request.htmx`` and the ``HX-*`` response headers.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, render_template, request
from htmx_flask import make_response as hx_response


def is_htmx() -> bool:
    """An htmx request that wants a fragment (boosted requests want whole pages)."""
    hx = getattr(request, "htmx", None)
    return hx is not None and bool(hx) and not hx.boosted


def render_block(template_name: str, block_name: str, **context: Any) -> str:
    """Render one named block of a template with the normal template context."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.get_template(template_name)
    app.update_template_context(context)
    return "".join(template.blocks[block_name](template.new_context(context)))


def page(template_name: str, block_name: str, *, status: int = 200, **context: Any) -> Response:
    """The whole page, or just ``block_name`` for an htmx request."""
    if is_htmx():
        body = render_block(template_name, block_name, **context)
    else:
        body = render_template(template_name, **context)
    response = current_app.make_response((body, status))
    response.vary.add("HX-Request")
    return response


def htmx_headers(response: Response, **headers: Any) -> Response:
    """Set HX-* response headers through htmx-flask's one helper."""
    out: Response = hx_response(response, **headers)
    out.vary.add("HX-Request")
    return out
