/* Reports the lesson video's position every few seconds; the server decides what is credited. */
(function () {
  "use strict";
  var video = document.querySelector("video[data-progress-url]");
  if (!video) { return; }
  var url = video.getAttribute("data-progress-url");
  var token = video.getAttribute("data-csrf");
  var bar = document.querySelector("[data-progress-bar]");
  var label = document.querySelector("[data-progress-label]");
  var busy = false;

  function show(data) {
    var pct = Math.min(100, Math.round(100 * data.credited_seconds / Math.max(1, data.required_seconds)));
    if (bar) { bar.style.width = pct + "%"; }
    if (label) { label.textContent = pct + "%" + (data.completed ? " ✓" : ""); }
  }

  function report() {
    if (busy) { return; }
    busy = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token},
      body: JSON.stringify({position: video.currentTime})
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () {})
      .then(function () { busy = false; });
  }

  var timer = null;
  video.addEventListener("play", function () {
    report();
    if (!timer) { timer = window.setInterval(report, 5000); }
  });
  ["pause", "ended", "seeked"].forEach(function (name) {
    video.addEventListener(name, report);
  });
  video.addEventListener("pause", function () { window.clearInterval(timer); timer = null; });
  var resume = parseFloat(video.getAttribute("data-resume") || "0");
  if (resume > 0) {
    // Resume where the teacher left off; metadata may already be loaded when this runs.
    if (video.readyState >= 1) { video.currentTime = resume; }
    else { video.addEventListener("loadedmetadata", function () { video.currentTime = resume; }, {once: true}); }
  }
})();
