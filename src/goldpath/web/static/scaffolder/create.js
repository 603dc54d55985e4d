// goldpath Create flow: template filter, the form stepper, pickers, Preview and submit.
// Everything here enhances server-rendered HTML that already works without it.
(function () {
  "use strict";

  var gp = window.goldpath || {};

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function show(el, visible) { if (el) el.hidden = !visible; }
  function text(el, value) { if (el) el.textContent = value; }

  function csrfToken() {
    if (gp.csrfToken) return gp.csrfToken();
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // JSON API calls with the CSRF header; a FormData body goes as a form, anything else as JSON.
  function apiFetch(url, options) {
    options = options || {};
    var headers = Object.assign({ "Accept": "application/json" }, options.headers || {});
    if (options.method && options.method !== "GET") headers["X-CSRF-Token"] = csrfToken();
    if (options.body && typeof options.body !== "string" && !(options.body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(options.body);
    }
    return fetch(url, Object.assign({}, options, { headers: headers, credentials: "same-origin" }));
  }

  function readJSON(response) {
    return response.text().then(function (body) {
      var data = null;
      try { data = body ? JSON.parse(body) : null; } catch (e) { data = null; }
      return { status: response.status, ok: response.ok, data: data };
    });
  }

  // ---- Create page: filter the cards as you type -------------------------------------
  function initTemplateFilter(form) {
    var input = $("[data-gp-filter-text]", form);
    var select = $("[data-gp-filter-tag]", form);
    var cards = $all("[data-gp-card]");
    var count = $("[data-gp-result-count]");
    var none = $("[data-gp-no-match]");
    function apply() {
      var words = (input.value || "").toLowerCase().split(/\s+/).filter(Boolean);
      var tag = select ? select.value : "";
      var shown = 0;
      cards.forEach(function (card) {
        var hay = card.getAttribute("data-search") || "";
        var tags = (card.getAttribute("data-tags") || "").split("\n");
        var ok = (!tag || tags.indexOf(tag) >= 0) && words.every(function (w) { return hay.indexOf(w) >= 0; });
        card.hidden = !ok;
        if (ok) shown += 1;
      });
      text(count, shown + " of " + cards.length + " template" + (cards.length === 1 ? "" : "s"));
      show(none, shown === 0);
      var params = new URLSearchParams();
      if (input.value) params.set("q", input.value);
      if (tag) params.set("tag", tag);
      var query = params.toString();
      history.replaceState(null, "", "/create" + (query ? "?" + query : ""));
    }
    input.addEventListener("input", apply);
    if (select) select.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  }

  // ---- Field errors --------------------------------------------------------------------
  function escapePointerPart(part) { return String(part).replace(/~/g, "~0").replace(/\//g, "~1"); }

  // An API error's field ("app.port", "tags[0]", "/a/b", "parameters.x") as a form pointer.
  function fieldToPointer(field) {
    if (!field || field === "values") return "";
    if (field.charAt(0) === "/") return field;
    var parts = field.split(/\.|\[(\d+)\]/).filter(function (p) { return p; });
    while (parts.length && ["parameters", "values", "body"].indexOf(parts[0]) >= 0) parts.shift();
    return parts.map(function (p) { return "/" + escapePointerPart(p); }).join("");
  }

  function Stepper(form) {
    this.form = form;
    this.steps = $all("[data-gp-step]", form);
    this.tabs = $all("[data-gp-step-tab]", form);
    this.current = 0;
    this.visited = 0;
  }

  Stepper.prototype.clearErrors = function () {
    $all("[data-gp-errors-for]", this.form).forEach(function (list) { list.innerHTML = ""; });
    $all("[aria-invalid]", this.form).forEach(function (el) { el.removeAttribute("aria-invalid"); });
    var box = $("[data-gp-form-errors]", this.form);
    if (box) { $("ul", box).innerHTML = ""; box.hidden = true; }
    this.tabs.forEach(function (tab) { tab.classList.remove("gp-step-error"); });
  };

  // The error list of a problem's field, or of its nearest ancestor field (null: none).
  Stepper.prototype.errorListFor = function (pointer) {
    while (true) {
      var list = this.form.querySelector('[data-gp-errors-for="' + CSS.escape(pointer) + '"]');
      if (list || !pointer) return list;
      pointer = pointer.slice(0, pointer.lastIndexOf("/"));
    }
  };

  // The step a problem belongs to (the review step for one that names no field).
  Stepper.prototype.stepOf = function (problem) {
    var list = this.errorListFor(problem.pointer);
    var step = list ? list.closest("[data-gp-step]") : null;
    return step ? Number(step.getAttribute("data-gp-step")) : this.steps.length - 1;
  };

  // Show each {pointer, message} next to its field (or its nearest ancestor field);
  // returns the index of the first step that has one.
  Stepper.prototype.showErrors = function (problems) {
    var self = this;
    var first = null;
    var box = $("[data-gp-form-errors]", this.form);
    problems.forEach(function (problem) {
      var list = self.errorListFor(problem.pointer);
      if (!list) {
        var item = document.createElement("li");
        item.textContent = problem.message;
        $("ul", box).appendChild(item);
        box.hidden = false;
        return;
      }
      var li = document.createElement("li");
      li.textContent = problem.message;
      list.appendChild(li);
      var field = list.closest("[data-gp-field]");
      $all("input, select, textarea", field).forEach(function (el) { el.setAttribute("aria-invalid", "true"); });
      var step = list.closest("[data-gp-step]");
      var index = step ? Number(step.getAttribute("data-gp-step")) : 0;
      if (self.tabs[index]) self.tabs[index].classList.add("gp-step-error");
      if (first === null || index < first) first = index;
    });
    return first;
  };

  Stepper.prototype.go = function (index) {
    var last = this.steps.length - 1;
    index = Math.max(0, Math.min(index, last));
    this.current = index;
    this.visited = Math.max(this.visited, index);
    this.steps.forEach(function (step, i) { step.hidden = i !== index; });
    var visited = this.visited;
    this.tabs.forEach(function (tab, i) {
      tab.classList.toggle("gp-step-current", i === index);
      tab.classList.toggle("gp-step-done", i < index);
      // Steps already seen can be reopened from the stepper, by mouse or keyboard.
      if (i <= visited && i < last && i !== index) tab.setAttribute("tabindex", "0");
      else tab.removeAttribute("tabindex");
      if (i === index) tab.setAttribute("aria-current", "step"); else tab.removeAttribute("aria-current");
    });
    var onReview = index === last;
    show($("[data-gp-back]", this.form), index > 0);
    show($("[data-gp-next]", this.form), !onReview);
    show($("[data-gp-preview-button]", this.form), onReview);
    show($("[data-gp-submit]", this.form), onReview);
    var focus = this.steps[index].querySelector("[autofocus], input:not([type=hidden]):not([readonly]), select, textarea");
    if (focus && this.started) focus.focus();
    this.started = true;
  };

  // The browser's own checks (required, pattern, min/max) for the inputs of one step.
  Stepper.prototype.stepValid = function (index) {
    var controls = $all("input, select, textarea", this.steps[index]);
    for (var i = 0; i < controls.length; i += 1) {
      if (!controls[i].checkValidity()) { controls[i].reportValidity(); return false; }
    }
    return true;
  };

  function busy(form, on, label) {
    var el = $("[data-gp-busy]", form);
    text($("[data-gp-busy-text]", el), label || "Working…");
    show(el, on);
    $all("button", form).forEach(function (b) { b.disabled = on; });
  }

  function formatValue(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "string") return value;
    return JSON.stringify(value);
  }

  function fillReview(form, values, spec) {
    var body = $("[data-gp-review-body]", form);
    body.innerHTML = "";
    var labels = {};
    spec.forEach(function (f) { labels[f.pointer] = f; });
    function add(pointer, value) {
      var field = labels[pointer];
      if (field && field.kind === "object" && value && typeof value === "object") {
        Object.keys(value).forEach(function (k) { add(pointer + "/" + escapePointerPart(k), value[k]); });
        return;
      }
      var row = document.createElement("tr");
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = field ? field.label : pointer.slice(1);
      var td = document.createElement("td");
      td.textContent = field && field.kind === "password" ? "••••••" : formatValue(value);
      row.appendChild(th);
      row.appendChild(td);
      body.appendChild(row);
    }
    Object.keys(values).forEach(function (k) { add("/" + escapePointerPart(k), values[k]); });
    if (!body.children.length) {
      body.innerHTML = '<tr><td class="muted">No values: this template needs none.</td></tr>';
    }
  }

  // ---- Preview -------------------------------------------------------------------------
  function decodeBase64(data) {
    var binary = atob(data || "");
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function fileText(bytes) {
    if (bytes.indexOf(0) >= 0) return null;
    try { return new TextDecoder("utf-8", { fatal: true }).decode(bytes); } catch (e) { return null; }
  }

  function renderTree(files, onPick) {
    var root = { dirs: {}, files: [] };
    files.forEach(function (file) {
      var parts = file.path.split("/");
      var node = root;
      parts.slice(0, -1).forEach(function (part) {
        node.dirs[part] = node.dirs[part] || { dirs: {}, files: [] };
        node = node.dirs[part];
      });
      node.files.push({ name: parts[parts.length - 1], file: file });
    });
    function build(node) {
      var ul = document.createElement("ul");
      Object.keys(node.dirs).sort().forEach(function (name) {
        var li = document.createElement("li");
        li.className = "gp-tree-dir";
        var label = document.createElement("span");
        label.textContent = name + "/";
        li.appendChild(label);
        li.appendChild(build(node.dirs[name]));
        ul.appendChild(li);
      });
      node.files.sort(function (a, b) { return a.name < b.name ? -1 : 1; }).forEach(function (entry) {
        var li = document.createElement("li");
        li.className = "gp-tree-file";
        var button = document.createElement("button");
        button.type = "button";
        button.className = "gp-tree-button";
        button.textContent = entry.name + (entry.file.executable ? " *" : "");
        button.title = entry.file.path;
        button.setAttribute("data-path", entry.file.path);
        button.addEventListener("click", function () { onPick(entry.file, button); });
        li.appendChild(button);
        ul.appendChild(li);
      });
      return ul;
    }
    return build(root).children;
  }

  function showPreview(panel, result) {
    var files = (result.directoryContents || []).map(function (item) {
      var bytes = decodeBase64(item.base64Content);
      return { path: item.path, executable: !!item.executable, size: bytes.length, text: fileText(bytes) };
    }).sort(function (a, b) { return a.path < b.path ? -1 : 1; });
    var tree = $("[data-gp-file-tree]", panel);
    var pathEl = $("[data-gp-file-path]", panel);
    var content = $("[data-gp-file-content]", panel);
    tree.innerHTML = "";
    function pick(file, button) {
      $all(".gp-tree-button", tree).forEach(function (b) { b.classList.remove("active"); b.removeAttribute("aria-current"); });
      if (button) { button.classList.add("active"); button.setAttribute("aria-current", "true"); }
      text(pathEl, file.path + (file.executable ? " (executable)" : "") + " · " + file.size + " bytes");
      text(content, file.text === null ? "(binary file, not shown)" : file.text);
    }
    Array.prototype.slice.call(renderTree(files, pick)).forEach(function (li) { tree.appendChild(li); });
    var summary = files.length + " file" + (files.length === 1 ? "" : "s");
    var skipped = (result.steps || []).filter(function (s) { return s.status === "skipped"; }).length;
    if (skipped) summary += " · " + skipped + " step" + (skipped === 1 ? "" : "s") + " skipped in a dry run";
    text($("[data-gp-preview-summary]", panel), summary);
    var errorBox = $("[data-gp-preview-error]", panel);
    if (result.error) {
      text(errorBox, "The dry run failed: " + result.error.message);
      show(errorBox, true);
    } else {
      show(errorBox, false);
    }
    text($("[data-gp-preview-log]", panel), (result.log || []).map(function (line) {
      var body = line.body || line;
      return (body.stepId ? "[" + body.stepId + "] " : "") + (body.message || "");
    }).join("\n"));
    if (files.length) {
      pick(files[0], tree.querySelector('[data-path="' + CSS.escape(files[0].path) + '"]'));
    } else {
      text(pathEl, "");
      text(content, "This template produces no files.");
    }
    show(panel, true);
    panel.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  // ---- Pickers: search the catalog as you type ----------------------------------------
  function initPicker(input) {
    var config = {};
    try { config = JSON.parse(input.getAttribute("data-gp-picker") || "{}"); } catch (e) { config = {}; }
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var lastTerm = null;
    function search() {
      var term = input.value.trim();
      if (term === lastTerm || term.indexOf(":") >= 0) return;
      lastTerm = term;
      var params = new URLSearchParams();
      (config.filters || []).forEach(function (f) { params.append("filter", f); });
      if (term) params.set("fullTextFilterTerm", term);
      params.set("limit", "50");
      ["kind", "metadata.name", "metadata.namespace", "metadata.title", "spec.profile"].forEach(function (f) { params.append("fields", f); });
      apiFetch("/api/catalog/entities/by-query?" + params.toString()).then(readJSON).then(function (res) {
        if (!res.ok || !res.data || !list) return;
        list.innerHTML = "";
        (res.data.items || []).forEach(function (entity) {
          var meta = entity.metadata || {};
          var ns = meta.namespace || "default";
          var ref = (entity.kind + ":" + ns + "/" + meta.name).toLowerCase();
          if (config.defaultKind || config.defaultNamespace) {
            var sameKind = String(config.defaultKind || "").toLowerCase() === String(entity.kind).toLowerCase();
            var sameNs = String(config.defaultNamespace || "").toLowerCase() === ns.toLowerCase();
            ref = (sameKind ? "" : String(entity.kind).toLowerCase() + ":") + (sameNs ? "" : ns + "/") + meta.name;
          }
          var title = meta.title || (entity.spec && entity.spec.profile && entity.spec.profile.displayName);
          var option = document.createElement("option");
          option.value = ref;
          option.textContent = title ? title + " (" + entity.kind + ")" : entity.kind;
          list.appendChild(option);
        });
      });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 200); });
    if (config.allowArbitraryValues === false) {
      // Only an entity the catalog offers may be chosen.
      input.addEventListener("change", function () {
        var offered = list ? $all("option", list).map(function (o) { return o.value; }) : [];
        var ok = !input.value || offered.indexOf(input.value) >= 0;
        input.setCustomValidity(ok ? "" : "Choose one of the catalog's suggestions.");
      });
    }
  }

  // ---- Lists of strings: add and remove items -------------------------------------------
  function initList(container) {
    var add = $("[data-gp-list-add]", container);
    function wire(item) {
      var remove = $("[data-gp-list-remove]", item);
      show(remove, true);
      remove.addEventListener("click", function () {
        var items = $all(".gp-list-item", container);
        if (items.length > 1) item.remove(); else $("input", item).value = "";
      });
    }
    $all(".gp-list-item", container).forEach(wire);
    show(add, true);
    add.addEventListener("click", function () {
      var items = $all(".gp-list-item", container);
      var clone = items[items.length - 1].cloneNode(true);
      var input = $("input", clone);
      input.value = "";
      ["required", "id", "autofocus"].forEach(function (a) { input.removeAttribute(a); });
      input.setAttribute("aria-label", (input.getAttribute("aria-label") || "").replace(/\d+$/, String(items.length + 1)));
      container.insertBefore(clone, add);
      wire(clone);
      input.focus();
    });
  }

  // ---- The template form -------------------------------------------------------------
  function initCreateForm(form) {
    var stepper = new Stepper(form);
    var spec = JSON.parse(($("#gp-form-spec") || {}).textContent || "[]");
    var entity = JSON.parse(($("#gp-template-entity") || {}).textContent || "{}");
    var checkUrl = form.getAttribute("data-check-url");
    var templateRef = form.getAttribute("data-template-ref");
    var panel = $("[data-gp-preview]");
    var stepperNav = $("[data-gp-stepper]", form);
    show(stepperNav, true);
    form.classList.add("gp-enhanced");
    show($("[data-gp-review]", form), true);
    $all("[data-gp-list]", form).forEach(initList);
    $all("[data-gp-picker]", form).forEach(initPicker);

    // Ask the server to read the form into values and validate them; only problems on
    // the steps up to ``upTo`` count (later steps have not been filled in yet).
    function check(upTo) {
      stepper.clearErrors();
      return apiFetch(checkUrl, { method: "POST", body: new FormData(form) }).then(readJSON).then(function (res) {
        if (res.status === 200 || res.status === 422) {
          var errors = ((res.data && res.data.errors) || []).filter(function (problem) {
            return stepper.stepOf(problem) <= upTo;
          });
          if (errors.length) {
            var first = stepper.showErrors(errors);
            if (first !== null) stepper.go(first);
            return null;
          }
          return res.data.values;
        }
        throw new Error((res.data && res.data.error && res.data.error.message) || ("the server answered " + res.status));
      });
    }

    function apiProblems(data) {
      var error = (data && data.error) || {};
      var list = error.errors || [];
      if (!list.length) return [{ pointer: "", message: error.message || "The request failed." }];
      return list.map(function (e) { return { pointer: fieldToPointer(e.field || ""), message: e.message }; });
    }

    function fail(message) {
      stepper.showErrors([{ pointer: "", message: message }]);
      busy(form, false);
    }

    $("[data-gp-next]", form).addEventListener("click", function () {
      if (!stepper.stepValid(stepper.current)) return;
      var next = stepper.current + 1;
      var last = stepper.steps.length - 1;
      busy(form, true, "Checking…");
      check(next === last ? last : stepper.current).then(function (values) {
        busy(form, false);
        if (!values) return;
        if (next === last) fillReview(form, values, spec);
        stepper.go(next);
      }).catch(function (e) { fail(e.message); });
    });
    $("[data-gp-back]", form).addEventListener("click", function () { stepper.go(stepper.current - 1); });
    stepper.tabs.forEach(function (tab, index) {
      function open() {
        if (index <= stepper.visited && index < stepper.steps.length - 1) stepper.go(index);
      }
      tab.addEventListener("click", open);
      tab.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(); }
      });
    });

    $("[data-gp-preview-button]", form).addEventListener("click", function () {
      busy(form, true, "Previewing…");
      check(stepper.steps.length - 1).then(function (values) {
        if (!values) { busy(form, false); return null; }
        return apiFetch("/api/scaffolder/v2/dry-run", { method: "POST", body: { template: entity, values: values } })
          .then(readJSON).then(function (res) {
            busy(form, false);
            if (!res.ok) {
              var first = stepper.showErrors(apiProblems(res.data));
              if (first !== null) stepper.go(first);
              return;
            }
            showPreview(panel, res.data);
          });
      }).catch(function (e) { fail(e.message); });
    });

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (stepper.current !== stepper.steps.length - 1) return;
      busy(form, true, "Creating…");
      check(stepper.steps.length - 1).then(function (values) {
        if (!values) { busy(form, false); return null; }
        return apiFetch("/api/scaffolder/v2/tasks", { method: "POST", body: { templateRef: templateRef, values: values } })
          .then(readJSON).then(function (res) {
            if (res.status === 201 && res.data && res.data.id) {
              window.location.assign("/create/tasks/" + encodeURIComponent(res.data.id));
              return;
            }
            busy(form, false);
            var first = stepper.showErrors(apiProblems(res.data));
            if (first !== null) stepper.go(first);
          });
      }).catch(function (err) { fail(err.message); });
    });

    // Enter in a text field moves on instead of submitting a half-filled form.
    form.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" || e.target.tagName === "TEXTAREA" || e.target.tagName === "BUTTON") return;
      if (stepper.current < stepper.steps.length - 1) { e.preventDefault(); $("[data-gp-next]", form).click(); }
    });

    stepper.started = false;
    stepper.go(Number(form.getAttribute("data-start-step") || 0));
    stepper.started = true;
    if (stepper.current === stepper.steps.length - 1) {
      // A template without parameters opens on Review: show what will be sent.
      check(stepper.current).then(function (values) { if (values) fillReview(form, values, spec); })
        .catch(function (e) { fail(e.message); });
    }
  }

  var filter = $("[data-gp-template-filter]");
  if (filter) initTemplateFilter(filter);
  var createForm = $("[data-gp-create-form]");
  if (createForm) initCreateForm(createForm);
})();
