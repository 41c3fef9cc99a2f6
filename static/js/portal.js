// Small enhancements; every page works without this file.
(function () {
  "use strict";

  // After a page load or an htmx swap, move focus to what the person must hear first:
  // the error summary, else a status message that asks for focus. A swap replaces the
  // form that had focus, so without this focus would fall back to the top of the page.
  function focusAfterChange(root, includeStatus) {
    var target = root.querySelector("#error-summary") ||
      (includeStatus ? root.querySelector("[data-focus-after-swap]") : null);
    if (target) { target.focus(); }
  }

  function pathOf(url) {
    return new URL(url, window.location.href).pathname;
  }

  // Show a whole page that came back where a fragment was expected (an error page, say)
  // as the page itself, the way the browser shows it when JavaScript is off.
  function showPage(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    document.title = doc.title;
    document.documentElement.lang = doc.documentElement.lang;
    document.body.replaceWith(doc.body);
    window.scrollTo(0, 0);
    var main = document.getElementById("main");
    if (main) { main.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () { focusAfterChange(document, false); });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var xhr = detail.xhr;
    if (!/^\s*<!doctype html/i.test(xhr.responseText || "")) { return; }
    // A full page never goes inside this one.
    detail.shouldSwap = false;
    detail.isError = false;
    var redirected = xhr.responseURL && pathOf(xhr.responseURL) !== pathOf(detail.requestConfig.path);
    if (redirected) {
      // For example to the sign-in page after the session ended: go there for real, and
      // come back to this page afterwards rather than to the address the form posted to.
      var target = new URL(xhr.responseURL);
      var config = detail.requestConfig;
      if (config.verb !== "get" && target.searchParams.get("next") === pathOf(config.path)) {
        target.searchParams.set("next", window.location.pathname + window.location.search);
      }
      window.location.assign(target.href);
    } else {
      showPage(xhr.responseText);
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    focusAfterChange(event.detail.target, true);
  });

  // The request never reached the server: say so where status messages are announced.
  document.addEventListener("htmx:sendError", function () {
    var region = document.querySelector(".flashes");
    var message = document.body.getAttribute("data-send-error");
    if (!region || !message) { return; }
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.textContent = message;
    region.replaceChildren(p);
  });

  // The database did not answer (503): show the server's message next to what asked,
  // and leave the form as it is, with what was typed in it.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var asker = event.detail.elt;
    if (xhr.status !== 503 || !asker || /^\s*<!doctype html/i.test(xhr.responseText || "")) { return; }
    var holder = document.createElement("div");
    holder.innerHTML = xhr.responseText;
    var message = holder.querySelector("[data-unavailable]");
    if (!message) { return; }
    var form = asker.closest("form") || asker;
    var previous = form.previousElementSibling;
    if (previous && previous.hasAttribute("data-unavailable")) { previous.remove(); }
    form.parentNode.insertBefore(message, form);
  });
})();
