// A live countdown to an idea call's deadline. The server renders the starting
// text; this keeps it current. Formats come translated from data attributes.
(function () {
  "use strict";
  function fill(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (_, name) { return values[name]; });
  }
  function update(el) {
    var left = Date.parse(el.dataset.countdown) - Date.now();
    var text = el.querySelector(".countdown-text");
    if (left <= 0) { text.textContent = el.dataset.formatClosed; return false; }
    var minutes = Math.floor(left / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    text.textContent = days > 0
      ? fill(el.dataset.formatDays, { days: days, hours: hours })
      : fill(el.dataset.formatHours, { hours: hours, minutes: minutes % 60 });
    return true;
  }
  document.querySelectorAll("[data-countdown]").forEach(function (el) {
    if (update(el)) {
      var id = setInterval(function () { if (!update(el)) clearInterval(id); }, 30000);
    }
  });
})();
