// The live workspace: chat over the websocket, presence, notes and activity.
// Everything works without it (the forms post to the server); this script
// opens /ws/workspaces/<id>/, remembers the last message number (seq) received
// and, after a drop, reconnects with ?after=<seq> so nothing is missed or shown
// twice. A post keeps its text until the server says it was stored. Event
// protocol: hack/workspaces/consumers.py and realtime.py.
(function () {
  "use strict";
  var root = document.getElementById("workspace");
  if (!root || !window.WebSocket || !window.JSON) return;

  var texts = readJson("workspace-texts");
  var activityTemplates = readJson("workspace-activity-templates");
  // Stage and role codes in activity params → labels in the page's language.
  var activityLabels = readJson("workspace-activity-labels");
  var log = document.getElementById("chat-log");
  var list = document.getElementById("chat-messages");
  var empty = document.getElementById("chat-empty");
  var announcer = document.getElementById("chat-announcer");
  var connection = document.getElementById("chat-connection");
  var form = document.getElementById("chat-form");
  var formError = document.getElementById("chat-form-error");
  var olderLink = document.getElementById("chat-older-link");
  var notesForm = document.getElementById("notes-form");
  var notesNotice = document.getElementById("notes-notice");
  var pageNotice = document.getElementById("workspace-notice");
  var userId = Number(root.dataset.user);
  var lastSeq = Number(root.dataset.lastSeq) || 0;
  var hasOlder = root.dataset.hasOlder === "true";
  var notesVersion = Number(root.dataset.notesVersion) || 0;
  var notesDirty = false;
  var loadingOlder = false;
  var socket = null;
  var attempts = 0;
  var retryTimer = null;
  var ended = false;
  var pending = null; // {clientId, body} of a post waiting for message.accepted
  var CLOSE_ENDED = [4401, 4403];
  var CLOSE_NOT_FOUND = 4404;

  function readJson(id) {
    var element = document.getElementById(id);
    try { return element ? JSON.parse(element.textContent) : {}; } catch (e) { return {}; }
  }

  function format(template, params) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (_, name) {
      var value = params[name];
      return value === undefined || value === null ? "" : String(value);
    });
  }

  function setState(state, seconds) {
    if (!connection) return;
    connection.hidden = false;
    connection.dataset.state = state;
    connection.textContent = format(texts[state], { seconds: seconds });
  }

  // Messages ------------------------------------------------------------------

  var timeFormat = window.Intl ? new Intl.DateTimeFormat("sv-SE", {
    timeZone: "Asia/Tokyo", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hour12: false
  }) : null;

  function showTime(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime()) || !timeFormat) return iso;
    return timeFormat.format(date).replace(",", ""); // 2025-04-01 09:30
  }

  function hasSeq(seq) {
    return !!document.getElementById("message-" + seq);
  }

  function messageItem(message) {
    var item = document.createElement("li");
    item.className = "chat-message" + (message.author_id === userId ? " chat-message-mine" : "");
    item.id = "message-" + message.seq;
    item.dataset.seq = message.seq;
    var meta = document.createElement("p");
    meta.className = "chat-meta";
    var author = document.createElement("span");
    author.className = "chat-author";
    author.textContent = message.author || texts.formerMember;
    var time = document.createElement("time");
    time.dateTime = message.created_at;
    time.textContent = showTime(message.created_at);
    meta.appendChild(author);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(time);
    var body = document.createElement("p");
    body.className = "chat-body";
    body.lang = "ja";
    body.textContent = message.body;
    item.appendChild(meta);
    item.appendChild(body);
    return item;
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function appendMessage(message, quiet) {
    if (typeof message.seq !== "number") return;
    if (message.seq > lastSeq) lastSeq = message.seq;
    if (hasSeq(message.seq)) return;
    var stick = nearBottom();
    // Keep seq order even if an older one arrives late.
    var item = messageItem(message);
    var after = null;
    Array.prototype.some.call(list.children, function (child) {
      if (Number(child.dataset.seq) > message.seq) { after = child; return true; }
      return false;
    });
    list.insertBefore(item, after);
    if (empty) empty.hidden = true;
    if (stick || message.author_id === userId) log.scrollTop = log.scrollHeight;
    if (!quiet && message.author_id !== userId && announcer) {
      announcer.textContent = format(texts.newMessage, {
        author: message.author || texts.someone, body: message.body.slice(0, 200)
      });
    }
  }

  function prependHistory(page) {
    var messages = page.messages || [];
    var before = log.scrollHeight;
    var first = list.firstElementChild;
    messages.forEach(function (message) {
      if (message.seq > lastSeq) lastSeq = message.seq;
      if (hasSeq(message.seq)) return;
      var item = messageItem(message);
      if (first && Number(first.dataset.seq) > message.seq) list.insertBefore(item, first);
      else appendMessage(message, true);
    });
    if (messages.length && empty) empty.hidden = true;
    log.scrollTop += log.scrollHeight - before; // stay where the reader was
    hasOlder = !!page.has_more;
    loadingOlder = false;
    if (olderLink && !hasOlder) {
      olderLink.parentNode.textContent = texts.beginning;
      olderLink = null;
    }
  }

  function oldestSeq() {
    var first = list.firstElementChild;
    return first ? Number(first.dataset.seq) : lastSeq + 1;
  }

  function loadOlder() {
    if (!hasOlder || loadingOlder || !isOpen()) return false;
    var before = oldestSeq();
    if (before <= 1) { hasOlder = false; return false; }
    loadingOlder = true;
    if (olderLink) olderLink.textContent = texts.loadingOlder;
    send({ type: "history.load", before: before });
    return true;
  }

  // The socket ------------------------------------------------------------------

  function isOpen() {
    return socket && socket.readyState === WebSocket.OPEN;
  }

  function send(frame) {
    socket.send(JSON.stringify(frame));
  }

  function connect() {
    if (ended) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + window.location.host + root.dataset.wsPath + "?after=" + lastSeq;
    setState("connecting");
    try {
      socket = new WebSocket(url);
    } catch (e) {
      scheduleReconnect();
      return;
    }
    socket.addEventListener("open", function () {
      attempts = 0;
      setState("connected");
      loadingOlder = false;
      if (pending) {
        // The post may or may not have been stored before the drop: the same
        // client_id makes the server store it once either way.
        send({ type: "message.create", body: pending.body, client_id: pending.clientId });
      }
    });
    socket.addEventListener("message", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data && typeof data.type === "string") handle(data);
    });
    socket.addEventListener("close", function (event) {
      socket = null;
      if (CLOSE_ENDED.indexOf(event.code) !== -1) return end("ended");
      if (event.code === CLOSE_NOT_FOUND) return end("notFound");
      scheduleReconnect();
    });
  }

  function end(state) {
    ended = true;
    pending = null;
    setState(state);
    if (form) setBusy(false);
  }

  function scheduleReconnect() {
    if (ended || retryTimer) return;
    attempts += 1;
    var delay = Math.min(30, Math.pow(2, attempts - 1));
    delay = delay * (0.75 + Math.random() * 0.5);
    setState("reconnecting", Math.round(delay));
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      connect();
    }, delay * 1000);
  }

  function handle(data) {
    switch (data.type) {
      case "message.created": appendMessage(data); break;
      case "history.page": prependHistory(data); break;
      case "message.accepted": accepted(data); break;
      case "error": showError(data); break;
      case "presence.changed": presence(data); break;
      case "notes.saved": notesSaved(data); break;
      case "activity.created": activity(data); break;
      case "meeting.changed":
        redraw("meetings-lists", texts.meetingsUpdated, texts.meetingsChanged);
        break;
      case "file.changed":
        redraw("files-list", texts.filesUpdated, texts.filesChanged);
        break;
      case "group.changed": notice(texts.groupChanged); break;
      default: break;
    }
  }

  // Posting ---------------------------------------------------------------------

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function accepted(data) {
    if (!pending || data.client_id !== pending.clientId) return;
    pending = null;
    form.elements.body.value = "";
    setBusy(false);
    if (formError) { formError.hidden = true; formError.textContent = ""; }
    form.elements.body.focus();
  }

  function showError(data) {
    if (data.client_id && pending && data.client_id === pending.clientId) {
      pending = null;
      setBusy(false);
    } else {
      loadingOlder = false;
    }
    if (!formError) return;
    formError.textContent = data.message || texts.sendFailed;
    formError.hidden = false;
  }

  function setBusy(busy) {
    var button = form.querySelector("button[type=submit]");
    if (button) button.setAttribute("aria-disabled", busy ? "true" : "false");
    form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      var body = form.elements.body.value;
      if (ended) {
        // Posting would only meet a refusal page: keep the text here instead.
        event.preventDefault();
        showError({ message: texts.ended });
        return;
      }
      if (!isOpen()) {
        // No live connection: the ordinary post, made safe to retry.
        form.elements.client_id.value = newClientId();
        return;
      }
      event.preventDefault();
      if (pending) return; // one post at a time; the text stays meanwhile
      if (!body.trim()) {
        showError({ message: texts.empty });
        return;
      }
      pending = { clientId: newClientId(), body: body };
      setBusy(true);
      if (formError) { formError.hidden = true; formError.textContent = ""; }
      send({ type: "message.create", body: body, client_id: pending.clientId });
    });
    form.elements.body.addEventListener("keydown", function (event) {
      // Ctrl/Cmd+Enter sends; Enter alone makes a new line (Japanese input).
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      }
    });
  }

  // Older messages: on scroll to the top, or with the link ------------------------

  log.addEventListener("scroll", function () {
    if (log.scrollTop < 40) loadOlder();
  });
  if (olderLink) {
    olderLink.addEventListener("click", function (event) {
      if (loadOlder()) event.preventDefault();
    });
  }

  // Presence --------------------------------------------------------------------

  function presence(data) {
    var count = document.getElementById("presence-count");
    var total = document.getElementById("member-total");
    var people = document.getElementById("presence-list");
    var none = document.getElementById("presence-none");
    if (count && typeof data.count === "number") count.textContent = data.count;
    if (total && typeof data.members === "number") total.textContent = data.members;
    if (people && Array.isArray(data.present)) {
      people.textContent = "";
      data.present.forEach(function (person) {
        var item = document.createElement("li");
        item.textContent = person.name;
        people.appendChild(item);
      });
      if (none) none.hidden = data.present.length > 0;
    }
  }

  // Notes -----------------------------------------------------------------------

  if (notesForm) {
    notesForm.addEventListener("input", function () { notesDirty = true; });
  }

  function notesSaved(data) {
    if (typeof data.version !== "number" || data.version <= notesVersion) return;
    notesVersion = data.version;
    if (!notesNotice || !notesForm || !notesDirty) return;
    notesNotice.textContent = format(texts.notesNewer, {
      by: data.by || texts.someone, version: data.version
    });
  }

  // Activity and other changes ------------------------------------------------

  function activity(data) {
    var timeline = document.getElementById("activity-list");
    if (!timeline || timeline.querySelector('[data-id="' + Number(data.id) + '"]')) return;
    var params = {};
    var source = data.params || {};
    Object.keys(source).forEach(function (key) {
      var value = source[key];
      var labels = activityLabels[key];
      if (labels && Object.prototype.hasOwnProperty.call(labels, value)) {
        value = labels[value];
      } else if (key === "when") {
        value = showTime(value);
      }
      params[key] = value;
    });
    params.actor = data.actor || texts.someone;
    var template = activityTemplates[data.verb] || "%(actor)s: " + data.verb;
    var item = document.createElement("li");
    item.dataset.id = Number(data.id);
    var time = document.createElement("time");
    var now = new Date();
    time.dateTime = now.toISOString();
    time.textContent = showTime(now.toISOString());
    var sentence = document.createElement("span");
    sentence.lang = "ja";
    sentence.textContent = format(template, params);
    item.appendChild(time);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(sentence);
    timeline.insertBefore(item, timeline.firstChild);
    var emptyActivity = document.getElementById("activity-empty");
    if (emptyActivity) emptyActivity.hidden = true;
  }

  // Meetings and files: the part of the page that lists them is fetched again
  // and swapped in, unless the person is typing in it (minutes), in which case
  // nothing they typed is touched and a notice offers a reload instead.
  var redrawing = {};

  function redraw(id, updatedText, reloadText) {
    var current = document.getElementById(id);
    if (!current || isBeingEdited(current)) return notice(reloadText);
    if (redrawing[id]) { redrawing[id] = "again"; return; }
    redrawing[id] = true;
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(id);
        var now = document.getElementById(id);
        if (!fresh || !now || isBeingEdited(now)) return notice(reloadText);
        now.replaceWith(document.importNode(fresh, true));
        say(updatedText);
      })
      .catch(function () { notice(reloadText); })
      .then(function () {
        var again = redrawing[id] === "again";
        redrawing[id] = false;
        if (again) redraw(id, updatedText, reloadText);
      });
  }

  function isBeingEdited(root) {
    var fields = root.querySelectorAll("textarea, input, select");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.type === "hidden" || field.type === "submit") continue;
      if (root.contains(document.activeElement) && document.activeElement === field) return true;
      if (field.type === "file" ? field.files.length > 0 : field.value !== field.defaultValue) return true;
    }
    return false;
  }

  function say(text) {
    if (!pageNotice) return;
    pageNotice.dataset.text = "";
    pageNotice.textContent = text;
  }

  function notice(text) {
    if (!pageNotice || pageNotice.dataset.text === text) return;
    pageNotice.dataset.text = text;
    pageNotice.textContent = text + " ";
    var reload = document.createElement("a");
    reload.href = window.location.pathname;
    reload.textContent = texts.reload;
    pageNotice.appendChild(reload);
  }

  log.scrollTop = log.scrollHeight;
  connect();
})();
