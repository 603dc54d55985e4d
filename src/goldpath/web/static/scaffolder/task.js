// goldpath task page: live log and step status over SSE, a running clock, cancel through
// the API. On completion the server-rendered parts (status, steps, output, rollback) are
// fetched again so what the page shows is exactly what a reload would show.
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  // Times in the user's own clock.
  $all("time[data-gp-time]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (!isNaN(when)) { el.textContent = when.toLocaleString(); el.title = el.getAttribute("datetime"); }
  });

  var task = $("[data-gp-task]");
  if (!task) return;
  var taskId = task.getAttribute("data-gp-task");
  var lastId = Number(task.getAttribute("data-last-event-id") || 0);
  var log = $("[data-gp-log]", task);
  var live = $("[data-gp-live]", task);
  var source = null;
  var clock = null;

  function formatDuration(seconds) {
    if (seconds < 1) return Math.round(seconds * 1000) + " ms";
    if (seconds < 60) return seconds.toFixed(1) + " s";
    var m = Math.floor(Math.round(seconds) / 60);
    if (m < 60) return m + " min " + (Math.round(seconds) % 60) + " s";
    return Math.floor(m / 60) + " h " + (m % 60) + " min";
  }

  function tick() {
    var el = $("[data-gp-duration]", task);
    if (!el || el.hasAttribute("data-finished")) return;
    var started = new Date(el.getAttribute("data-started"));
    if (!isNaN(started)) el.textContent = formatDuration((Date.now() - started.getTime()) / 1000);
  }

  function appendLog(event) {
    var body = event.body || {};
    if (!body.message) return;
    var empty = $("[data-gp-log-empty]", task);
    if (empty) empty.remove();
    var li = document.createElement("li");
    li.setAttribute("data-event-id", String(event.id));
    li.className = "gp-log-" + event.type;
    var time = document.createElement("time");
    time.dateTime = event.createdAt || "";
    time.textContent = (event.createdAt || "").slice(11, 19);
    li.appendChild(time);
    if (body.stepId) {
      var step = document.createElement("span");
      step.className = "gp-log-step";
      step.textContent = " [" + body.stepId + "]";
      li.appendChild(step);
    }
    var message = document.createElement("span");
    message.className = "gp-log-message";
    message.textContent = " " + body.message;
    li.appendChild(message);
    var atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 24;
    log.appendChild(li);
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  function setStep(stepId, status) {
    var item = task.querySelector('[data-step-id="' + CSS.escape(stepId) + '"]');
    if (!item) return;
    item.className = item.className.replace(/gp-step-(open|processing|completed|failed|skipped|cancelled)/g, "").trim() + " gp-step-" + status;
    item.setAttribute("data-step-status", status);
    var label = $("[data-gp-step-status]", item);
    if (label) label.textContent = status;
    var steps = $all("[data-step-id]", task);
    var done = steps.filter(function (s) { return ["completed", "skipped"].indexOf(s.getAttribute("data-step-status")) >= 0; }).length;
    var bar = $(".gp-progress", task);
    if (bar) {
      bar.setAttribute("aria-valuenow", String(done));
      $(".gp-progress-bar", bar).style.width = Math.round((done / (steps.length || 1)) * 100) + "%";
    }
    var badge = $("[data-gp-status]", task);
    if (badge && badge.getAttribute("data-gp-status") === "open") {
      badge.setAttribute("data-gp-status", "processing");
      badge.className = "gp-status gp-status-processing";
      badge.textContent = "processing";
    }
  }

  // Replace the server-rendered regions with a fresh rendering of this page.
  function refresh() {
    return fetch(window.location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (res) { return res.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-gp-task]");
        if (!fresh) return;
        $all("[data-gp-swap]", task).forEach(function (region) {
          var name = region.getAttribute("data-gp-swap");
          var replacement = fresh.querySelector('[data-gp-swap="' + name + '"]');
          if (replacement) region.replaceWith(document.importNode(replacement, true));
          else region.remove();
        });
        task.setAttribute("data-status", fresh.getAttribute("data-status"));
        task.setAttribute("data-finished", fresh.getAttribute("data-finished"));
        wireCancel();
        $all("time[data-gp-time]", task).forEach(function (el) {
          var when = new Date(el.getAttribute("datetime"));
          if (!isNaN(when)) el.textContent = when.toLocaleString();
        });
      });
  }

  function finish() {
    if (source) { source.close(); source = null; }
    if (clock) { clearInterval(clock); clock = null; }
    if (live) live.hidden = true;
    refresh();
  }

  function onEvent(message) {
    var event;
    try { event = JSON.parse(message.data); } catch (e) { return; }
    if (typeof event.id === "number") {
      if (event.id <= lastId) return;
      lastId = event.id;
    }
    var body = event.body || {};
    if (body.stepId && body.status) setStep(body.stepId, body.status);
    appendLog(event);
    if (event.type === "completion" || event.type === "cancelled") finish();
  }

  function connect() {
    if (!window.EventSource) return;
    source = new EventSource("/api/scaffolder/v2/tasks/" + encodeURIComponent(taskId) + "/eventstream?after=" + lastId);
    ["log", "completion", "cancelled", "message"].forEach(function (type) { source.addEventListener(type, onEvent); });
    source.onerror = function () {
      // The stream ends when the task does; if it broke early, pick up where it stopped.
      if (source) source.close();
      source = null;
      setTimeout(function () {
        fetch("/api/scaffolder/v2/tasks/" + encodeURIComponent(taskId), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
          .then(function (res) { return res.json(); })
          .then(function (data) {
            if (["completed", "failed", "cancelled"].indexOf(data.status) >= 0) finish();
            else connect();
          })
          .catch(function () { setTimeout(connect, 2000); });
      }, 500);
    };
  }

  function wireCancel() {
    var form = $("[data-gp-cancel-form]", task);
    if (!form || form.getAttribute("data-wired")) return;
    form.setAttribute("data-wired", "true");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!window.confirm(form.getAttribute("data-confirm-text"))) return;
      var button = $("[data-gp-cancel]", form);
      button.disabled = true;
      button.textContent = "Cancelling…";
      var headers = { "Accept": "application/json", "X-CSRF-Token": (window.goldpath && window.goldpath.csrfToken) ? window.goldpath.csrfToken() : "" };
      fetch("/api/scaffolder/v2/tasks/" + encodeURIComponent(taskId) + "/cancel", { method: "POST", headers: headers, credentials: "same-origin" })
        .then(function (res) {
          if (!res.ok) { button.disabled = false; button.textContent = "Cancel"; }
          if (!source) refresh();
        });
    });
  }

  wireCancel();
  if (task.getAttribute("data-finished") !== "true") {
    if (live) live.hidden = false;
    clock = setInterval(tick, 1000);
    connect();
  }
})();
