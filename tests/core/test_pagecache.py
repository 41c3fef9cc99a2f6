"""SlotCache: a page kept once, its secret strings filled in per request."""

from __future__ import annotations

import pytest

from portal.core.pagecache import SlotCache

TOKEN_A = "a" * 40
TOKEN_B = "b" * 40
CSRF_A = "c" * 40
CSRF_B = "d" * 40


def page_for(token: str, csrf: str) -> str:
    return f'<form action="/survey/{token}/answers"><input value="{csrf}"></form><p>{token}</p>'


def test_the_first_request_renders_and_the_next_fill_in_their_own_values() -> None:
    cache = SlotCache(("token", "csrf"))
    rendered: list[str] = []

    def render(token: str, csrf: str) -> str:
        rendered.append(token)
        return page_for(token, csrf)

    first = cache.page("k", {"token": TOKEN_A, "csrf": CSRF_A}, lambda: render(TOKEN_A, CSRF_A))
    second = cache.page("k", {"token": TOKEN_B, "csrf": CSRF_B}, lambda: render(TOKEN_B, CSRF_B))
    assert first == page_for(TOKEN_A, CSRF_A)
    assert second == page_for(TOKEN_B, CSRF_B)
    assert rendered == [TOKEN_A]
    assert (cache.misses, cache.hits) == (1, 1)


def test_keys_are_kept_apart_and_the_least_recently_used_goes_first() -> None:
    cache = SlotCache(("token",), maxsize=2)
    for key in ("one", "two"):
        cache.page(key, {"token": TOKEN_A}, lambda key=key: f"{key} {TOKEN_A}")
    cache.page("one", {"token": TOKEN_B}, lambda: "not rendered")  # "one" is used again
    cache.page("three", {"token": TOKEN_A}, lambda: f"three {TOKEN_A}")  # "two" goes
    assert cache.page("one", {"token": TOKEN_B}, lambda: "no") == f"one {TOKEN_B}"
    assert cache.page("two", {"token": TOKEN_B}, lambda: f"again {TOKEN_B}") == f"again {TOKEN_B}"


@pytest.mark.parametrize(
    "values",
    [{"token": "short"}, {"token": ""}, {"csrf": CSRF_A}, {"token": TOKEN_A, "csrf": CSRF_A}],
)
def test_only_its_slots_with_long_values_are_taken(values: dict[str, str]) -> None:
    cache = SlotCache(("token",))
    with pytest.raises(ValueError, match="slot"):
        cache.page("k", values, lambda: "page")
