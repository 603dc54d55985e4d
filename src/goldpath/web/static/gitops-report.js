// Loads the GitOps policy report of a component (validation takes a moment: show progress).
(function () {
  "use strict";
  var card = document.querySelector("[data-testid='gitops-report']");
  if (!card) return;
  var status = card.querySelector("[data-gitops-status]");
  var result = card.querySelector("[data-gitops-result]");
  var button = card.querySelector("[data-gitops-run]");

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function show(report) {
    result.replaceChildren();
    var summary = report.ok
      ? el("p", "All " + report.objects + " objects pass every check.", "report-ok")
      : el("p", report.findings.length + " finding(s) in " + report.objects + " objects.", "report-bad");
    summary.setAttribute("data-testid", "gitops-report-summary");
    result.appendChild(summary);
    var checks = el("p", "Checked: " + report.checked.join(", ") +
      (report.skipped.length ? " · skipped: " + report.skipped.join(", ") : ""), "muted");
    result.appendChild(checks);
    if (!report.findings.length) return;
    var table = el("table", undefined, "report-table");
    var head = el("tr");
    ["Check", "File", "Object", "Finding"].forEach(function (h) { head.appendChild(el("th", h)); });
    table.appendChild(head);
    report.findings.forEach(function (f) {
      var row = el("tr");
      row.appendChild(el("td", f.check + ":" + f.rule, "mono"));
      row.appendChild(el("td", f.file, "mono"));
      row.appendChild(el("td", f.object, "mono"));
      row.appendChild(el("td", f.message));
      table.appendChild(row);
    });
    result.appendChild(table);
  }

  function run() {
    button.disabled = true;
    result.replaceChildren();
    status.replaceChildren(el("span", undefined, "gp-progress"), document.createTextNode("Validating the GitOps repository…"));
    window.goldpath.fetchJSON(card.getAttribute("data-report-url"))
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (answer) {
        if (answer.status === 404) {
          status.textContent = "No GitOps repository for this component yet.";
        } else if (answer.status !== 200) {
          status.textContent = "The report could not be made: " + ((answer.body.error || {}).message || answer.status);
        } else {
          status.replaceChildren(document.createTextNode("Repository: "), el("code", answer.body.repository));
          show(answer.body);
        }
      })
      .catch(function () { status.textContent = "The report could not be loaded."; })
      .finally(function () { button.disabled = false; });
  }

  button.addEventListener("click", run);
  run();
})();
