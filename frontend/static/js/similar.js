/*
 * Similar published items while writing (progressive enhancement: the forms work
 * without this file).
 *
 * A region marked [data-similar] names the form fields to read and the URL of
 * matching:similar. When the writer pauses typing, the text of those fields is
 * sent (POST: a long Japanese description does not fit in a URL) and the HTML
 * fragment that comes back replaces the content of the region's aria-live
 * container. The region has a fixed height, so results never push the field
 * being typed in down the screen.
 *
 * Front end: the seed form includes matching/similar_region.html.
 * Wagtail admin: matching/similar_admin.html puts a <template> of the region on
 * every editor page; it is used only on a need's create or edit page.
 */
(function () {
  "use strict";

  var PAUSE_MS = 800;
  // The server compares the beginning of the text (matching.similar.QUERY_CHARS);
  // a little more is sent so that it can tell that the text was cut.
  var MAX_SENT_CHARS = 2000;
  // Only a need's editor has all of these fields.
  var NEED_FIELDS = ["current_situation", "pain_points", "desired_outcome"];

  function control(form, name) {
    var element = form.elements.namedItem(name);
    return element && typeof element.value === "string" ? element : null;
  }

  function csrfToken(form) {
    var input = control(form, "csrfmiddlewaretoken");
    return input ? input.value : "";
  }

  function setUp(region, form) {
    var results = region.querySelector("[data-similar-results]");
    var controls = (region.dataset.similarFields || "")
      .split(/\s+/)
      .map(function (name) {
        return name ? control(form, name) : null;
      })
      .filter(Boolean);
    if (!results || !controls.length || !region.dataset.similarUrl) {
      return;
    }
    var placeholder = results.innerHTML;
    var shownHtml = placeholder;
    var sentText = null;
    var timer = null;
    var request = null;

    function currentText() {
      return controls
        .map(function (element) {
          return element.value.trim();
        })
        .filter(Boolean)
        .join("\n")
        .slice(0, MAX_SENT_CHARS);
    }

    function show(html) {
      html = html.trim() ? html : placeholder;
      // Unchanged results are not announced again.
      if (html !== shownHtml) {
        results.innerHTML = html;
        shownHtml = html;
      }
    }

    function lookUp() {
      var text = currentText();
      if (text === sentText) {
        return;
      }
      sentText = text;
      if (request) {
        request.abort();
      }
      request = new AbortController();
      var body = new URLSearchParams({ kind: region.dataset.similarKind, text: text });
      if (region.dataset.similarExclude) {
        body.set("exclude", region.dataset.similarExclude);
      }
      results.setAttribute("aria-busy", "true");
      fetch(region.dataset.similarUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form) },
        signal: request.signal,
      })
        .then(function (response) {
          // A redirect means the session ended (the login page came back).
          if (!response.ok || response.redirected) {
            throw new Error("similar: HTTP " + response.status);
          }
          return response.text();
        })
        .then(function (html) {
          show(html);
          results.removeAttribute("aria-busy");
        })
        .catch(function (error) {
          if (error.name === "AbortError") {
            return;
          }
          // Keep what is shown; try again after the next pause.
          sentText = null;
          results.removeAttribute("aria-busy");
        });
    }

    function scheduleLookUp() {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookUp, PAUSE_MS);
    }

    controls.forEach(function (element) {
      element.addEventListener("input", scheduleLookUp);
    });
    region.hidden = false;
    if (currentText()) {
      // Editing: show what resembles the text that is already there.
      lookUp();
    }
  }

  function formFor(region) {
    var first = (region.dataset.similarFields || "").split(/\s+/)[0];
    for (var i = 0; i < document.forms.length; i += 1) {
      if (control(document.forms[i], first)) {
        return document.forms[i];
      }
    }
    return null;
  }

  function setUpNeedEditor() {
    var template = document.getElementById("similar-need-template");
    var form = document.querySelector("form[data-edit-form]");
    if (!template || !form || document.querySelector("[data-similar]")) {
      return;
    }
    var isNeed = NEED_FIELDS.every(function (name) {
      return control(form, name);
    });
    var summary = control(form, "summary");
    if (!isNeed || !summary) {
      return;
    }
    var region = template.content.firstElementChild.cloneNode(true);
    var edited = window.location.pathname.match(/\/pages\/(\d+)\/edit\//);
    if (edited) {
      region.dataset.similarExclude = edited[1];
    }
    // Right under the summary: in view while the title and summary are written.
    var anchor = summary.closest("[data-panel]") || summary.parentNode;
    anchor.parentNode.insertBefore(region, anchor.nextSibling);
    setUp(region, form);
  }

  function start() {
    setUpNeedEditor();
    var regions = document.querySelectorAll("[data-similar]");
    Array.prototype.forEach.call(regions, function (region) {
      var form = formFor(region);
      // A visible region is already set up (the script was included twice).
      if (form && region.hidden) {
        setUp(region, form);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
