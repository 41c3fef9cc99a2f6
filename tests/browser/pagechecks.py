"""Checks axe-core does not make, run on every page a browser test sees.

* **A meta description**, and **one ``<h1>``** that names the page (a ``#`` in user
  text must not add another).
* **Ids.** No id is used twice, and every id reference (``label for``,
  ``aria-labelledby``, ``aria-describedby``…) points at an element that exists and, for a
  label, at a labelable one: a heading that shares a field's id takes the field's label.
* **Accessible names.** Every form control a person can reach (input except hidden,
  select, textarea, button) has a non-empty accessible name as Chromium computes it for
  screen readers (the DevTools protocol's accessibility tree). Controls inside a closed
  ``<details>`` are checked with it opened for a moment.
* **Reflow.** At 320 CSS px wide the page does not scroll sideways (WCAG 1.4.10);
  wide tables and charts scroll inside their own region.
* **Chart text** is drawn at least 12 CSS px high, at the test's width and at 320 px.
* **Choices** keep their label beside their radio button or checkbox (not wrapped onto
  the next line), and a rating scale (``.choices.scale``) is one line or one column,
  at the test's width and at 320 px.
* **Valid HTML.** Every document is kept (the raw response of a page load, the DOM after
  an htmx swap or another change) and the Nu Html Checker reads them all in one run at
  the end of the session: :class:`HtmlLog`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import CDPSession, Page

NARROW = 320
MIN_CHART_TEXT_PX = 12
CONTROLS = "input:not([type=hidden]), select, textarea, button"
VNU_VERSION = "26.9.27"
VNU_JAR = Path(
    os.environ.get("VNU_JAR")
    or Path(sys.prefix) / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)

STRUCTURE = """
() => {
  const problems = [];
  const description = document.querySelector("meta[name=description]");
  if (!description || !description.content.trim()) problems.push("no meta description");
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) problems.push(`${h1} <h1> elements (one names the page)`);
  const first = new Map();
  const describe = (el) => `<${el.localName}${el.id ? ` id="${el.id}"` : ""}>`;
  for (const el of document.querySelectorAll("[id]")) {
    if (first.has(el.id)) {
      problems.push(`duplicate id "${el.id}": ${describe(first.get(el.id))} and <${el.localName}>`);
    } else {
      first.set(el.id, el);
    }
  }
  for (const label of document.querySelectorAll("label[for]")) {
    const target = document.getElementById(label.htmlFor);
    if (!target || !("labels" in target)) {
      const what = target ? describe(target) : "nothing";
      problems.push(`label "${label.textContent.trim()}" for="${label.htmlFor}" points at ${what}`);
    }
  }
  const refs = ["aria-labelledby", "aria-describedby", "aria-controls", "aria-errormessage"];
  for (const attr of refs) {
    for (const el of document.querySelectorAll(`[${attr}]`)) {
      for (const ref of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(ref)) {
          problems.push(`${describe(el)} ${attr}="${ref}" points at nothing`);
        }
      }
    }
  }
  return problems;
}
"""

CHART_TEXT = """
(minimum) => {
  const small = [];
  for (const text of document.querySelectorAll("svg text")) {
    if (!text.getClientRects().length) continue;
    const size = parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a;
    if (size < minimum - 0.05) small.push(`"${text.textContent.trim()}" at ${size.toFixed(1)} px`);
  }
  return small;
}
"""


CHOICES = """
() => {
  const problems = [];
  for (const input of document.querySelectorAll("input[type=radio], input[type=checkbox]")) {
    const label = input.labels && input.labels[0];
    if (!input.getClientRects().length || !label || label.contains(input)) continue;
    const box = input.getBoundingClientRect();
    const first = label.getClientRects()[0];
    if (!first) continue;
    const beside = first.left >= box.right - 1 && first.left - box.right <= 24
      && first.top < box.bottom && first.bottom > box.top;
    if (!beside) problems.push(`"${label.textContent.trim()}" is not beside its ${input.type}`);
  }
  for (const scale of document.querySelectorAll(".choices.scale")) {
    const boxes = [...scale.children].map((li) => li.getBoundingClientRect());
    const rows = new Set(boxes.map((b) => Math.round(b.top))).size;
    const columns = new Set(boxes.map((b) => Math.round(b.left))).size;
    if (rows > 1 && columns > 1) {
      const legend = scale.closest("fieldset")?.querySelector("legend")?.textContent.trim();
      problems.push(`the scale "${legend}" is neither one line nor one column`);
    }
  }
  return problems;
}
"""


class PageCheckError(AssertionError):
    """A page broke one of the rules above."""


def structure_problems(page: Page) -> list[str]:
    """Duplicate ids and id references that point at nothing (or at the wrong thing)."""
    return page.evaluate(STRUCTURE)


def _describe(cdp: CDPSession, node_id: int) -> str:
    attributes = cdp.send("DOM.getAttributes", {"nodeId": node_id})["attributes"]
    pairs = dict(zip(attributes[::2], attributes[1::2], strict=True))
    name = cdp.send("DOM.describeNode", {"nodeId": node_id})["node"]["localName"]
    shown = " ".join(f'{k}="{pairs[k]}"' for k in ("type", "name", "id", "value") if k in pairs)
    return f"<{name} {shown}>"


def unnamed_controls(cdp: CDPSession) -> list[str]:
    """Form controls in the accessibility tree whose computed name is empty."""
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    closed = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": "details:not([open])"})
    for node_id in closed["nodeIds"]:
        cdp.send("DOM.setAttributeValue", {"nodeId": node_id, "name": "open", "value": ""})
    try:
        unnamed = []
        controls = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": CONTROLS})
        for node_id in controls["nodeIds"]:
            nodes = cdp.send(
                "Accessibility.getPartialAXTree", {"nodeId": node_id, "fetchRelatives": False}
            )["nodes"]
            node = nodes[0] if nodes else {"ignored": True}
            if node.get("ignored"):
                continue  # not shown (hidden, display: none): nobody can reach it
            if not str(node.get("name", {}).get("value", "")).strip():
                unnamed.append(_describe(cdp, node_id))
        return unnamed
    finally:
        for node_id in closed["nodeIds"]:
            cdp.send("DOM.removeAttribute", {"nodeId": node_id, "name": "open"})


def choice_problems(page: Page) -> list[str]:
    """Labels that are not beside their control; scales split over lines and columns."""
    return page.evaluate(CHOICES)


def small_chart_text(page: Page) -> list[str]:
    """Chart texts drawn smaller than 12 CSS px."""
    return page.evaluate(CHART_TEXT, MIN_CHART_TEXT_PX)


def narrow_problems(page: Page) -> list[str]:
    """At 320 px: sideways scrolling and small chart text. The viewport is restored."""
    size = page.viewport_size or {"width": 1280, "height": 720}
    page.set_viewport_size({"width": NARROW, "height": size["height"]})
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        problems = [f"at 320 px the page is {width} px wide"] if width > NARROW else []
        problems += [f"at 320 px: chart text {t}" for t in small_chart_text(page)]
        return problems + [f"at 320 px: {c}" for c in choice_problems(page)]
    finally:
        page.set_viewport_size(size)


def page_problems(page: Page, cdp: CDPSession) -> list[str]:
    """Everything above, as one list of readable problems."""
    problems = structure_problems(page)
    problems += [f"no accessible name: {c}" for c in unnamed_controls(cdp)]
    problems += [f"chart text {t}" for t in small_chart_text(page)]
    problems += choice_problems(page)
    problems += narrow_problems(page)
    return problems


# --- valid HTML -------------------------------------------------------------------

# Signed tokens (CSRF) change with every response; they do not make a page new.
_VOLATILE = re.compile(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}")
# An invalid document the checker must reject: proves it ran and reads what it is given.
CANARY = "<!doctype html><html lang=sv><title>canary</title><p hx-get=/x>canary</p></html>"


@dataclass
class HtmlLog:
    """The documents the browser tests saw, kept as files for one checker run."""

    directory: Path
    sources: dict[str, str] = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set)

    def add(self, where: str, html: str) -> None:
        """Keep ``html`` (seen at ``where``) unless the same document is kept already."""
        key = hashlib.sha256(_VOLATILE.sub("", html).encode()).hexdigest()
        if key in self._seen:
            return
        self._seen.add(key)
        name = f"{len(self.sources):04d}.html"
        (self.directory / name).write_text(html, encoding="utf-8")
        self.sources[name] = where

    def validate(self) -> dict[str, list[str]]:
        """Run the Nu Html Checker once over every kept document; errors per page."""
        if not VNU_JAR.is_file():
            raise PageCheckError(
                f"the Nu Html Checker {VNU_VERSION} is not at {VNU_JAR}: run `make vnu`"
                " (or set VNU_JAR)"
            )
        java = shutil.which("java")
        if java is None:
            raise PageCheckError("the Nu Html Checker needs Java: run `make system-deps`")
        canary = self.directory / "canary.html"
        canary.write_text(CANARY, encoding="utf-8")
        files = sorted(str(self.directory / name) for name in self.sources)
        result = subprocess.run(
            [
                java,
                "-Xss4m",
                "-jar",
                str(VNU_JAR),
                "--format",
                "json",
                "--stdout",
                "--exit-zero-always",
                str(canary),
                *files,
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if result.returncode != 0:
            raise PageCheckError(f"the Nu Html Checker failed: {result.stderr[-2000:]}")
        errors: dict[str, list[str]] = {}
        for message in json.loads(result.stdout)["messages"]:
            if message.get("type") not in ("error", "non-document-error"):
                continue
            name = Path(message.get("url", "").removeprefix("file:")).name
            extract = message.get("extract", "").strip().replace("\n", " ")[:120]
            line = message.get("lastLine", "?")
            errors.setdefault(name, []).append(f"line {line}: {message['message']}  [{extract}]")
        if not errors.pop("canary.html", None):
            raise PageCheckError("the Nu Html Checker passed a document it must reject")
        return {self.sources.get(name, name): found for name, found in errors.items()}


def format_html_errors(errors: dict[str, list[str]], limit: int = 40) -> str:
    """The checker's findings, page by page, for a failure message."""
    total = sum(len(found) for found in errors.values())
    lines = [f"the Nu Html Checker found {total} error(s) on {len(errors)} page(s):"]
    for where, found in sorted(errors.items()):
        lines.append(f"  {where}")
        lines.extend(f"      {e}" for e in found[:limit])
    return "\n".join(lines)
