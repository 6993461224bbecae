/* Reports the lesson's playback position every few seconds; the server decides what is credited.
 * A <video> reports its currentTime. An embedded player cannot be read across origins, so for
 * it the position is the time the page has been visible, which the server credits the same way. */
(function () {
  "use strict";
  var el = document.querySelector("[data-progress-url]");
  if (!el) { return; }
  var url = el.getAttribute("data-progress-url");
  var token = el.getAttribute("data-csrf");
  var bar = document.querySelector("[data-progress-bar]");
  var label = document.querySelector("[data-progress-label]");
  var busy = false;
  var latest = null;
  var failures = 0;

  function show(data) {
    var pct = Math.min(100, Math.round(100 * data.credited_seconds / Math.max(1, data.required_seconds)));
    if (bar) { bar.style.width = pct + "%"; }
    if (label) { label.textContent = pct + "%" + (data.completed ? " ✓" : ""); }
  }

  // A report the server could not take (a database restarting answers 503, a dropped network
  // throws) is sent again a few seconds later with the newest position: the server credits the
  // step from the last report it kept, so nothing watched in between is lost, and a report it
  // did keep but could not answer is credited once, as positions are merged, never added.
  function send(position) {
    latest = position;
    if (busy) { return; }
    busy = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token},
      body: JSON.stringify({position: position})
    }).then(function (r) {
      if (r.status >= 500) { throw new Error("retry"); }
      return r.ok ? r.json() : null;
    }).then(function (data) {
      failures = 0;
      if (data) { show(data); }
    }).catch(function () {
      failures += 1;
      if (failures <= 20) { window.setTimeout(function () { send(latest); }, 3000); }
    }).then(function () { busy = false; });
  }

  if (el.tagName === "VIDEO") {
    var video = el;
    var report = function () { send(video.currentTime); };
    var timer = null;
    video.addEventListener("play", function () {
      report();
      if (!timer) { timer = window.setInterval(report, 5000); }
    });
    ["pause", "ended", "seeked"].forEach(function (name) { video.addEventListener(name, report); });
    video.addEventListener("pause", function () { window.clearInterval(timer); timer = null; });
    var resume = parseFloat(el.getAttribute("data-resume") || "0");
    if (resume > 0) {
      // Resume where the teacher left off; metadata may already be loaded when this runs.
      if (video.readyState >= 1) { video.currentTime = resume; }
      else { video.addEventListener("loadedmetadata", function () { video.currentTime = resume; }, {once: true}); }
    }
    return;
  }

  // Embedded player: count the seconds the page is visible, from where the teacher left off.
  var position = parseFloat(el.getAttribute("data-resume") || "0");
  var ticks = 0;
  send(position);
  window.setInterval(function () {
    if (document.visibilityState !== "visible") { return; }
    position += 1;
    ticks += 1;
    if (ticks % 5 === 0) { send(position); }
  }, 1000);
  document.addEventListener("visibilitychange", function () { send(position); });
})();
