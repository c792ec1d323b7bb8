// Suggestions as you type for every search box with data-suggest-url: the
// ARIA 1.2 combobox pattern (list autocomplete). Without JS the box is a plain
// search form; choosing a suggestion opens that page, Enter alone searches.
(function () {
  "use strict";
  var DELAY_MS = 150;

  function setUp(input, number) {
    var listId = "search-suggestions-" + number;
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "search-suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.dataset.suggestLabel || "");
    list.hidden = true;
    input.parentNode.appendChild(list);
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.parentNode.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var timer = null;
    var pending = null;
    var active = -1;
    var items = [];

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function choose(index) {
      if (items[index]) window.location.href = items[index].url;
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function show(suggestions) {
      items = suggestions;
      list.textContent = "";
      suggestions.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = listId + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var kind = document.createElement("span");
        kind.className = "suggestion-kind";
        kind.textContent = item.kind_label;
        var title = document.createElement("span");
        title.textContent = item.title;
        option.appendChild(kind);
        option.appendChild(title);
        // mousedown: before the input loses focus and closes the list.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(i);
        });
        list.appendChild(option);
      });
      active = -1;
      if (suggestions.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
      var template = input.dataset.suggestStatus || "{count}";
      status.textContent = suggestions.length
        ? template.replace("{count}", suggestions.length)
        : "";
    }

    function fetchSuggestions() {
      var text = input.value.trim();
      if (!text) {
        show([]);
        return;
      }
      if (pending) pending.abort();
      pending = new AbortController();
      var url = input.dataset.suggestUrl + "?q=" + encodeURIComponent(text);
      fetch(url, { signal: pending.signal, headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) {
          if (input.value.trim() === text) show(data.suggestions || []);
        })
        .catch(function () { /* aborted or offline: the form still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && items.length) {
        event.preventDefault();
        if (list.hidden) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        highlight((active + 1) % items.length);
      } else if (event.key === "ArrowUp" && items.length && !list.hidden) {
        event.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (event.key === "Enter" && active >= 0 && !list.hidden) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  document.querySelectorAll("input[data-suggest-url]").forEach(setUp);
})();
