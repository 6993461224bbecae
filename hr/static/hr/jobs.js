// Live progress for HR jobs: polls the JSON status while a job runs. Without JS the page's
// refresh link does the same.
(function () {
  "use strict";
  var script = document.currentScript;
  var downloadLabel = (script && script.dataset.downloadLabel) || "Download";

  function paint(root, job) {
    var status = root.querySelector('[data-field="status"]');
    if (status) {
      status.textContent = job.status_label;
      status.className = "badge " + (job.status === "failed" ? "bad" : job.active ? "warn" : "ok");
    }
    var bar = root.querySelector(".progress");
    if (bar) {
      bar.setAttribute("aria-valuenow", job.percent);
      bar.firstElementChild.style.width = job.percent + "%";
    }
    var count = root.querySelector('[data-field="count"]');
    if (count) count.textContent = job.done + " / " + job.total;
    var cell = root.querySelector('[data-field="download"]');
    if (cell && job.download && !cell.querySelector("a")) {
      var link = document.createElement("a");
      link.className = "button";
      link.href = job.download;
      link.textContent = downloadLabel;
      cell.textContent = "";
      cell.appendChild(link);
    }
  }

  function poll(el, handle) {
    var url = el.dataset.statusUrl;
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) { if (handle(data)) setTimeout(tick, 2000); })
        .catch(function () { setTimeout(tick, 10000); });
    }
    setTimeout(tick, 1500);
  }

  var detail = document.getElementById("job");
  if (detail && detail.hasAttribute("data-active")) {
    poll(detail, function (job) {
      paint(detail, job);
      // A finished step changes the page (preview table, download): load it once.
      if (!job.active) { window.location.reload(); return false; }
      return true;
    });
  }
  var table = document.getElementById("jobs");
  if (table && table.hasAttribute("data-active")) {
    poll(table, function (data) {
      var active = false;
      data.jobs.forEach(function (job) {
        var row = table.querySelector('tr[data-job="' + job.id + '"]');
        if (row) paint(row, job);
        active = active || job.active;
      });
      return active;
    });
  }
})();
