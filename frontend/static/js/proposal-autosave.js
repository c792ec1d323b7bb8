// Saves the proposal as the user types. Every change is kept in localStorage
// first, so nothing is lost if the tab closes, the network drops or the session
// expires; the server copy is updated a moment after typing stops and when the
// page is hidden. Text kept in the browser but never saved is offered back.
(function () {
  "use strict";
  var form = document.getElementById("proposal-form");
  if (!form || !window.fetch) return;
  var status = document.getElementById("autosave-status");
  var restoreBox = document.getElementById("autosave-restore");
  var key = "hack:" + form.dataset.storageKey;
  var url = form.dataset.autosaveUrl;
  var timer = null;
  var dirty = false;
  var locked = false;

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "file" && el.type !== "submit" &&
        el.name !== "csrfmiddlewaretoken";
    });
  }

  function snapshot() {
    var values = {};
    fields().forEach(function (el) {
      if (el.type === "checkbox") {
        if (el.name === "seeds") {
          values.seeds = values.seeds || [];
          if (el.checked) values.seeds.push(el.value);
        } else {
          values[el.name] = el.checked;
        }
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function apply(values) {
    fields().forEach(function (el) {
      if (!(el.name in values)) return;
      if (el.type === "checkbox") {
        el.checked = el.name === "seeds"
          ? values.seeds.indexOf(el.value) !== -1 : !!values[el.name];
      } else {
        el.value = values[el.name];
      }
    });
  }

  function remember() {
    try {
      localStorage.setItem(key, JSON.stringify({ values: snapshot(), at: Date.now() }));
    } catch (e) { /* storage full or disabled: the server copy still works */ }
  }

  function forget() {
    try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
  }

  function say(text) { if (status) status.textContent = text; }

  function body() {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    var values = snapshot();
    Object.keys(values).forEach(function (name) {
      var value = values[name];
      if (Array.isArray(value)) {
        value.forEach(function (v) { data.append(name, v); });
      } else if (value === true) {
        data.append(name, "on");
      } else if (value !== false) {
        data.append(name, value);
      }
    });
    return data;
  }

  function save() {
    timer = null;
    if (!dirty || locked) return;
    dirty = false;
    say(form.dataset.textSaving);
    fetch(url, {
      method: "POST", body: body(), credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (response.ok) {
          forget();
          say(json.message || form.dataset.textSaved);
        } else if (response.status === 401 || response.status === 403) {
          dirty = true;
          say(form.dataset.textExpired);
        } else if (response.status === 409) {
          locked = true;
          say(json.error || form.dataset.textLocked);
        } else {
          // A field the server refused (too long, say): the text stays here.
          dirty = true;
          say(json.error || form.dataset.textOffline);
        }
      });
    }).catch(function () {
      dirty = true;
      say(form.dataset.textOffline);
    });
  }

  function changed() {
    dirty = true;
    remember();
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 1500);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", forget);
  window.addEventListener("online", function () { if (dirty) save(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty && !locked && navigator.sendBeacon) {
      dirty = !navigator.sendBeacon(url, body());
    }
  });

  // Text this browser kept that is newer than the server's copy.
  var kept = null;
  try { kept = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
  var serverTime = Date.parse(form.dataset.serverUpdated || "") || 0;
  if (kept && kept.at > serverTime &&
      JSON.stringify(kept.values) !== JSON.stringify(snapshot()) && restoreBox) {
    restoreBox.hidden = false;
    restoreBox.addEventListener("click", function (event) {
      var choice = event.target.getAttribute("data-restore");
      if (!choice) return;
      if (choice === "yes") { apply(kept.values); changed(); } else { forget(); }
      restoreBox.hidden = true;
      form.elements.title.focus();
    });
  } else if (kept) {
    forget();
  }
})();
